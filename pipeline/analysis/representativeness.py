"""The Trame's representativeness table in full, and the members matched to the registry.

The « Trame d'un projet de santé » (seed 002) asks, for each profession and
for the MSP and centres de santé, the « Nombre et/ou pourcentage de
professionnels ayant adhéré à la CPTS », « … participant à la gouvernance »
and « … ayant participé à l'élaboration du projet de santé ». Members come
from the file given with ``ADHERENTS=`` (one row per member, or per group of
members with ``nombre``); the denominators are the territory's professionals
(distinct practitioners of the Annuaire Santé) and, for the MSP and centres
de santé rows, the structures of the FINESS extraction in the territory.

Members given with an RPPS number are matched to the registry: those who
have no activity in the territory are reported (they still count as members:
a CPTS may welcome professionals of the neighbourhood, but the share of the
territory's professionals then overstates the coverage).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["MATCH_STATUS", "RPPS_PREFIX", "TABLE_COLUMNS", "match_members", "national_identifier", "trame_table"]

TABLE_COLUMNS = [
    "groupe", "professionnels_territoire", "unite", "adherents", "part_adherents_pct", "gouvernance",
    "part_gouvernance_pct", "gouvernance_non_renseigne", "elaboration", "part_elaboration_pct",
    "elaboration_non_renseigne",
]

MATCH_STATUS = {
    "inside": "exerce dans le territoire",
    "outside": "n'exerce pas dans le territoire",
    "absent": "absent de l'extraction de l'Annuaire Santé",
}


#: First character of the registry's « Identification nationale PP » of a practitioner identified by an RPPS
#: number (« Type d'identifiant PP » 8; ADELI numbers have type 0).
RPPS_PREFIX = "8"


def national_identifier(rpps: str) -> str:
    """The registry's national identifier of an 11-digit RPPS number (« 8 » + RPPS)."""
    return RPPS_PREFIX + str(rpps)


def _share(count: float, total: object) -> float:
    """``count`` as a percentage of ``total``; NaN when the total is unknown or 0."""
    value = pd.to_numeric(pd.Series([total]), errors="coerce").astype("float64").iloc[0]
    return count / float(value) * 100 if not math.isnan(value) and value > 0 else math.nan


def trame_table(members: pd.DataFrame, territory_supply: pd.DataFrame, rows: tuple[str, ...]) -> pd.DataFrame:
    """One row per Trame row: members, in the governance, in the writing of the projet de santé.

    Parameters
    ----------
    members
        :func:`pipeline.sources.adherents.read_adherents`: ``groupe``,
        ``gouvernance``, ``elaboration`` (nullable booleans), ``nombre``.
    territory_supply
        The territory's supply table: ``groupe``, ``praticiens`` (distinct
        practitioners, or structures for MSP and centres de santé; NA when
        not available), ``unite`` (``professionnels`` or ``structures``).
    rows
        The Trame's rows, in order.

    Returns
    -------
    DataFrame
        :data:`TABLE_COLUMNS`. Counts add ``nombre``; a cell of
        ``gouvernance``/``elaboration`` left empty is counted in
        ``*_non_renseigne``, never as « non ». Shares are of the territory's
        professionals (or structures), NaN when that count is 0 or unknown;
        they are not capped (members may practise outside the territory).
    """
    supply = territory_supply.set_index("groupe")
    count = members["nombre"].astype("int64")
    out = []
    for group in rows:
        own = members["groupe"] == group
        total = supply["praticiens"].get(group, pd.NA) if group in supply.index else pd.NA
        unit = supply["unite"].get(group, "professionnels") if group in supply.index else "professionnels"
        record: dict[str, object] = {"groupe": group, "professionnels_territoire": total, "unite": unit,
                                     "adherents": int(count[own].sum())}
        record["part_adherents_pct"] = _share(float(record["adherents"]), total)  # type: ignore[arg-type]
        for column in ("gouvernance", "elaboration"):
            flags = members[column]
            yes = int(count[own & flags.eq(True).fillna(False)].sum())
            record[column] = yes
            record[f"part_{column}_pct"] = _share(yes, total)
            record[f"{column}_non_renseigne"] = int(count[own & flags.isna()].sum())
        out.append(record)
    table = pd.DataFrame(out, columns=TABLE_COLUMNS)
    table["professionnels_territoire"] = table["professionnels_territoire"].astype("Int64")
    return table


def match_members(
    members: pd.DataFrame, activities: pd.DataFrame, commune_units: set[str], arrondissement_units: set[str]
) -> pd.DataFrame:
    """Members given with an RPPS number, matched to the registry's activities.

    Parameters
    ----------
    members
        ``ligne``, ``rpps`` (NA when not given), ``groupe``.
    activities
        Activities of those numbers in the latest extraction: ``rpps`` (the
        registry's « Identification nationale PP »: :data:`RPPS_PREFIX`
        followed by the 11-digit RPPS number), ``groupe``, ``unite``,
        ``commune``, ``commune_nom``.
    commune_units, arrondissement_units
        The territory's units: a commune unit holds the activities of the
        commune, an arrondissement unit those placed in it.

    Returns
    -------
    DataFrame
        One row per member with an RPPS: ``ligne, rpps, groupe, statut``
        (:data:`MATCH_STATUS`), ``groupe_annuaire`` (groups of the registry,
        « ; »-separated; NA when absent), ``lieux`` (communes of practice,
        NA when absent), ``profession_differente`` (bool).
    """
    given = members[members["rpps"].notna()]
    out = []
    for row in given.itertuples(index=False):
        own = activities[activities["rpps"] == national_identifier(row.rpps)]
        if own.empty:
            out.append({"ligne": row.ligne, "rpps": row.rpps, "groupe": row.groupe,
                        "statut": MATCH_STATUS["absent"], "groupe_annuaire": pd.NA, "lieux": pd.NA,
                        "profession_differente": False})
            continue
        inside = own["unite"].isin(arrondissement_units) | own["commune"].isin(commune_units)
        groups = sorted(set(own["groupe"].dropna()))
        places = sorted(set(own["commune_nom"].dropna().astype(str)))
        out.append({"ligne": row.ligne, "rpps": row.rpps, "groupe": row.groupe,
                    "statut": MATCH_STATUS["inside" if bool(inside.any()) else "outside"],
                    "groupe_annuaire": "; ".join(groups), "lieux": "; ".join(places) or "non localisé",
                    "profession_differente": row.groupe not in groups})
    frame = pd.DataFrame(out, columns=["ligne", "rpps", "groupe", "statut", "groupe_annuaire", "lieux",
                                       "profession_differente"])
    frame["profession_differente"] = frame["profession_differente"].astype(bool)
    frame["ligne"] = frame["ligne"].astype("int64") if len(frame) else frame["ligne"]
    return frame.replace({np.nan: pd.NA}) if len(frame) else frame
