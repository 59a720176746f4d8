"""Questions of the perimeter work (pertinence, editor, comparison of a listing's CPTS) about analysis units.

*Analysis units* are the current communes, except Paris, Lyon and Marseille,
replaced by their arrondissements (when the arrondissement polygons are
loaded), as in :func:`pipeline.store.queries.geography.unit_polygons_near`.
An arrondissement takes its city's EPCI and INSEE zonings (the table
d'appartenance lists communes only).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.store.frames import read_frame
from pipeline.store.queries import current_vintage

#: Cities replaced by their arrondissements: those whose arrondissement polygons are loaded.
_SPLIT_CITIES = "(SELECT DISTINCT commune FROM arrondissement_polygons)"

_UNITS_SQL = f"""
    WITH u AS (
        SELECT c.code, coalesce(c.parent, c.code) AS commune, c.nom, c.type, c.population, c.departement,
               c.region, c.zone
        FROM communes c
        WHERE c.vintage = $vintage AND (
            (c.type = 'commune-actuelle' AND c.code NOT IN {_SPLIT_CITIES})
            OR (c.type = 'arrondissement-municipal' AND c.parent IN {_SPLIT_CITIES}))
    )
    SELECT u.code, u.commune, u.nom, u.type, u.population, u.departement, u.region, u.zone,
           p.epci, e.nom AS epci_nom, a.bv2022, l.libelle AS bv2022_nom, a.uu2020, a.aav2020,
           g.area_km2, g.lon, g.lat
    FROM u
    LEFT JOIN communes p ON p.code = u.commune AND p.vintage = $vintage
    LEFT JOIN epci e ON e.code = p.epci AND e.vintage = $vintage
    -- A commune created or restored since the 2024 INSEE table has the zonings it inherited (``herite_de``).
    LEFT JOIN appartenance a ON a.code = u.commune
    LEFT JOIN zonages_libelles l ON l.niveau = 'BV2022' AND l.code = a.bv2022
    LEFT JOIN (SELECT code, area_km2, lon, lat FROM commune_polygons
               UNION ALL SELECT code, area_km2, lon, lat FROM arrondissement_polygons) g ON g.code = u.code
"""

#: Columns of :func:`analysis_units`.
UNIT_COLUMNS = ["code", "commune", "nom", "type", "population", "departement", "region", "zone", "epci",
                "epci_nom", "bv2022", "bv2022_nom", "uu2020", "aav2020", "area_km2", "lon", "lat"]


def analysis_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every analysis unit of the loaded geography with its zonings (no geometry).

    Columns :data:`UNIT_COLUMNS`: ``code`` (unit), ``commune`` (its current
    commune), ``nom``, ``type``, ``population`` (legal population of the
    package, NA when unknown), ``departement``, ``region``, ``zone``,
    ``epci``/``epci_nom``, ``bv2022``/``bv2022_nom``, ``uu2020``,
    ``aav2020`` (NA when the unit is absent from the INSEE tables),
    ``area_km2``, ``lon``, ``lat`` (representative point; NA without polygon).
    """
    frame = read_frame(con, _UNITS_SQL + " ORDER BY u.code", {"vintage": current_vintage()})
    return frame[UNIT_COLUMNS]


def zone_sizes(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, int]]:
    """Analysis units of each bassin de vie 2022 and each EPCI in the whole country (``zones_unites``).

    Counted at load time from the national files, on the current geography (a split city as its
    arrondissements), whatever départements the database holds.

    Returns
    -------
    (bassins de vie, EPCI)
        Zone code -> number of analysis units.
    """
    rows = con.execute("SELECT niveau, code, unites FROM zones_unites").fetchall()
    return ({code: int(n) for level, code, n in rows if level == "BV2022"},
            {code: int(n) for level, code, n in rows if level == "EPCI"})


def zone_population(con: duckdb.DuckDBPyConnection, level: str, code: str) -> int | None:
    """Population of a bassin de vie 2022 (``level`` « BV2022 ») or an EPCI (« EPCI ») in the whole country, on the
    current geography, whatever départements the database holds; None when unknown (``zones_unites``)."""
    rows = con.execute("SELECT population FROM zones_unites WHERE niveau = ? AND code = ?", [level, code]).fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def zone_departements(con: duckdb.DuckDBPyConnection, level: str, code: str) -> list[str]:
    """The départements of a bassin de vie's (« BV2022 ») or an EPCI's communes in the whole country."""
    rows = con.execute("SELECT departements FROM zones_unites WHERE niveau = ? AND code = ?", [level, code]).fetchall()
    return str(rows[0][0]).split(",") if rows and rows[0][0] else []


def zone_labels(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """``code, libelle`` of every zone of France of an INSEE zoning (``EPCI``, ``BV2022``…), loaded or not."""
    return con.execute("SELECT code, libelle FROM zonages_libelles WHERE niveau = ? AND libelle IS NOT NULL",
                       [level]).df()


def aav_labels(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """Labels of the aires d'attraction des villes 2020, indexed by code."""
    frame = con.execute("SELECT code, libelle FROM zonages_libelles WHERE niveau = 'AAV2020'").df()
    return pd.Series(frame["libelle"].to_numpy(), index=frame["code"].astype(str), dtype="string")
