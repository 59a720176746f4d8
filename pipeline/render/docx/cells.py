"""Cells of the Trame's members table, worded as the report's (:mod:`pipeline.render.sections.representativeness`)."""

from __future__ import annotations

from pipeline.render.docx.model import MembersRow
from pipeline.render.report import format_number, format_share
from pipeline.render.table_spec import MISSING_TEXT


def count_text(value: int | None) -> str:
    """A count as the Trame writes it, empty for a cell left to the team."""
    return "" if value is None else format_number(value)


def _participation_text(number: int | None, away: int | None, share: float | None, unknown: int = 0) -> str:
    """« 3 dont 2 du territoire (10,0 %) », as the report's cell: the share is of those practising in the
    territory; when it is unknown, « 1 dont 1 hors du territoire »; « ; 2 non renseignés » when some members
    did not answer."""
    text = count_text(number)
    if number is not None and away:
        text += (f" dont {count_text(number - away)} du territoire" if share is not None
                 else f" dont {count_text(away)} hors du territoire")
    if number is not None and share is not None:
        text += f" ({format_share(share)})"
    if number is not None and unknown:
        text += f" ; {count_text(unknown)} non renseigné{'s' if unknown > 1 else ''}"
    return text


def members_cell(row: MembersRow | None) -> list[str]:
    """The three cells of a line of the members table (joined, governance, writing of the projet de santé)."""
    if row is None:
        return ["", "", ""]
    adherents = count_text(row.adherents)
    if row.adherents is not None and row.adherents_away:  # the share is of those practising in the territory
        adherents += f" dont {count_text(row.adherents - row.adherents_away)} du territoire"
    if row.adherents is not None and row.part_adherents_pct is not None:
        adherents += f" ({format_share(row.part_adherents_pct)})"
    # A row of the file given without participation: « non disponible », not a cell left for the team as if
    # nothing was read.
    return [adherents, *(MISSING_TEXT if n is None else _participation_text(n, away, share, unknown)
                         for n, away, share, unknown in (
        (row.gouvernance, row.gouvernance_away, row.part_gouvernance_pct, row.gouvernance_unknown),
        (row.elaboration, row.elaboration_away, row.part_elaboration_pct, row.elaboration_unknown)))]
