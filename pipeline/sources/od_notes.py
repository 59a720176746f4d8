"""French notes summarising what a ``FLUX=`` table's staging reported (:mod:`pipeline.sources.od_table`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

import pandas as pd

from pipeline.geography import (
    DEPARTEMENTS,
    OVERSEAS_COLLECTIVITIES,
    arrondissement_label,
    departement_of,
    is_insee_code,
    paris_postal_arrondissement,
)
from pipeline.sources.files import first_listed


class Staged(Protocol):
    """What the notes read of a staged table (:class:`pipeline.sources.od_table.StagedOD`)."""

    @property
    def problems(self) -> pd.DataFrame: ...

#: End of the remark on a row repeating a pair (its volume added to the first one's).
ADDED_UP = "volumes additionnés"
#: Words of the reason a row naming Paris by a postal code is left out.
PARIS_POSTAL = "code postal de Paris"
#: Why a row naming a commune of a département the database was not loaded for is left out.
OUT_OF_LOAD = "hors des départements chargés dans la base"


def problem_notes(staged: Staged, limit: int = 10) -> list[str]:
    """French notes summarising the reported problems, for the report and the console."""
    return [text for text, _ in _notes(staged, limit)]


def bias_notes(staged: Staged, limit: int = 10) -> list[str]:
    """The notes of :func:`problem_notes` about rows left out that touch a loaded commune: they change the
    self-containment, the attraction or the candidates, so that the sections computed from the table repeat
    them."""
    return [text for text, biases in _notes(staged, limit) if biases]


def _notes(staged: Staged, limit: int) -> list[tuple[str, bool]]:
    """Each note, and whether the rows it names were left out while touching a loaded commune."""
    if staged.problems.empty:
        return []
    dropped = staged.problems[staged.problems["ecartee"]]
    notes = []
    outside = dropped["probleme"].str.contains(OUT_OF_LOAD, regex=False)
    # One note per row: a row with an unknown code is said so; otherwise a destination out of the load is a leak not
    # counted, an origin out of it an inflow not counted, and a row with both touches no loaded commune.
    postal = set(dropped.loc[dropped["probleme"].str.contains(PARIS_POSTAL, regex=False), "ligne"])
    unknown = set(dropped.loc[~outside, "ligne"]) - postal
    out_side = {side: set(dropped.loc[outside & (dropped["colonne"] == side), "ligne"]) - unknown - postal
                for side in ("origine", "destination")}
    groups = ((unknown, "codes communes invalides ou inconnus", True),
              (postal, "codes 75001 à 75020 : codes postaux de Paris ou codes de communes de la Seine avant 1968 ; "
                       "donnez les codes INSEE des arrondissements, 75101 à 75120", True),
              (out_side["destination"] - out_side["origine"],
               f"destinations {OUT_OF_LOAD} : un recours sortant ainsi du territoire n'est pas compté comme fuite, "
               "l'auto-confinement est surestimé", True),
              (out_side["origine"] - out_side["destination"],
               f"origines {OUT_OF_LOAD} : recours entrants non comptés (attraction et communes candidates "
               "sous-estimées)", True),
              (out_side["origine"] & out_side["destination"], f"origine et destination {OUT_OF_LOAD}", False))
    for found, why, biases in groups:
        if not found:
            continue
        lines = sorted(found)
        shown = first_listed(lines, limit)
        several = len(lines) > 1
        notes.append((f"Table origine–destination : {len(lines)} {'lignes écartées' if several else 'ligne écartée'} "
                      f"({why}) : {'lignes' if several else 'ligne'} {shown}", biases))
    # Rows kept with a remark: the pairs added up first, since they change the figures (a review: twelve codes
    # whose leading zero was put back filled the ten notes, and a pair pasted twice, its volume doubled, went
    # unsaid); each kind up to ``limit`` rows, then how many more and on which lines.
    kept = staged.problems[~staged.problems["ecartee"]]
    added = kept["probleme"].str.endswith(ADDED_UP)
    for rows, what in ((kept[added], "couples déjà donnés, volumes additionnés"), (kept[~added], "remarques")):
        for row in rows.head(limit).itertuples(index=False):
            notes.append((f"Table origine–destination, ligne {row.ligne} : {row.probleme}", False))
        if len(rows) > limit:
            rest = rows.iloc[limit:]
            lines = sorted(set(rest["ligne"].astype(int)))
            notes.append((f"Table origine–destination : {len(rest)} autres {what.split(',')[0]} "
                          f"({'ligne' if len(lines) == 1 else 'lignes'} {first_listed(lines, limit)})", False))
    return notes


def unknown_code(side: str, code: str, loaded: Collection[str]) -> str:
    """Why a row is left out for its ``side``'s code: a département not loaded, a code the COG does not know, or
    one of 75001…75020, Paris's postal codes and the Seine communes' codes before 1968 (a review: « 75001 » read as
    Alfortville counted a leak where the table meant Paris 1er; ``TERRITORY=`` refuses them with both readings)."""
    if (arrondissement := paris_postal_arrondissement(str(code))) is not None:
        return (f"code {side} {code} : code postal de {arrondissement_label(arrondissement)} (code INSEE "
                f"{arrondissement}) ou code d'une commune de la Seine avant 1968 ? ligne écartée (donnez le code "
                "INSEE)")
    department = departement_of(code) if is_insee_code(code) else ""
    if loaded and (department in DEPARTEMENTS or department in OVERSEAS_COLLECTIVITIES) and department not in loaded:
        return (f"code {side} {code} {OUT_OF_LOAD} ({', '.join(sorted(loaded))}, make data DEPARTEMENTS=…) : ligne "
                "écartée")
    return f"code {side} {code} absent du code officiel géographique : ligne écartée"
