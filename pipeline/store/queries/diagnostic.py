"""Read from DuckDB what a territory diagnostic needs (I/O edge of the analysis).

Every function takes a read-only connection and returns DataFrames; the
computations themselves are in :mod:`pipeline.analysis.indicators`, :mod:`pipeline.analysis.flows`
and :mod:`pipeline.analysis.access`.
"""

from __future__ import annotations

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline import config
from pipeline.geography import LAMBERT93
from pipeline.sources.extraction_names import DEMO_NOTE
from pipeline.store import connection as store
from pipeline.store.connection import read_geo
from pipeline.store.territory import Territory


def _register(con: duckdb.DuckDBPyConnection, name: str, codes: list[str]) -> None:
    con.register(name, pd.DataFrame({"code": pd.Series(codes, dtype="string")}))


def unit_table(con: duckdb.DuckDBPyConnection, territory: Territory) -> pd.DataFrame:
    """One row per unit: names, postal codes, EPCI, bassin de vie, QPV zoning."""
    units = territory.units[["unit_code", "commune_code", "nom", "type", "population", "departement", "region"]]
    con.register("_units", units)
    try:
        frame = con.execute(
            """
            SELECT u.*, c.codes_postaux, c.epci, e.nom AS epci_nom,
                   a.bv2022, l.libelle AS bv2022_nom
            FROM _units u
            LEFT JOIN communes c ON c.code = u.unit_code AND c.vintage = ?
            LEFT JOIN epci e ON e.code = coalesce(c.epci, (SELECT epci FROM communes p
                 WHERE p.code = u.commune_code AND p.vintage = ?))
            LEFT JOIN appartenance a ON a.code = u.commune_code
            LEFT JOIN zonages_libelles l ON l.niveau = 'BV2022' AND l.code = a.bv2022
            """,
            [config.CURRENT_VINTAGE, config.CURRENT_VINTAGE],
        ).df()
        frame = frame.drop_duplicates("unit_code").set_index("unit_code").loc[units["unit_code"]].reset_index()
        frame["particularites"] = qpv_particularities(con, frame)
    finally:
        con.unregister("_units")
    return frame


