"""Tables of the health-care registries (Annuaire Santé, FINESS), written from staged frames.

Staging (:mod:`pipeline.sources.annuaire`, :mod:`pipeline.sources.finess`)
never opens the database; these functions write what it produced. Call them
inside :func:`pipeline.store.connection.transaction` with the provenance
record, so that a failed load leaves the previous tables intact.

Tables
------
``ps_activites``
    The staged activity rows as they are (one row per practitioner × site).
``offre_commune``
    Located activities aggregated on the grain (``unite``, ``commune``,
    ``groupe``, ``specialite_code``, ``recours``, ``mode``, ``cadre``):
    ``effectif`` distinct practitioners, ``etp_sites`` sum of their site
    weights. ``unite`` is the arrondissement in Paris, Lyon and Marseille, the
    commune elsewhere; summing a city's units gives the city's site weights.
    Grain columns are never NULL, so that they can form a key:
    ``specialite_code`` is '' without specialty, ``recours`` is « non
    classé » for professions seed 000 does not classify.
``ps_anomalies``, ``finess_anomalies``
    The staged anomalies.
``etablissements``
    The staged FINESS establishments.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.store.connection import replace_table

#: Grain of ``offre_commune``.
OFFRE_GRAIN: tuple[str, ...] = ("unite", "commune", "groupe", "specialite_code", "recours", "mode", "cadre")


def write_annuaire(con: duckdb.DuckDBPyConnection, activites: pd.DataFrame, anomalies: pd.DataFrame) -> None:
    """Replace ``ps_activites``, ``offre_commune`` and ``ps_anomalies``.

    Parameters
    ----------
    activites
        Staged activities (:data:`pipeline.sources.annuaire.ACTIVITE_COLUMNS`).
    anomalies
        Staged anomalies (:data:`pipeline.sources.annuaire.ANOMALY_COLUMNS`).
    """
    replace_table(con, "ps_activites", activites)
    grain = ", ".join(OFFRE_GRAIN)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE offre_commune AS
        SELECT unite, commune, groupe, coalesce(specialite_code, '') AS specialite_code,
               any_value(specialite_libelle) AS specialite_libelle, coalesce(recours, 'non classé') AS recours,
               mode, cadre, count(DISTINCT rpps) AS effectif, sum(poids) AS etp_sites
        FROM ps_activites
        WHERE commune IS NOT NULL
        GROUP BY ALL
        ORDER BY {grain}
        """
    )
    replace_table(con, "ps_anomalies", anomalies)


def write_finess(con: duckdb.DuckDBPyConnection, etablissements: pd.DataFrame, anomalies: pd.DataFrame) -> None:
    """Replace ``etablissements`` and ``finess_anomalies`` (frames of :mod:`pipeline.sources.finess`)."""
    replace_table(con, "etablissements", etablissements)
    replace_table(con, "finess_anomalies", anomalies)
