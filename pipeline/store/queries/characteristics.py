"""Questions about who lives in a territory and what kind of territory it is.

INSEE Filosofi 2019 income rows (``filosofi_communes``, ``filosofi_epci``),
the EPCI compositions of the Filosofi geography, and the unité urbaine /
aire d'attraction des villes of the INSEE table d'appartenance.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from pipeline.store.frames import read_frame
from pipeline.store.queries import current_vintage, has_rows, registered_codes

#: COG vintage of the EPCI of Filosofi 2019 (EPCI of 1 January 2021), and of its communes (about).
FILOSOFI_EPCI_VINTAGE = 2021


def filosofi_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the Filosofi commune rows are loaded."""
    return has_rows(con, "filosofi_communes")


def filosofi_departements(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Départements with at least one row in the loaded Filosofi commune file (its field: the INSEE file has
    no row for Guadeloupe, Guyane and Mayotte)."""
    rows = con.execute(
        "SELECT DISTINCT CASE WHEN commune LIKE '97%' THEN left(commune, 3) ELSE left(commune, 2) END "
        "FROM filosofi_communes").fetchall()
    return {str(r[0]) for r in rows}


def filosofi_of_units(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> pd.DataFrame:
    """Filosofi rows of the given units (a merged commune has several rows), columns of ``filosofi_communes``.

    A city given as a unit (75056, 69123, 13055) gets its whole-city row, an
    arrondissement its own row.
    """
    with registered_codes(con, "_income_units", units):
        return con.execute(
            "SELECT * FROM filosofi_communes WHERE unite IN (SELECT code FROM _income_units) ORDER BY code_source"
        ).df()


def filosofi_geography_gaps(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> pd.DataFrame:
    """The communes of 1 January 2021 that today's ``units`` are made of and that have no Filosofi row (too few
    households to be published): ``code_source``, ``unite`` (its current commune), ``population`` (of 2021).
    Saint-Genis-du-Bois (33409, 86 inhabitants) in Porte-de-Benauge (33008), whose row describes the rest only."""
    with registered_codes(con, "_gap_units", units):
        return con.execute(
            "SELECT c.code AS code_source, m.current_code AS unite, c.population FROM communes c "
            "JOIN cog_mapping m ON m.code = c.code "
            "WHERE c.vintage = ? AND c.type = 'commune-actuelle' AND m.current_code IN (SELECT code FROM _gap_units) "
            "AND c.code NOT IN (SELECT code_source FROM filosofi_communes) ORDER BY c.code",
            [FILOSOFI_EPCI_VINTAGE]).df()


def communes_of_the_filosofi_geography(con: duckdb.DuckDBPyConnection, commune: str) -> set[str]:
    """The communes of 1 January 2021 (about the geography of Filosofi 2019) that ``commune`` is made of today:
    {33008, 33409} for Porte-de-Benauge, which absorbed Saint-Genis-du-Bois in 2025."""
    rows = con.execute(
        "SELECT c.code FROM communes c JOIN cog_mapping m ON m.code = c.code "
        "WHERE c.vintage = ? AND c.type = 'commune-actuelle' AND m.current_code = ?",
        [FILOSOFI_EPCI_VINTAGE, commune]).fetchall()
    return {str(r[0]) for r in rows}


def filosofi_recreated(con: duckdb.DuckDBPyConnection, communes: Iterable[str]) -> pd.DataFrame:
    """Communes re-created since the Filosofi geography (1 January 2021), touching ``communes``: ``code`` (the
    commune of 2021 whose Filosofi row also describes them, by its current code) and ``autre`` (the commune
    re-created since), named ``nom`` as the commune was in 2021 (60054 was Les Hauts-Talican, now Beaumont-les-
    Nonains's code) and ``nom_autre`` as today: Essarts en Bocage (85084) with L'Oie (85165) and Sainte-Florence
    (85212)."""
    from pipeline.sources.cog import GAP_INCLUDED

    with registered_codes(con, "_recreated", communes):
        return con.execute(
            "SELECT g.code, g.autre, c.nom, o.nom AS nom_autre FROM population_gaps g "
            "LEFT JOIN communes c ON c.code = g.code AND c.vintage = $then "
            "LEFT JOIN communes o ON o.code = g.autre AND o.vintage = $now "
            "WHERE g.vintage = $then AND g.kind = $kind AND (g.code IN (SELECT code FROM _recreated) "
            "OR g.autre IN (SELECT code FROM _recreated)) ORDER BY g.code, g.autre",
            {"now": current_vintage(), "then": FILOSOFI_EPCI_VINTAGE, "kind": GAP_INCLUDED}).df()


def filosofi_zone_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every Filosofi row of a current commune (whole cities, not their arrondissements), placed in its
    département and région: columns of ``filosofi_communes`` with ``departement``, ``region`` and
    ``population`` (population municipale of the current COG, for the population of non-diffused rows)."""
    return read_frame(con,
        """
        SELECT f.*, c.departement, c.region, c.population
        FROM filosofi_communes f
        JOIN communes c ON c.code = f.commune AND c.vintage = ? AND c.type = 'commune-actuelle'
        WHERE f.niveau <> 'arrondissement'
        """,
        [current_vintage()],
    )


def filosofi_epci(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The Filosofi EPCI rows (columns of ``filosofi_epci``)."""
    return con.execute("SELECT * FROM filosofi_epci").df()


def filosofi_epci_members(con: duckdb.DuckDBPyConnection, communes: Iterable[str]) -> dict[str, list[str]]:
    """EPCI of the Filosofi geography (1 January 2021) holding one of ``communes`` → all their communes.

    Compositions are in current codes: each 2021 code is mapped to its current
    commune (merged communes give one current code). An EPCI with a member
    outside the loaded départements (``data --departements``) is left out: the
    database does not hold its whole composition, and its Filosofi row would
    describe communes the territory does not have.
    """
    with registered_codes(con, "_epci_communes", communes):
        frame = con.execute(
            """
            WITH members AS (
                SELECT DISTINCT c.epci, coalesce(m.current_code, c.code) AS commune
                FROM communes c LEFT JOIN cog_mapping m ON m.code = c.code
                WHERE c.vintage = ? AND c.type = 'commune-actuelle' AND c.epci IS NOT NULL
            ),
            beyond_the_load AS (
                SELECT DISTINCT e.epci FROM epci_membres e
                WHERE e.vintage = ? AND e.commune NOT IN (SELECT code FROM communes WHERE vintage = ?)
            )
            SELECT epci, commune FROM members
            WHERE epci IN (SELECT epci FROM members WHERE commune IN (SELECT code FROM _epci_communes))
              AND epci NOT IN (SELECT epci FROM beyond_the_load)
            """,
            [FILOSOFI_EPCI_VINTAGE, current_vintage(), current_vintage()],
        ).df()
    return {str(epci): sorted(group["commune"].astype(str)) for epci, group in frame.groupby("epci")}


def appartenance_of(con: duckdb.DuckDBPyConnection, communes: Iterable[str]) -> pd.DataFrame:
    """``code, uu2020, aav2020, bv2022, epci, herite_de`` of the given communes in the INSEE table d'appartenance.

    ``herite_de`` names the communes of the table whose zonings a commune created or restored since took.
    """
    with registered_codes(con, "_zoning_codes", communes):
        return con.execute(
            "SELECT code, uu2020, aav2020, bv2022, epci, herite_de FROM appartenance "
            "WHERE code IN (SELECT code FROM _zoning_codes)"
        ).df()


def aire_populations(con: duckdb.DuckDBPyConnection, aires: Iterable[str]) -> pd.Series:
    """Population of the given aires d'attraction des villes in the whole country (``aires_populations``).

    Counted by ``make data`` from the national files, so that the diagnostic and the comparison of a listing's
    CPTS class an aire crossing the loaded départements on all of it.

    Float64 indexed by the aires asked for, in that order; NaN for an aire whose population is unknown.
    """
    wanted = [str(a) for a in aires]
    with registered_codes(con, "_aires", wanted):
        frame = con.execute(
            "SELECT code, population FROM aires_populations WHERE code IN (SELECT code FROM _aires)").df()
    found = pd.Series(frame["population"].to_numpy(dtype="float64", na_value=float("nan")),
                      index=frame["code"].astype(str))
    return found.reindex(wanted).rename("population_aav")


def zone_labels(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """``code, libelle, nb_com`` of one zoning of the INSEE labels table (``AAV2020``, ``UU2020``…)."""
    return con.execute(
        "SELECT code, libelle, nb_com FROM zonages_libelles WHERE niveau = ? ORDER BY code", [level]
    ).df()
