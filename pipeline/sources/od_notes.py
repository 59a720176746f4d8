"""French notes summarising what a ``FLUX=`` table's staging reported (:mod:`pipeline.sources.od_table`)."""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from pipeline.sources.files import first_listed


class Staged(Protocol):
    """What the notes read of a staged table (:class:`pipeline.sources.od_table.StagedOD`)."""

    @property
    def problems(self) -> pd.DataFrame: ...

#: End of the remark on a row repeating a pair (its volume added to the first one's).
ADDED_UP = "volumes additionnés"
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
    unknown = set(dropped.loc[~outside, "ligne"])
    out_side = {side: set(dropped.loc[outside & (dropped["colonne"] == side), "ligne"]) - unknown
                for side in ("origine", "destination")}
    groups = ((unknown, "codes communes invalides ou inconnus", True),
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
