"""Questions about the DREES APL (official accessibility to general practitioners)."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.store.frames import read_frame
from pipeline.store.queries import current_vintage

#: A unit's figures from its workbook rows (``src`` of :func:`apl_current`), written once for the arrondissements and
#: the communes: the APL weighted by the standardised populations, or the one row's APL whatever its weight.
#: The codes are sorted as a list, not by ``string_agg(… ORDER BY …)``, whose ordered aggregate made the whole
#: query about twice as slow (read by every diagnostic).
_UNIT_FIGURES = """coalesce(sum(apl * ps) / nullif(sum(ps) FILTER (WHERE apl IS NOT NULL), 0),
                            CASE WHEN count(*) = 1 THEN max(apl) END) AS apl,
                   coalesce(sum(apl_moins_65 * ps) / nullif(sum(ps) FILTER (WHERE apl_moins_65 IS NOT NULL), 0),
                            CASE WHEN count(*) = 1 THEN max(apl_moins_65) END) AS apl_moins_65,
                   sum(ps) AS population_standardisee, sum(pt) AS population_totale,
                   array_to_string(list_sort(list(ligne)), ', ') AS codes_classeur"""


def apl_current(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """DREES APL on the current geography: one row per current commune and per arrondissement, per year.

    The workbook gives Paris, Lyon and Marseille by arrondissement and uses the
    COG of its year: arrondissement rows stay units (``niveau`` =
    ``arrondissement``) and are also aggregated into their commune; rows of
    communes merged since are aggregated into the current commune. The
    aggregation weights are the standardised populations, as the workbook
    prescribes (« l'APL communal doit être pondéré par la population
    standardisée »); a unit of one published row has that row's APL, whatever
    its weight (a review: L'Oie, 85165, re-created since, has an APL of 3.175
    and a population of 0 in the workbook, and was « non disponible »).
    Columns: ``code, annee, niveau, apl, apl_moins_65, population_standardisee, population_totale,
    codes_classeur`` (the workbook's codes of its rows, comma-separated: several for a merged commune or a city,
    even when only one of them has an APL), ``departement, region``.
    """
    return read_frame(con,
        f"""
        WITH src AS (
            SELECT a.code AS ligne, a.annee, a.apl, a.apl_moins_65, a.population_standardisee AS ps,
                   a.population_totale AS pt, arr.code AS arrondissement,
                   coalesce(arr.parent, m.current_code) AS commune
            FROM apl a
            LEFT JOIN communes arr ON arr.code = a.code AND arr.vintage = ? AND arr.type = 'arrondissement-municipal'
            LEFT JOIN cog_mapping m ON m.code = a.code
        ), units AS (
            SELECT arrondissement AS code, annee, 'arrondissement' AS niveau,
                   {_UNIT_FIGURES}
            FROM src WHERE arrondissement IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT commune AS code, annee, 'commune' AS niveau,
                   {_UNIT_FIGURES}
            FROM src WHERE commune IS NOT NULL GROUP BY ALL
        )
        SELECT u.*, c.departement, c.region FROM units u
        LEFT JOIN communes c ON c.code = u.code AND c.vintage = ?
        """,
        [current_vintage(), current_vintage()],
    )


def apl_workbook_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The workbook's rows as published (its own COG), placed on the current geography.

    Populations under an APL threshold are counted on these rows, as the
    workbook prescribes (« pour comptabiliser la population sous un seuil
    d'APL […], la population non standardisée doit être utilisée »): a commune
    merged since keeps its own APL. Columns ``code, annee, apl, apl_moins_65,
    population_standardisee, population_totale, unite`` (the arrondissement, or
    the current commune), ``commune`` (current commune), ``departement``,
    ``region`` (NULL for a code that reaches no current commune).
    """
    return read_frame(con,
        """
        SELECT a.code, a.annee, a.apl, a.apl_moins_65, a.population_standardisee, a.population_totale,
               coalesce(arr.code, m.current_code) AS unite, coalesce(arr.parent, m.current_code) AS commune,
               c.departement, c.region
        FROM apl a
        LEFT JOIN communes arr ON arr.code = a.code AND arr.vintage = $v AND arr.type = 'arrondissement-municipal'
        LEFT JOIN cog_mapping m ON m.code = a.code
        LEFT JOIN communes c ON c.code = coalesce(arr.parent, m.current_code) AND c.vintage = $v
             AND c.type = 'commune-actuelle'
        """,
        {"v": current_vintage()},
    )
