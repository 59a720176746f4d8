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
territory's professionals then overstates the coverage). A share above
100 % is never given: the row's share is left out and named in a note
(:func:`count_notes`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "ADELI_PREFIX", "MATCH_STATUS", "RPPS_PREFIX", "TABLE_COLUMNS", "count_notes", "identifier_label", "match_members",
    "national_identifier",
    "trame_table",
]

TABLE_COLUMNS = [
    "groupe", "professionnels_territoire", "unite", "adherents", "part_adherents_pct", "gouvernance",
    "part_gouvernance_pct", "gouvernance_non_renseigne", "elaboration", "part_elaboration_pct",
    "elaboration_non_renseigne", "adherents_hors_territoire", "gouvernance_hors_territoire",
    "elaboration_hors_territoire",
]

MATCH_STATUS = {
    "inside": "exerce dans le territoire",
    "outside": "n'exerce pas dans le territoire",
    "absent": "absent de l'extraction de l'Annuaire Santé",
    "unlocated": "dans l'Annuaire Santé, sans lieu d'exercice localisé",
    "beyond": "exerce hors des départements chargés, où le territoire s'étend aussi",
}


#: First character of the registry's « Identification nationale PP » of a practitioner identified by an RPPS
#: number (« Type d'identifiant PP » 8; ADELI numbers have type 0).
RPPS_PREFIX = "8"
#: ... and « 0 » before the ADELI number of the professions it still lists under ADELI (identifier type 0).
ADELI_PREFIX = "0"


def national_identifier(rpps: str) -> str:
    """The registry's national identifier of an 11-digit RPPS number (« 8 » + RPPS) or of a 9-digit ADELI one
    (« 0 » + ADELI)."""
    return (RPPS_PREFIX if len(str(rpps)) == 11 else ADELI_PREFIX) + str(rpps)


def identifier_label(numbers: Iterable[object]) -> str:
    """« RPPS », or « RPPS ou ADELI » when one of the members' numbers is an ADELI one (9 digits)."""
    return "RPPS ou ADELI" if any(len(str(n)) == 9 for n in numbers) else "RPPS"


def _share(count: object, total: object) -> float:
    """``count`` as a percentage of ``total``.

    NaN when the count or the total is unknown, the total is 0, or the count
    exceeds the total: a share above 100 % is not a share of the territory's
    professionals (members practising elsewhere, or a miscount) and is never
    given as one; :func:`count_notes` names those rows.
    """
    number, whole = (pd.to_numeric(pd.Series([v]), errors="coerce").astype("float64").iloc[0] for v in (count, total))
    if math.isnan(number) or math.isnan(whole) or whole <= 0 or number > whole:
        return math.nan
    return float(number / whole * 100)


def _participation(own: pd.Series, flags: pd.Series, count: pd.Series, known_in_file: bool) -> object:
    """Members of a row marked « oui »; NA when the file tells nobody's participation.

    ``own`` selects the row's members. A row whose members all left the
    cell empty, or a file whose column is absent or entirely empty, gives NA
    (« non disponible »), never 0; a row without members gives 0 once the
    file tells participation for some member (nobody of that row takes part).
    """
    if not known_in_file or (own.any() and bool(flags[own].isna().all())):
        return pd.NA
    return int(count[own & flags.eq(True).fillna(False)].sum())


#: The Trame's row of the professions it has no row for.
OTHERS = "Autres"


