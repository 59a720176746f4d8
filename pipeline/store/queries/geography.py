"""Questions about the geography: units, names, zonings, polygons, reference populations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from pipeline.geography import departement_of
from pipeline.store.connection import read_geo
from pipeline.store.frames import read_frame
from pipeline.store.queries import code_list, current_vintage, registered_codes

if TYPE_CHECKING:  # annotations only: read_geo builds the frames, `territoire` needs no geopandas
    import geopandas as gpd


def units(con: duckdb.DuckDBPyConnection, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Units of the current COG: ``unit_code, commune_code, nom, type, population, departement, region``.

    ``codes``: only these units (all of them when None).
    """
    return read_frame(con,
        """
        SELECT code AS unit_code, coalesce(parent, code) AS commune_code, nom, type, population,
               departement, region
        FROM communes WHERE vintage = $vintage AND ($codes IS NULL OR code = ANY($codes::VARCHAR[]))
        """,
        {"vintage": current_vintage(), "codes": None if codes is None else code_list(codes)},
    )


def recreated_holders(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Communes re-created since the contours' COG and the commune whose polygon holds them (``polygon_residue``):
    ``code, nom, polygone, nom_polygone, surface_polygone`` (km², the communes' together)."""
    return read_frame(con,
        """
        SELECT r.code, r.nom, r.polygone, p.nom AS nom_polygone, p.area_km2 AS surface_polygone
        FROM polygon_residue r
        LEFT JOIN commune_polygons p ON p.code = r.polygone
        WHERE r.polygone IS NOT NULL ORDER BY r.code
        """)


def polygonless_beside(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> pd.DataFrame:
    """Current communes of metropolitan France or the DROM without a polygon of their own (``polygon_residue``:
    re-created after the 2018 contours, their land inside a neighbour's) in an EPCI of one of ``codes``, not
    among them: ``code, nom, population``."""
    return read_frame(con,
        """
        SELECT r.code, r.nom, c.population FROM polygon_residue r
        JOIN communes c ON c.code = r.code AND c.vintage = $vintage
        WHERE r.kind = 'commune-sans-polygone' AND c.zone <> 'com' AND r.code <> ALL($codes::VARCHAR[])
          AND c.epci IN (SELECT epci FROM communes WHERE vintage = $vintage AND code = ANY($codes::VARCHAR[]))
        ORDER BY r.code
        """,
        {"vintage": current_vintage(), "codes": code_list(codes)},
    )


def current_units_with_postcodes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Units of the current COG for the registry loaders: ``code, nom, type, parent, departement, region,
    zone, codes_postaux, population``."""
    return read_frame(con,
        "SELECT code, nom, type, parent, departement, region, zone, codes_postaux, population "
        "FROM communes WHERE vintage = ?",
        [current_vintage()],
    )


def communes_where(con: duckdb.DuckDBPyConnection, column: str, value: str) -> pd.DataFrame:
    """Current communes whose ``departement`` or ``region`` is ``value``, as units."""
    if column not in ("departement", "region"):
        raise ValueError(column)
    return con.execute(
        f"""
        SELECT code AS unit_code, code AS commune_code, nom, type, population, departement, region
        FROM communes WHERE vintage = ? AND type = 'commune-actuelle' AND {column} = ?
        ORDER BY code
        """,
        [current_vintage(), value],
    ).df()


def communes_of_epci(con: duckdb.DuckDBPyConnection, epci: str) -> pd.DataFrame:
    """Current communes of an EPCI, as units."""
    return con.execute(
        """
        SELECT code AS unit_code, code AS commune_code, nom, type, population, departement, region
        FROM communes WHERE vintage = ? AND type = 'commune-actuelle'
          AND code IN (SELECT commune FROM epci_membres WHERE epci = ?)
        ORDER BY code
        """,
        [current_vintage(), epci],
    ).df()


def cog_mapping(con: duckdb.DuckDBPyConnection, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Every known code → current commune: ``code, current_code, kind, nom`` (only ``codes`` when given)."""
    return read_frame(con,
        "SELECT code, current_code, kind, nom FROM cog_mapping "
        "WHERE $codes IS NULL OR code = ANY($codes::VARCHAR[])",
        {"codes": None if codes is None else code_list(codes)},
    )


def zone_codes(con: duckdb.DuckDBPyConnection, codes: list[str]) -> pd.DataFrame:
    """``code, zone`` (metro, drom, com) of current codes."""
    return con.execute(
        "SELECT DISTINCT code, zone FROM communes WHERE vintage = ? AND code IN (SELECT unnest(?::VARCHAR[]))",
        [current_vintage(), codes],
    ).df()


def departement_name(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    rows = con.execute("SELECT nom FROM departements WHERE code = ? ORDER BY vintage DESC", [code]).fetchall()
    return str(rows[0][0]) if rows else None


def region_name(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    rows = con.execute("SELECT nom FROM regions WHERE code = ? ORDER BY vintage DESC", [code]).fetchall()
    return str(rows[0][0]) if rows else None


def departements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``code, nom, region`` of the current départements."""
    return con.execute("SELECT code, nom, region FROM departements WHERE vintage = ?", [current_vintage()]).df()


def departement_labels(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> list[str]:
    """« Gironde (33) » for each of ``codes``, sorted and distinct (the code alone where the base has no name)."""
    wanted = sorted({str(c) for c in codes})
    if not wanted:
        return []
    names = departements(con).set_index("code")["nom"].astype(str)
    return [f"{names.get(code, code)} ({code})" for code in wanted]


def regions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``code, nom`` of the current régions."""
    return con.execute("SELECT code, nom FROM regions WHERE vintage = ?", [current_vintage()]).df()


def epci_name(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    rows = con.execute("SELECT nom FROM epci WHERE code = ?", [code]).fetchall()
    return str(rows[0][0]) if rows else None


def epci_departements(con: duckdb.DuckDBPyConnection, code: str) -> list[str]:
    """Départements of an EPCI's communes in the membership table, which holds all of France whatever the load."""
    rows = con.execute("SELECT DISTINCT commune FROM epci_membres WHERE epci = ? AND vintage = ?",
                       [code, current_vintage()]).fetchall()
    return sorted({departement_of(str(commune)) for (commune,) in rows})


def epcis(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``code, nom`` of the EPCI."""
    return con.execute("SELECT code, nom FROM epci").df()


def bassin_de_vie_name(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    rows = con.execute(
        "SELECT libelle FROM zonages_libelles WHERE niveau = 'BV2022' AND code = ?", [code]).fetchall()
    return str(rows[0][0]) if rows else None


def bassins_de_vie(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``code, libelle`` of the bassins de vie 2022."""
    return con.execute("SELECT code, libelle FROM zonages_libelles WHERE niveau = 'BV2022'").df()


def communes_of_bassin_de_vie(con: duckdb.DuckDBPyConnection, code: str) -> list[str]:
    """Current communes of a bassin de vie 2022: those whose own row of the INSEE table (or the row they
    inherited, ``herite_de``) is in it, as ``zones_unites`` counts them.

    A commune merged since the table into a commune of another bassin de vie is not listed: its current
    commune belongs to one bassin de vie only.
    """
    frame = con.execute(
        "SELECT a.code FROM appartenance a JOIN communes c ON c.code = a.code AND c.vintage = ? "
        "AND c.type = 'commune-actuelle' WHERE a.bv2022 = ? ORDER BY a.code", [current_vintage(), code]).df()
    return [str(c) for c in frame["code"]]


def bassin_de_vie_of(con: duckdb.DuckDBPyConnection, codes: set[str] | None = None) -> pd.Series:
    """Bassin de vie 2022 of each commune (all communes, or ``codes``)."""
    if codes is None:
        frame = con.execute("SELECT code, bv2022 FROM appartenance").df()
    else:
        with registered_codes(con, "_bv_codes", codes):
            frame = con.execute(
                "SELECT code, bv2022 FROM appartenance WHERE code IN (SELECT code FROM _bv_codes)").df()
    return frame.set_index("code")["bv2022"]


def _names(con: duckdb.DuckDBPyConnection, sql: str, codes: set[str], params: list[object]) -> dict[str, str]:
    if not codes:
        return {}
    with registered_codes(con, "_codes", codes):
        frame = con.execute(sql, params).df()
    return dict(zip(frame["code"].astype(str), frame["nom"].astype(str), strict=True))


def commune_names(con: duckdb.DuckDBPyConnection, codes: set[str]) -> dict[str, str]:
    """Names of codes: current ones, or former codes as they were last named in the COG; those of départements
    not loaded too (a review: Nice, a flow's destination, had no name)."""
    names = _names(con, "SELECT code, nom FROM communes WHERE vintage = ? AND code IN (SELECT code FROM _codes)",
                   codes, [current_vintage()])
    for sql in ("SELECT code, arg_max(nom, vintage) AS nom FROM communes WHERE code IN (SELECT code FROM _codes) "
                "GROUP BY code",
                "SELECT code, nom FROM cog_mapping WHERE nom IS NOT NULL AND code IN (SELECT code FROM _codes)",
                "SELECT code, arg_min(nom, kind <> 'actuelle') AS nom FROM noms_communes "
                "WHERE code IN (SELECT code FROM _codes) GROUP BY code"):
        if rest := codes - set(names):
            names.update(_names(con, sql, rest, []))
    return names


def bassin_de_vie_names(con: duckdb.DuckDBPyConnection, codes: set[str]) -> dict[str, str]:
    """Names (libellés) of bassins de vie 2022."""
    return _names(con, "SELECT code, libelle AS nom FROM zonages_libelles WHERE niveau = 'BV2022' "
                       "AND code IN (SELECT code FROM _codes)", codes, [])


def unit_details(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """``units`` (a territory's units) with postal codes, EPCI and bassin de vie 2022 names.

    An arrondissement is in its city's EPCI and bassin de vie.
    """
    con.register("_units", units)
    try:
        frame = con.execute(
            """
            SELECT u.*, c.codes_postaux, e.code AS epci, e.nom AS epci_nom,
                   a.bv2022, l.libelle AS bv2022_nom
            FROM _units u
            LEFT JOIN communes c ON c.code = u.unit_code AND c.vintage = ?
            LEFT JOIN epci e ON e.vintage = ? AND e.code = coalesce(c.epci, (SELECT epci FROM communes p
                 WHERE p.code = u.commune_code AND p.vintage = ?))
            LEFT JOIN appartenance a ON a.code = u.commune_code
            LEFT JOIN zonages_libelles l ON l.niveau = 'BV2022' AND l.code = a.bv2022
            """,
            [current_vintage()] * 3,
        ).df()
    finally:
        con.unregister("_units")
    return frame.drop_duplicates("unit_code").set_index("unit_code").loc[units["unit_code"]].reset_index()


def qpv_zoning(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``commune, qpv_id, qpv_nom, zonage`` of the ARS zoning by QPV."""
    return con.execute("SELECT commune, qpv_id, qpv_nom, zonage FROM qpv_zonage").df()


#: Levels of :func:`reference_populations` and :func:`reference_areas` (column of ``communes``).
ZONE_LEVELS = ("departement", "region")


def _zone_filter(level: str) -> str:
    if level not in ZONE_LEVELS:
        raise ValueError(f"unknown zone level {level!r}")
    return f"c.{level} = ?"


def reference_populations(con: duckdb.DuckDBPyConnection, zones: list[tuple[str, str]]) -> pd.DataFrame:
    """Population per vintage (index) of each zone and of France (current geography).

    ``zones`` are ``(level, code)`` pairs (level ``departement`` or ``region``);
    their columns are named ``<level>:<code>``. France is metropolitan France
    and the DROM (the collectivités d'outre-mer have no polygons, APL or
    CPTS); ``france_hors_mayotte`` serves for rates, since Mayotte is absent
    from the oldest package.
    """
    # A vintage in which a commune of the area misses a commune absorbed without population of its own
    # (population_gaps) has no population for the area: NULL, never a sum short of those inhabitants.
    def total(where: str) -> str:
        return f"CASE WHEN bool_or(g.code IS NOT NULL) FILTER (WHERE {where}) THEN NULL " \
               f"ELSE sum(p.population) FILTER (WHERE {where}) END"

    columns = "".join(f"{total(_zone_filter(level))} AS \"{level}:{code}\", " for level, code in zones)
    france = "c.zone IN ('metro', 'drom')"
    return con.execute(
        f"""
        SELECT p.vintage, {columns}
               {total(france)} AS france,
               {total(france + " AND c.departement <> '976'")} AS france_hors_mayotte
        FROM population_current_geo p
        JOIN communes c ON c.code = p.code AND c.vintage = ? AND c.type = 'commune-actuelle'
        LEFT JOIN (SELECT DISTINCT vintage, code FROM population_gaps WHERE kind = 'absente') g
               ON g.vintage = p.vintage AND g.code = p.code
        GROUP BY p.vintage ORDER BY p.vintage
        """,
        [code for _, code in zones for _ in range(2)] + [current_vintage()],
    ).df().set_index("vintage")


def reference_areas(con: duckdb.DuckDBPyConnection, zones: list[tuple[str, str]]) -> dict[str, float]:
    """Land area (km², from the polygons) of each zone (keys ``<level>:<code>``) and of France (key ``france``);
    NaN for a zone without polygons."""
    columns = "".join(f"sum(p.area_km2) FILTER (WHERE {_zone_filter(level)}), " for level, _ in zones)
    row = con.execute(
        f"""
        SELECT {columns} sum(p.area_km2) FILTER (WHERE c.zone IN ('metro', 'drom'))
        FROM commune_polygons p JOIN communes c ON c.code = p.code AND c.vintage = ? AND c.type = 'commune-actuelle'
        """,
        [code for _, code in zones] + [current_vintage()],
    ).fetchall()[0]
    keys = [f"{level}:{code}" for level, code in zones] + ["france"]
    # A zone without any polygon (the collectivités d'outre-mer have none) has an unknown area, not 0.
    return {key: float("nan") if value is None else float(value) for key, value in zip(keys, row, strict=True)}


def current_communes_summary(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(number of current communes, their population)."""
    row = con.execute(
        "SELECT count(*), coalesce(sum(population), 0) FROM communes WHERE vintage = ? AND type = 'commune-actuelle'",
        [current_vintage()],
    ).fetchall()
    return (int(row[0][0]), int(row[0][1])) if row else (0, 0)


POLYGON_SQL = """
    SELECT p.code, p.nom, c.departement, c.region, c.zone, c.population, p.area_km2, p.lon, p.lat, p.geometry
    FROM commune_polygons p
    JOIN communes c ON c.code = p.code AND c.vintage = ? AND c.type = 'commune-actuelle'
"""


def polygons_for(con: duckdb.DuckDBPyConnection, codes: list[str]) -> gpd.GeoDataFrame:
    """Harmonised polygons (EPSG:4326) of ``codes``, with area (km²) and representative point."""
    with registered_codes(con, "_wanted", codes):
        return read_geo(con, POLYGON_SQL + " WHERE p.code IN (SELECT code FROM _wanted)", [current_vintage()])


def polygons_near(
    con: duckdb.DuckDBPyConnection, bounds: tuple[float, float, float, float], margin_deg: float = 0.0
) -> gpd.GeoDataFrame:
    """Polygons whose bounding box meets ``bounds`` (lon/lat) enlarged by ``margin_deg``."""
    xmin, ymin, xmax, ymax = bounds
    return read_geo(
        con,
        POLYGON_SQL + " WHERE p.xmax >= ? AND p.xmin <= ? AND p.ymax >= ? AND p.ymin <= ?",
        [current_vintage(), xmin - margin_deg, xmax + margin_deg, ymin - margin_deg, ymax + margin_deg],
    )


def _unit_sql(condition: str) -> str:
    """Polygons of communes and arrondissements, with population, département and région (``$vintage``).

    ``condition`` filters each polygon table, whose alias it names ``{t}`` (``{t}.code = ANY($codes)``): in
    each part of the union rather than around it, where DuckDB would read every polygon first.
    """
    return f"""
    SELECT p.code, p.code AS commune, p.nom, c.departement, c.region, c.zone, c.population, p.area_km2,
           p.lon, p.lat, p.geometry
    FROM commune_polygons p
    JOIN communes c ON c.code = p.code AND c.vintage = $vintage AND c.type = 'commune-actuelle'
    WHERE {condition.format(t="p")}
    UNION ALL
    SELECT a.code, a.commune, coalesce(c.nom, a.nom), c.departement, c.region, c.zone, c.population, a.area_km2,
           a.lon, a.lat, a.geometry
    FROM arrondissement_polygons a
    LEFT JOIN communes c ON c.code = a.code AND c.vintage = $vintage
    WHERE {condition.format(t="a")}
"""


def unit_polygons_for(con: duckdb.DuckDBPyConnection, codes: list[str]) -> gpd.GeoDataFrame:
    """Polygons (EPSG:4326) of unit codes: communes, and arrondissements of Paris, Lyon, Marseille.

    A city code (75056, 69123, 13055) gives the city's own polygon. Columns:
    ``code, commune`` (the current commune of the unit), ``nom, departement,
    region, zone, population, area_km2, lon, lat`` and the geometry.
    """
    return read_geo(con, _unit_sql("{t}.code = ANY($codes::VARCHAR[])"),
                    {"vintage": current_vintage(), "codes": code_list(codes)})


def unit_polygons_near(
    con: duckdb.DuckDBPyConnection, bounds: tuple[float, float, float, float], margin_deg: float = 0.0
) -> gpd.GeoDataFrame:
    """Analysis units whose bounding box meets ``bounds`` enlarged by ``margin_deg``.

    Analysis units are the current communes, except Paris, Lyon and Marseille,
    replaced by their arrondissements (the units every per-place figure uses).
    """
    xmin, ymin, xmax, ymax = bounds
    return read_geo(
        con,
        "SELECT * FROM ("
        + _unit_sql("{t}.xmax >= $x0 AND {t}.xmin <= $x1 AND {t}.ymax >= $y0 AND {t}.ymin <= $y1")
        + ") WHERE code NOT IN (SELECT DISTINCT commune FROM arrondissement_polygons)",
        {"vintage": current_vintage(), "x0": xmin - margin_deg, "x1": xmax + margin_deg,
         "y0": ymin - margin_deg, "y1": ymax + margin_deg},
    )
