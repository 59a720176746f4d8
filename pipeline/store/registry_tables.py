"""Tables of the health-care registries (Annuaire Santé, FINESS), written from staged frames.

Staging (:mod:`pipeline.sources.annuaire`, :mod:`pipeline.sources.finess`)
never opens the database; these functions write what it produced into the
declared tables. Call them inside :func:`pipeline.store.connection.transaction`
with the provenance record, so that a failed load leaves the previous tables
intact.

Several dated Annuaire Santé extractions are kept (``ps_activites`` is keyed
by extraction and line): the supply dynamics compare them, and the supply
figures use the latest (view ``ps_activites_courantes``, table
``offre_commune``).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from pipeline import config
from pipeline.store import load

#: Grain of ``offre_commune``.
OFFRE_GRAIN: tuple[str, ...] = ("unite", "commune", "groupe", "specialite_code", "recours", "mode", "cadre")


def write_annuaire(
    con: duckdb.DuckDBPyConnection, activites: pd.DataFrame, anomalies: pd.DataFrame, extraction: date,
    origin: str | None = None,
) -> None:
    """Replace the rows of one extraction in ``ps_activites`` and ``ps_anomalies``; rebuild ``offre_commune``
    when this extraction is the latest (an older one does not change the current supply).

    Parameters
    ----------
    activites
        Staged activities (:data:`pipeline.sources.annuaire.ACTIVITE_COLUMNS`).
    anomalies
        Staged anomalies (:data:`pipeline.sources.annuaire.ANOMALY_COLUMNS`).
    extraction
        Date of the extraction (its rows replace those of the same date only).
    """
    # Stored by commune: the queries of a territory's activities name their communes and skip the row groups
    # of the others (three times faster for a CPTS of six communes in the national extraction).
    load.replace_rows(con, "ps_activites", activites, {"extraction": extraction}, origin,
                      order_by=("commune", "unite"))
    load.replace_rows(con, "ps_anomalies", anomalies, {"extraction": extraction}, origin)
    latest = con.execute("SELECT max(extraction) FROM ps_activites").fetchone()
    if latest is None or latest[0] is None or latest[0] <= extraction:
        rebuild_offre(con)


def drop_extractions(con: duckdb.DuckDBPyConnection, keep: date | None = None,
                     dates: list[date] | None = None) -> None:
    """Delete Annuaire Santé extractions: every one but ``keep``, or those of ``dates``; rebuild ``offre_commune``.

    A real extraction replaces the demonstration ones (their dates would
    otherwise enter the supply dynamics beside real data).
    """
    if keep is not None:
        for table in ("ps_activites", "ps_anomalies"):
            con.execute(f"DELETE FROM {table} WHERE extraction <> ?", [keep])
    for day in dates or []:
        for table in ("ps_activites", "ps_anomalies"):
            con.execute(f"DELETE FROM {table} WHERE extraction = ?", [day])
    rebuild_offre(con)


def rebuild_offre(con: duckdb.DuckDBPyConnection) -> None:
    """``offre_commune`` from the latest extraction: distinct practitioners and site shares per grain; and
    ``effectifs_zones`` (:func:`rebuild_zone_counts`).

    Grain columns are never NULL, so that they form the key: ``specialite_code``
    is '' without specialty, ``recours`` is « non classé » for professions
    seed 000 does not classify. ``unite`` is the arrondissement in Paris, Lyon
    and Marseille, the commune elsewhere: summing a city's units gives the city.
    """
    grain = ", ".join(OFFRE_GRAIN)
    con.execute("DELETE FROM offre_commune")
    con.execute(
        f"""
        INSERT INTO offre_commune ({grain}, specialite_libelle, effectif, etp_sites)
        SELECT unite, commune, groupe, coalesce(specialite_code, '') AS specialite_code,
               coalesce(recours, 'non classé') AS recours, mode, cadre,
               any_value(specialite_libelle), count(DISTINCT rpps), sum(poids)
        FROM ps_activites_courantes
        WHERE commune IS NOT NULL AND unite IS NOT NULL
        GROUP BY ALL
        """
    )
    rebuild_zone_counts(con)


def rebuild_zone_counts(con: duckdb.DuckDBPyConnection) -> None:
    """``effectifs_zones``: distinct practitioners of the latest extraction per group in each département,
    région and France, placed by the current COG (rebuilt with ``offre_commune`` and when the COG is loaded).

    Every diagnostic compares its densities with its département, région and France: counted here once
    (three scans of the national extraction, 0.15-0.25 s per diagnostic, before).
    """
    con.execute("DELETE FROM effectifs_zones")
    con.execute(
        """
        INSERT INTO effectifs_zones (niveau, code, groupe, praticiens)
        WITH located AS (
            SELECT a.rpps, a.groupe, c.departement, c.region
            FROM ps_activites_courantes a JOIN communes c
              ON c.code = a.commune AND c.vintage = ? AND c.type = 'commune-actuelle'
        )
        SELECT 'departement', departement, groupe, count(DISTINCT rpps) FROM located
        WHERE departement IS NOT NULL AND groupe IS NOT NULL GROUP BY departement, groupe
        UNION ALL
        SELECT 'region', region, groupe, count(DISTINCT rpps) FROM located
        WHERE region IS NOT NULL AND groupe IS NOT NULL GROUP BY region, groupe
        UNION ALL
        SELECT 'france', '', groupe, count(DISTINCT rpps) FROM ps_activites_courantes
        WHERE commune IS NOT NULL AND groupe IS NOT NULL GROUP BY groupe
        """,
        [config.CURRENT_VINTAGE],
    )


def extractions(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Dates of the loaded Annuaire Santé extractions, oldest first."""
    return [r[0] for r in con.execute("SELECT DISTINCT extraction FROM ps_activites ORDER BY 1").fetchall()]


def write_finess(
    con: duckdb.DuckDBPyConnection, etablissements: pd.DataFrame, anomalies: pd.DataFrame, origin: str | None = None
) -> None:
    """Replace ``etablissements`` and ``finess_anomalies`` (frames of :mod:`pipeline.sources.finess`)."""
    load.replace_table(con, "etablissements", etablissements, origin)
    load.replace_table(con, "finess_anomalies", anomalies, origin)