def qpv_particularities(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> list[str]:
    """Trame column "particularités": QPV with their ZIP/ZAC zoning, where the zoning file covers it.

    The zoning file covers région PACA (93) only; elsewhere the answer is
    "non renseigné" rather than a misleading "aucun".
    """
    if not store.table_exists(con, "qpv_zonage"):
        return ["non renseigné"] * len(units)
    zoning = con.execute("SELECT commune, qpv_id, qpv_nom, zonage FROM qpv_zonage").df()
    covered_regions = {"93"}
    out = []
    for row in units.itertuples():
        hits = zoning[zoning["commune"] == row.commune_code]
        if row.region not in covered_regions:
            out.append("non renseigné")
        elif hits.empty:
            out.append("aucun QPV zoné")
        else:
            out.append("; ".join(f"QPV {h.qpv_nom} ({h.qpv_id}) en {h.zonage}" for h in hits.itertuples()))
    return out


def population_by_vintage(con: duckdb.DuckDBPyConnection, territory: Territory) -> pd.DataFrame:
    """Population of each unit and vintage on the current geography (long table)."""
    units = territory.units
    communes = units.loc[units["type"] == "commune-actuelle", "unit_code"].tolist()
    arrondissements = units.loc[units["type"] != "commune-actuelle", "unit_code"].tolist()
    _register(con, "_c", communes)
    _register(con, "_a", arrondissements)
    try:
        frame = con.execute(
            """
            SELECT code AS unit_code, vintage, population FROM population_current_geo
            WHERE code IN (SELECT code FROM _c)
            UNION ALL
            SELECT code, vintage, population FROM communes
            WHERE type = 'arrondissement-municipal' AND code IN (SELECT code FROM _a)
            """
        ).df()
    finally:
        con.unregister("_c")
        con.unregister("_a")
    return frame


def reference_populations(con: duckdb.DuckDBPyConnection, departement: str, region: str) -> pd.DataFrame:
    """Population per vintage of the département, the région and France (current geography).

    France is metropolitan France and the DROM (the collectivités d'outre-mer
    have no polygons, APL or CPTS); ``france_hors_mayotte`` serves for rates,
    since Mayotte is absent from the oldest package.
    """
    return con.execute(
        """
        SELECT p.vintage,
               sum(p.population) FILTER (WHERE c.departement = ?) AS departement,
               sum(p.population) FILTER (WHERE c.region = ?) AS region,
               sum(p.population) FILTER (WHERE c.zone IN ('metro', 'drom')) AS france,
               sum(p.population) FILTER (WHERE c.zone IN ('metro', 'drom') AND c.departement <> '976')
                   AS france_hors_mayotte
        FROM population_current_geo p
        JOIN communes c ON c.code = p.code AND c.vintage = ? AND c.type = 'commune-actuelle'
        GROUP BY p.vintage ORDER BY p.vintage
        """,
        [departement, region, config.CURRENT_VINTAGE],
    ).df().set_index("vintage")


def reference_areas(con: duckdb.DuckDBPyConnection, departement: str, region: str) -> dict[str, float]:
    """Land area (km²) of the département, région and France (metropole and DROM) from the polygons."""
    row = con.execute(
        """
        SELECT sum(p.area_km2) FILTER (WHERE c.departement = ?),
               sum(p.area_km2) FILTER (WHERE c.region = ?),
               sum(p.area_km2) FILTER (WHERE c.zone IN ('metro', 'drom'))
        FROM commune_polygons p JOIN communes c ON c.code = p.code AND c.vintage = ? AND c.type = 'commune-actuelle'
        """,
        [departement, region, config.CURRENT_VINTAGE],
    ).fetchall()[0]
    return {"departement": float(row[0] or 0), "region": float(row[1] or 0), "france": float(row[2] or 0)}


POLYGON_SQL = """
    SELECT p.code, p.nom, c.departement, c.region, c.zone, c.population, p.area_km2, p.lon, p.lat, p.geometry
    FROM commune_polygons p
    JOIN communes c ON c.code = p.code AND c.vintage = ? AND c.type = 'commune-actuelle'
"""


def polygons_for(con: duckdb.DuckDBPyConnection, codes: list[str]) -> gpd.GeoDataFrame:
    """Harmonised polygons (EPSG:4326) of ``codes``, with area (km²) and representative point."""
    _register(con, "_wanted", codes)
    try:
        return read_geo(con, POLYGON_SQL + " WHERE p.code IN (SELECT code FROM _wanted)", [config.CURRENT_VINTAGE])
    finally:
        con.unregister("_wanted")


def polygons_near(
    con: duckdb.DuckDBPyConnection, bounds: tuple[float, float, float, float], margin_deg: float = 0.0
) -> gpd.GeoDataFrame:
    """Polygons whose bounding box meets ``bounds`` (lon/lat) enlarged by ``margin_deg``."""
    xmin, ymin, xmax, ymax = bounds
    return read_geo(
        con,
        POLYGON_SQL + " WHERE p.xmax >= ? AND p.xmin <= ? AND p.ymax >= ? AND p.ymin <= ?",
        [config.CURRENT_VINTAGE, xmin - margin_deg, xmax + margin_deg, ymin - margin_deg, ymax + margin_deg],
    )


def offre(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Supply aggregates per commune (``offre_commune``), or None when no registry is loaded."""
    if not store.table_exists(con, "offre_commune"):
        return None
    return con.execute(
        """
        SELECT o.*, c.departement, c.region
        FROM offre_commune o LEFT JOIN communes c
          ON c.code = o.commune AND c.vintage = ? AND c.type = 'commune-actuelle'
        """,
        [config.CURRENT_VINTAGE],
    ).df()


def establishments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not store.table_exists(con, "etablissements"):
        return None
    return con.execute("SELECT * FROM etablissements").df()


def cpts_members(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not store.table_exists(con, "cpts_membres"):
        return None
    return con.execute("SELECT * FROM cpts_membres").df()


def apl_current(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """DREES APL on the current geography: one row per current commune and per arrondissement, per year.

    The workbook gives Paris, Lyon and Marseille by arrondissement and uses the
    COG of its year: arrondissement rows stay units (``niveau`` =
    ``arrondissement``) and are also aggregated into their commune; rows of
    communes merged since are aggregated into the current commune. The
    aggregation weights are the standardised populations, as the workbook
    prescribes (« l'APL communal doit être pondéré par la population
    standardisée »).
    """
    return con.execute(
        """
        WITH src AS (
            SELECT a.annee, a.apl, a.population_standardisee AS ps, a.population_totale AS pt,
                   arr.code AS arrondissement, coalesce(arr.parent, m.current_code) AS commune
            FROM apl a
            LEFT JOIN communes arr ON arr.code = a.code AND arr.vintage = ? AND arr.type = 'arrondissement-municipal'
            LEFT JOIN cog_mapping m ON m.code = a.code
        ), units AS (
            SELECT arrondissement AS code, annee, 'arrondissement' AS niveau,
                   sum(apl * ps) / nullif(sum(ps) FILTER (WHERE apl IS NOT NULL), 0) AS apl,
                   sum(ps) AS population_standardisee, sum(pt) AS population_totale
            FROM src WHERE arrondissement IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT commune AS code, annee, 'commune' AS niveau,
                   sum(apl * ps) / nullif(sum(ps) FILTER (WHERE apl IS NOT NULL), 0) AS apl,
                   sum(ps) AS population_standardisee, sum(pt) AS population_totale
            FROM src WHERE commune IS NOT NULL GROUP BY ALL
        )
        SELECT u.*, c.departement, c.region FROM units u
        LEFT JOIN communes c ON c.code = u.code AND c.vintage = ?
        """,
        [config.CURRENT_VINTAGE, config.CURRENT_VINTAGE],
    ).df()


def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT source, vintage, origin, sha256, row_count, loaded_at, notes FROM sources "
        "WHERE vintage NOT LIKE '%,%' ORDER BY source, vintage"
    ).df()


def demo_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Sources loaded from generated demonstration data."""
    frame = con.execute("SELECT DISTINCT source FROM sources WHERE notes LIKE ?", [f"%{DEMO_NOTE}%"]).df()
    return frame["source"].tolist()


def to_lambert(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(LAMBERT93)