def trame_table(members: pd.DataFrame, territory_supply: pd.DataFrame, rows: tuple[str, ...],
                outside: pd.Series | None = None) -> pd.DataFrame:
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
    outside
        Aligned on ``members``: True for a member whose RPPS number the
        registry places only outside the territory (:func:`match_members`).
        Counted as a member, but not in the shares of the territory's
        professionals (``adherents_hors_territoire``, and
        ``gouvernance_hors_territoire``, ``elaboration_hors_territoire`` among
        those who take part: each share's numerator is the count less them).

    Returns
    -------
    DataFrame
        :data:`TABLE_COLUMNS`. Counts add ``nombre``; a cell of
        ``gouvernance``/``elaboration`` left empty is counted in
        ``*_non_renseigne``, never as « non »; ``gouvernance`` and
        ``elaboration`` (Int64) are NA when nobody's participation is known
        (see :func:`_participation`). Shares are of the territory's
        professionals (or structures), NaN when that count is 0 or unknown,
        or smaller than the count (never above 100 %: see :func:`count_notes`).
    """
    supply = territory_supply.set_index("groupe")
    count = members["nombre"].astype("int64")
    elsewhere = pd.Series(False, index=members.index) if outside is None else outside.astype(bool)
    out = []
    for group in rows:
        own = members["groupe"] == group
        total = supply["praticiens"].get(group, pd.NA) if group in supply.index else pd.NA
        unit = supply["unite"].get(group, "professionnels") if group in supply.index else "professionnels"
        adherents = int(count[own].sum())
        away = int(count[own & elsewhere].sum())
        record: dict[str, object] = {"groupe": group, "professionnels_territoire": total, "unite": unit,
                                     "adherents": adherents, "part_adherents_pct": _share(adherents - away, total)}
        for column in ("gouvernance", "elaboration"):
            flags = members[column]
            known = bool(flags.notna().any())
            record[column] = _participation(own, flags, count, known)
            here = _participation(own & ~elsewhere, flags, count, known) if away else record[column]
            there = _participation(own & elsewhere, flags, count, known) if away else 0
            if pd.isna(record[column]):
                # Unknown for the row, unknown for its parts (a review read a share of 0 % beside a count
                # « non disponible », when the only member, practising elsewhere, left the cell empty).
                here = there = pd.NA
            record[f"part_{column}_pct"] = _share(here, total)
            record[f"{column}_non_renseigne"] = int(count[own & flags.isna()].sum())
            # Known apart from the territory's part: one member elsewhere marked « oui » is said so even when
            # the row's members in the territory left the cell empty.
            record[f"{column}_hors_territoire"] = there
        record["adherents_hors_territoire"] = away
        if group == OTHERS and adherents:
            # « Autres (précisez) » gathers professions the Trame has no row for, different in the file and in the
            # registry (dieticians declared, psychomotricians counted): no share of one in the other (a review);
            # none declared is 0 % of the registry's others.
            record.update({f"part_{c}_pct": math.nan for c in ("adherents", "gouvernance", "elaboration")})
        out.append(record)
    table = pd.DataFrame(out, columns=TABLE_COLUMNS)
    for column in ("professionnels_territoire", "gouvernance", "elaboration", "gouvernance_hors_territoire",
                   "elaboration_hors_territoire"):
        table[column] = table[column].astype("Int64")
    return table


def count_notes(table: pd.DataFrame, other_profession: Mapping[str, int] | None = None) -> list[str]:
    """French notes on the rows of :func:`trame_table` with more members than the territory's professionals.

    Such a row's share is not given (it would exceed 100 %): its members
    include professionals who practise outside the territory, members the
    registry gives another profession (``other_profession``: per Trame row,
    the members declared there whom the registry classes elsewhere), or the
    file counts too many (a ``nombre`` typed wrong, a row given twice).
    """
    notes = []
    for row in table.itertuples(index=False):
        total = row.professionnels_territoire
        away = int(row.adherents_hors_territoire)
        if away:
            who = "l'adhérent" if away == 1 else f"les {away} adhérents"
            counted = "compté" if away == 1 else "comptés"
            notes.append(f"{row.groupe} : parts (adhérents, gouvernance, élaboration) calculées sans {who} que "
                         f"l'Annuaire Santé place hors du territoire ({counted} dans les nombres : « dont … du "
                         "territoire »)")
        if pd.isna(total) or row.adherents - away <= total:
            continue
        unit = "structure" if row.unite == "structures" else "professionnel"
        unit += "s" if total >= 2 else ""  # « 0 structure », « 1 professionnel » (singular below 2 in French)
        declared, here, present, there = (f"{int(n):,}".replace(",", "\u202f")
                                          for n in (row.adherents, row.adherents - away, total, away))
        # The count compared is the territory's members: those placed elsewhere are out of it (a review read
        # « 184 adhérents déclarés pour 27 » where 155 of the 184 practise elsewhere and 29 were compared).
        plural = "s" if row.adherents - away >= 2 else ""
        members = (f"{here} adhérent{plural} déclaré{plural} que l'Annuaire Santé ne place pas hors du territoire "
                   f"({declared} en tout, dont {there} qu'il y place)") if away \
            else f"{declared} {'adhérent déclaré' if row.adherents < 2 else 'adhérents déclarés'}"
        # Members the registry classes in another profession are a likelier cause than a count typed wrong (a
        # review: the note pointed at the « nombre » column where the registry gave the members another profession).
        if other := int((other_profession or {}).get(row.groupe, 0)):
            they = "l'adhérent" if other == 1 else f"les {other} adhérents"
            check = (f"{they} que l'Annuaire Santé range dans une autre profession, puis la colonne nombre du "
                     "fichier des adhérents")
        else:
            check = "la colonne nombre du fichier des adhérents"
        notes.append(f"{row.groupe} : {members} pour {present} {unit} du "
                     f"territoire ; part non calculée (elle dépasserait 100 %) : vérifiez {check}"
                     + ("" if away else ", ou des adhérents exercent hors du territoire"))
    return notes


def match_members(
    members: pd.DataFrame, activities: pd.DataFrame, commune_units: set[str], arrondissement_units: set[str],
    beyond_the_load: bool = False,
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
        ``commune``, ``commune_nom``, and optionally ``hors_chargement``
        (True where the registry places the activity in a département the
        database did not load: elsewhere, though without a commune) with
        ``commune_libelle_source`` (the name the registry wrote).
    commune_units, arrondissement_units
        The territory's units: a commune unit holds the activities of the
        commune, an arrondissement unit those placed in it.
    beyond_the_load
        The territory reaches départements the database was not loaded for:
        an activity placed there may be inside it (status « beyond »,
        counted in the shares as an unlocated one), not outside.

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
        beyond = own["hors_chargement"].fillna(False).astype(bool) if "hors_chargement" in own.columns \
            else pd.Series(False, index=own.index)
        places = sorted(set(own["commune_nom"].dropna().astype(str)) | {
            f"{name} (hors des départements chargés)" for name in own.loc[beyond].get(
                "commune_libelle_source", pd.Series(dtype=object)).fillna("commune non nommée").astype(str)})
        # « outside » only where the registry places a row elsewhere: in a commune, or in a département the
        # database did not load (a review: such a member was counted as the territory's); rows without a place
        # tell nothing.
        elsewhere = own["commune"].notna() | (beyond & (not beyond_the_load))
        status = "inside" if bool(inside.any()) else "outside" if bool(elsewhere.any()) \
            else "beyond" if bool(beyond.any()) else "unlocated"
        out.append({"ligne": row.ligne, "rpps": row.rpps, "groupe": row.groupe,
                    "statut": MATCH_STATUS[status],
                    "groupe_annuaire": "; ".join(groups), "lieux": "; ".join(places) or "non localisé",
                    "profession_differente": row.groupe not in groups})
    frame = pd.DataFrame(out, columns=["ligne", "rpps", "groupe", "statut", "groupe_annuaire", "lieux",
                                       "profession_differente"])
    frame["profession_differente"] = frame["profession_differente"].astype(bool)
    frame["ligne"] = frame["ligne"].astype("int64") if len(frame) else frame["ligne"]
    return frame.replace({np.nan: pd.NA}) if len(frame) else frame
