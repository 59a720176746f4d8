"""Questions about the loaded registries as a whole: dated extractions, coverage, identifiers.

* the dates of the Annuaire Santé extractions kept in ``ps_activites`` and the
  activities of one extraction in a territory (supply dynamics);
* distinct practitioners and FINESS establishments per département, with the
  départements' populations (which départements a partial extraction covers);
* the activities of given RPPS numbers (members of a CPTS matched to the registry).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb
import pandas as pd

from pipeline.geography import departement_of
from pipeline.store.queries import code_list, communes_of, current_vintage, has_rows, registered_codes


def extraction_dates(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Dates of the Annuaire Santé extractions kept in ``ps_activites``, oldest first."""
    if not has_rows(con, "ps_activites"):
        return []
    rows = con.execute("SELECT DISTINCT extraction FROM ps_activites ORDER BY extraction").fetchall()
    return [r[0] for r in rows]


def territory_activities(
    con: duckdb.DuckDBPyConnection, extraction: date, commune_units: Iterable[str], arrondissement_units: Iterable[str]
) -> pd.DataFrame:
    """Activities of one extraction in a territory: ``rpps, groupe, unite, commune, lieu``.

    An arrondissement unit holds the activities placed in it (``unite``); a
    commune unit those of the commune (a whole city included). ``lieu`` is the
    territory's unit holding the activity. Rows without identifier are kept
    (the analysis counts them as left out).
    """
    communes, arrondissements = code_list(commune_units), code_list(arrondissement_units)
    cities = communes_of([*communes, *arrondissements])
    return con.execute(
        """
        SELECT rpps, groupe, unite, commune,
               CASE WHEN unite = ANY($arrondissements::VARCHAR[]) THEN unite ELSE commune END AS lieu
        FROM ps_activites
        WHERE extraction = $extraction AND commune = ANY($cities::VARCHAR[])
          AND (unite = ANY($arrondissements::VARCHAR[]) OR commune = ANY($communes::VARCHAR[]))
        """,
        {"extraction": extraction, "cities": cities, "arrondissements": arrondissements, "communes": communes},
    ).df()


def departement_populations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Current départements with their population: ``departement, nom, region, zone, population``.

    Only départements of metropolitan France and the DROM (the collectivités
    d'outre-mer are outside the registries' and the references' field).
    """
    return con.execute(
        """
        SELECT c.departement, d.nom, c.region, min(c.zone) AS zone, sum(c.population) AS population
        FROM communes c LEFT JOIN departements d ON d.code = c.departement AND d.vintage = c.vintage
        WHERE c.vintage = ? AND c.type = 'commune-actuelle' AND c.zone IN ('metro', 'drom')
        GROUP BY c.departement, d.nom, c.region ORDER BY c.departement
        """,
        [current_vintage()],
    ).df()


def activities_by_departement(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Located activity lines of every extraction per département: ``extraction, departement, activites``.

    A count of lines, not of distinct practitioners: it only serves to tell
    which départements an extraction covers (an order of magnitude), and one
    scan of the table answers for every extraction.
    """
    if not has_rows(con, "ps_activites"):
        return pd.DataFrame({"extraction": pd.Series(dtype=object), "departement": pd.Series(dtype=str),
                             "activites": pd.Series(dtype="int64")})
    # Grouping on a 3-character prefix is one cheap scan; the département is derived below. Lines placed in no
    # loaded commune count under « » (no département): an extraction whose every line lies outside the load is
    # then still seen, covering nothing, rather than taken for no extraction at all.
    frame = con.execute(
        "SELECT extraction, left(commune, 3) AS prefixe, count(*) AS activites FROM ps_activites GROUP BY ALL"
    ).df()
    frame["departement"] = [departement_of(p + "00") if isinstance(p, str) else "" for p in frame["prefixe"]]
    return frame.groupby(["extraction", "departement"], as_index=False)["activites"].sum()


def establishments_by_departement(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """FINESS establishments per département of their current commune: ``departement, etablissements``, and
    ``reperes``: those of the groups MSP, centre de santé, EHPAD and SSIAD (whose national densities are known)."""
    if not has_rows(con, "etablissements"):
        return pd.DataFrame({"departement": pd.Series(dtype=str), "etablissements": pd.Series(dtype="int64"),
                             "reperes": pd.Series(dtype="int64")})
    return con.execute(
        """
        SELECT c.departement, count(*) AS etablissements,
               count(*) FILTER (WHERE e.groupe IN ('MSP', 'Centre de santé', 'EHPAD', 'SSIAD')) AS reperes
        FROM etablissements e
        JOIN communes c ON c.code = e.commune AND c.vintage = ? AND c.type = 'commune-actuelle'
        GROUP BY c.departement
        """,
        [current_vintage()],
    ).df()


def activities_of_rpps(con: duckdb.DuckDBPyConnection, rpps: Iterable[str]) -> pd.DataFrame:
    """Activities of the latest extraction of the given identifiers.

    Columns ``rpps, groupe, profession_libelle, unite, commune, commune_nom``
    (name of the current commune; NULL when the activity is not located),
    ``hors_chargement`` (the registry places the activity in a département the
    database did not load: no commune, and not in the territory's loaded part) and
    ``commune_libelle_source`` (the commune's name as the file wrote it).
    """
    from pipeline.sources.annuaire.layout import OUTSIDE_THE_LOAD

    with registered_codes(con, "_rpps", rpps):
        return con.execute(
            """
            SELECT a.rpps, a.groupe, a.profession_libelle, a.unite, a.commune, c.nom AS commune_nom,
                   a.localisation = ? AS hors_chargement, a.commune_libelle_source
            FROM ps_activites_courantes a
            LEFT JOIN communes c ON c.code = coalesce(a.unite, a.commune) AND c.vintage = ?
            WHERE a.rpps IN (SELECT code FROM _rpps)
            ORDER BY a.rpps, a.ligne
            """,
            [OUTSIDE_THE_LOAD, current_vintage()],
        ).df()
