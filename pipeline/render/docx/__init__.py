"""The « Trame d'un projet de santé » as an editable Word file: typed content and its writer.

Build a :class:`TrameDocument` from the diagnostic, then call
:func:`write_trame_docx`.
"""

from pipeline.render.docx.model import (
    Block,
    CalendarRow,
    CommuneRow,
    Figure,
    MembersRow,
    Paragraph,
    SubHeading,
    TrameDocument,
    trame_profession,
)
from pipeline.render.docx.writer import build_trame, write_trame_docx

__all__ = [
    "Block",
    "CalendarRow",
    "CommuneRow",
    "Figure",
    "MembersRow",
    "Paragraph",
    "SubHeading",
    "TrameDocument",
    "build_trame",
    "trame_profession",
    "write_trame_docx",
]
