"""Health-care supply of a territory, in the shape of the « Trame d'un projet de santé ».

Reads the tables written by :func:`pipeline.sources.rpps.load_rpps`
(``ps_activites``) and :func:`pipeline.sources.finess.load_finess`
(``etablissements``). A practitioner is counted once in a territory even when
several of their activity sites are in it (``effectif``); ``etp_sites`` sums
the per-site weights ``1 / number of sites`` so that a practitioner working
half in the territory counts 0.5 — a share of presence, not a measured
working time.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from pipeline import nomenclatures
from pipeline.errors import PipelineError, TerritoryError

#: Order of the recours rows; ``non classé`` gathers professions seed 000 does not classify.
RECOURS: tuple[str, ...] = ("premier", "second", "non classé")


def _communes_frame(communes: Iterable[str]) -> pd.DataFrame:
    codes = sorted({str(c).strip() for c in communes if str(c).strip()})
    if not codes:
        raise TerritoryError("Le territoire ne contient aucune commune")
    return pd.DataFrame({"code": codes})


def _require(con: duckdb.DuckDBPyConnection, table: str, hint: str) -> None:
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()
    if not rows or not rows[0][0]:
        raise PipelineError(f"La table « {table} » est absente : {hint}")


def offre_territoire(con: duckdb.DuckDBPyConnection, communes: Iterable[str]) -> pd.DataFrame:
    """Per-profession supply table of a territory (Trame, seed 002).

    Parameters
    ----------
    con
        Connection holding ``ps_activites`` (and ``etablissements`` for the
        MSP and centre de santé rows, when loaded).
    communes
        Current INSEE codes of the territory's communes.

    Returns
    -------
    pandas.DataFrame
        One row per Trame category, in the Trame's order, zeros included:
        ``categorie``, ``effectif`` (distinct practitioners, or establishments
        for « MSP » / « Centres de santé »), ``etp_sites``, ``dont_liberaux``
        (practitioners with at least one libéral site in the territory),
        ``source`` (``annuaire-sante`` or ``finess``).
    """
    _require(con, "ps_activites", "chargez d'abord l'Annuaire Santé.")
    territory = _communes_frame(communes)
    con.register("_territoire", territory)
    try:
        found = con.execute(
            """
            SELECT groupe AS categorie, count(DISTINCT rpps) AS effectif, sum(poids) AS etp_sites,
                   count(DISTINCT CASE WHEN mode = 'libéral' THEN rpps END) AS dont_liberaux
            FROM ps_activites a JOIN _territoire t ON t.code = a.commune
            GROUP BY groupe
            """
        ).df()
        etab = pd.DataFrame(columns=["categorie", "effectif"])
        tables = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'etablissements'"
        ).fetchall()
        if tables and tables[0][0]:
            etab = con.execute(
                """
                SELECT CASE groupe WHEN 'MSP' THEN 'MSP' ELSE 'Centres de santé' END AS categorie,
                       count(*) AS effectif
                FROM etablissements e JOIN _territoire t ON t.code = e.commune
                WHERE groupe IN ('MSP', 'Centre de santé')
                GROUP BY 1
                """
            ).df()
    finally:
        con.unregister("_territoire")
    rows = []
    by_group = found.set_index("categorie")
    for groupe in nomenclatures.GROUPES_TRAME:
        if groupe in by_group.index:
            rec = by_group.loc[groupe]
            rows.append(
                {
                    "categorie": groupe,
                    "effectif": int(rec["effectif"]),
                    "etp_sites": float(rec["etp_sites"]),
                    "dont_liberaux": int(rec["dont_liberaux"]),
                    "source": "annuaire-sante",
                }
            )
        else:
            rows.append(
                {"categorie": groupe, "effectif": 0, "etp_sites": 0.0, "dont_liberaux": 0, "source": "annuaire-sante"}
            )
    by_etab = etab.set_index("categorie")["effectif"] if len(etab) else pd.Series(dtype="int64")
    for categorie in ("MSP", "Centres de santé"):
        rows.append(
            {
                "categorie": categorie,
                "effectif": int(by_etab.get(categorie, 0)),
                "etp_sites": float("nan"),
                "dont_liberaux": pd.NA,
                "source": "finess",
            }
        )
    return pd.DataFrame(rows).astype({"dont_liberaux": "Int64"})


def offre_par_recours(con: duckdb.DuckDBPyConnection, communes: Iterable[str]) -> pd.DataFrame:
    """Distinct practitioners of a territory by recours (seed 000).

    Returns
    -------
    pandas.DataFrame
        Rows ``premier``, ``second``, ``non classé`` with ``effectif`` and
        ``etp_sites``. A practitioner with sites of both recours (a
        pédiatre also registered with another specialty cannot happen: one
        specialty per practitioner) is counted in each recours they have.
    """
    _require(con, "ps_activites", "chargez d'abord l'Annuaire Santé.")
    territory = _communes_frame(communes)
    con.register("_territoire", territory)
    try:
        found = con.execute(
            """
            SELECT coalesce(recours, 'non classé') AS recours, count(DISTINCT rpps) AS effectif,
                   sum(poids) AS etp_sites
            FROM ps_activites a JOIN _territoire t ON t.code = a.commune
            GROUP BY 1
            """
        ).df()
    finally:
        con.unregister("_territoire")
    out = pd.DataFrame({"recours": list(RECOURS)}).merge(found, on="recours", how="left")
    return out.fillna({"effectif": 0, "etp_sites": 0.0}).astype({"effectif": "int64"})
