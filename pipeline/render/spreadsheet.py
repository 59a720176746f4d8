"""Excel workbook for people: one sheet per table plus a first « Lisez-moi » sheet.

Each sheet has the French column labels in a bold, frozen header row (with
an autofilter), typed cells (codes as text so that ``04070`` and ``2A004``
survive, numbers as numbers rounded per column, dates as dates), number
formats, fitted column widths, and empty cells for missing values. A table
without rows gets one line « aucune donnée » rather than an empty sheet.

Text that a spreadsheet could run as a formula (``=``, ``+``, ``-``, ``@``,
tab, carriage return first) is written as it is, in a string cell (a cell
without a formula element, which no spreadsheet evaluates) with Excel's
« quote prefix » flag, what Excel itself stores when a user types ``'=x``: it
is shown as written, never evaluated, and editing the cell keeps it text.
The CSV files need a visible apostrophe instead (:mod:`pipeline.render.csv_files`):
a CSV cell has no type.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.render.atomic import write_atomically
from pipeline.render.formulas import looks_like_formula
from pipeline.render.report import format_date, format_number
from pipeline.render.table_spec import (
    KIND_LABELS,
    NO_DATA_TEXT,
    CellValue,
    Column,
    TableSpec,
    typed_value,
)

README_SHEET = "Lisez-moi"
MAX_SHEET_NAME = 31
#: Excel refuses longer cell texts.
MAX_CELL_TEXT = 32_767
MISSING_NOTE = "Cellule vide = non disponible (donnée absente de la source ou sans objet pour cette ligne)."
CODES_NOTE = ("Les codes (INSEE, FINESS, SIREN, codes postaux) sont écrits en texte : les zéros initiaux sont "
              "conservés (04070) et les codes corses restent des codes (2A004).")
FORMULA_NOTE = ("Une valeur qui commence par =, +, -, @ ou une tabulation est enregistrée comme texte (préfixe "
                "apostrophe d'Excel) : elle s'affiche telle quelle et ne s'exécute jamais comme une formule.")

_INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
#: Excel's own reserved sheet name, and ours.
_RESERVED_SHEETS = frozenset({"history", README_SHEET.lower()})
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DCE3EC")
_DEMO_FONT = Font(bold=True, color="B00020")
#: One object for every wrapped cell: openpyxl hashes the style at each assignment, and building a new one per
#: cell doubled the time of the README sheet (some 1 500 cells).
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_WIDTH_SCAN_ROWS = 5_000


def _shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: brackets dropped first, then cut between words."""
    if len(text) <= limit:
        return text
    text = re.sub(r"\s*\([^)]*\)", "", text).strip() or text
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" -:,;'") or text[:limit]


def sheet_names(specs: Sequence[TableSpec]) -> list[str]:
    """French sheet names for ``specs``: Excel-safe, at most 31 characters, unique (case-insensitively).

    The name is the spec's ``sheet`` or else its ``title``, with the
    characters Excel forbids (``[]:*?/\\``) replaced by ``-``, shortened
    (bracketed parts dropped, then cut between words); a repeated name gets
    `` (2)``, `` (3)``… within the 31 characters.
    """
    used = set(_RESERVED_SHEETS)
    names = []
    for spec in specs:
        base = _INVALID_SHEET_CHARACTERS.sub("-", spec.sheet or spec.title)
        base = " ".join(base.split()).strip("'").strip() or spec.key
        name = _shorten(base, MAX_SHEET_NAME)
        number = 2
        while name.lower() in used:
            suffix = f" ({number})"
            name = _shorten(base, MAX_SHEET_NAME - len(suffix)) + suffix
            number += 1
        used.add(name.lower())
        names.append(name)
    return names


def number_format(column: Column) -> str:
    """Excel number format of ``column`` (text format ``@`` for codes and text)."""
    decimals = "." + "0" * column.decimals if column.decimals else ""
    if column.kind == "integer":
        return "#,##0"
    if column.kind == "decimal":
        return "#,##0" + decimals
    if column.kind == "percent":
        return "#,##0" + decimals + '" %"'
    if column.kind == "share":  # the cell keeps 0.801 and shows « 80,1 % » (« % » in a format multiplies by 100)
        shown = max(column.decimals - 2, 0)
        return "0" + ("." + "0" * shown if shown else "") + " %"
    if column.kind == "date":
        return "DD/MM/YYYY"
    return "@"


def _clean_text(text: str) -> str:
    """Text Excel accepts: no control characters, at most 32 767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def write_text(cell: Cell, text: str) -> None:
    """Store ``text`` as a string cell that can never run as a formula."""
    dangerous = looks_like_formula(text)
    cell.value = _clean_text(text)
    cell.data_type = "s"  # after the value: openpyxl makes a text starting with « = » a formula
    if dangerous:
        cell.quotePrefix = True


def _write_value(cell: Cell, column: Column, value: CellValue) -> None:
    if value is None:
        return  # an empty cell: « non disponible »
    if isinstance(value, str):
        write_text(cell, value)
        if column.kind in ("code", "text"):
            cell.number_format = "@"  # a code typed over by hand stays text
        return
    cell.value = value
    cell.number_format = number_format(column)


def _shown_length(column: Column, value: CellValue) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float):
        return len(format_number(value, column.decimals if column.kind != "integer" else 0)) + 2
    if isinstance(value, dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _fit_widths(ws: Worksheet, widths: list[int], low: int = 8, high: int = 60) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(high, max(low, width + 2))


def _write_table(ws: Worksheet, spec: TableSpec) -> int:
    """Fill ``ws`` with ``spec``; returns the number of data rows."""
    columns = list(spec.columns)
    # A long label wraps in the header: the width follows its longest word, up to 30 characters per line.
    widths = [max(min(len(c.heading), 30), *(len(word) for word in c.heading.split())) for c in columns]
    for j, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j)
        write_text(cell, column.heading)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP_TOP
    count = 0
    for count, raw in enumerate(spec.rows(), start=1):
        for j, (column, item) in enumerate(zip(columns, raw, strict=True), start=1):
            value = column.worded(typed_value(column, item))
            _write_value(ws.cell(row=count + 1, column=j), column, value)
            if count <= _WIDTH_SCAN_ROWS:
                widths[j - 1] = max(widths[j - 1], _shown_length(column, value))
    if count == 0:
        cell = ws.cell(row=2, column=1)
        write_text(cell, spec.empty)
        cell.font = Font(italic=True)
        widths[0] = max(widths[0], len(spec.empty))
    ws.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    if count:
        ws.auto_filter.ref = f"A1:{last}{count + 1}"
    _fit_widths(ws, widths)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape" if len(columns) > 6 else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Page &P / &N"
    if spec.demo:
        ws.sheet_properties.tabColor = "B00020"
        ws.oddHeader.center.text = "Données fictives de démonstration"
        ws.oddHeader.center.color = "B00020"
    return count


def _readme_row(ws: Worksheet, row: int, values: Sequence[Any], font: Font | None = None) -> None:
    if len(values) == 1:  # a line of text spans the sheet's width
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    for j, value in enumerate(values, start=1):
        if value is None or value == "":
            continue
        cell = ws.cell(row=row, column=j)
        if isinstance(value, str):
            write_text(cell, value)
        else:
            cell.value = value
        cell.alignment = _WRAP_TOP
        if font is not None:
            cell.font = font


def _write_readme(
    ws: Worksheet,
    specs: Sequence[TableSpec],
    names: Sequence[str],
    counts: Sequence[int],
    title: str,
    territory: str,
    generated: dt.date | dt.datetime,
    demo_warning: str | None,
    notes: Sequence[str] = (),
) -> None:
    row = 1
    _readme_row(ws, row, [title], Font(bold=True, size=14))
    lines = [f"Territoire : {territory}", f"Document généré le {format_date(generated)}"]
    for line in lines:
        row += 1
        _readme_row(ws, row, [line])
    if demo_warning:
        row += 1
        _readme_row(ws, row, [demo_warning], _DEMO_FONT)
    row += 1
    for line in (MISSING_NOTE, CODES_NOTE, FORMULA_NOTE):
        row += 1
        _readme_row(ws, row, [line])
    if notes:  # what the figures cover (a zone partly outside the loaded départements…), as the report says
        row += 2
        _readme_row(ws, row, ["Remarques"], _BOLD)
        for note in notes:
            row += 1
            _readme_row(ws, row, [note])
    row += 2
    _readme_row(ws, row, ["Feuille", "Contenu", "Source (producteur, fichier, millésime)", "Lignes", "Note"], _BOLD)
    for spec, name, count in zip(specs, names, counts, strict=True):
        row += 1
        note = spec.note
        if spec.demo:
            note = "Données fictives de démonstration. " + note if note else "Données fictives de démonstration."
        # A table whose rows are unknown (« non disponible : … » on its sheet) has no count, never 0 (a review).
        shown = "non disponible" if not count and spec.empty.startswith("non disponible") else count
        _readme_row(ws, row, [name, spec.title, spec.source, shown, note])
        if spec.demo:
            ws.cell(row=row, column=5).font = _DEMO_FONT
    if not specs:
        row += 1
        _readme_row(ws, row, [NO_DATA_TEXT])
    row += 2
    _readme_row(ws, row, ["Colonnes des feuilles"], Font(bold=True, size=12))
    row += 1
    _readme_row(ws, row, ["Feuille", "Libellé de la colonne", "Nom dans le fichier CSV", "Type", "Unité"], _BOLD)
    for spec, name in zip(specs, names, strict=True):
        for column in spec.columns:
            row += 1
            unit = column.unit or ("%" if column.kind == "percent" else "de 0 à 1" if column.kind == "share" else "")
            _readme_row(ws, row, [name, column.label, f"{spec.key}.csv : {column.name}", KIND_LABELS[column.kind],
                                  unit])
    for letter, width in zip("ABCDE", (30, 50, 60, 16, 50), strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4


def write_workbook(
    specs: Sequence[TableSpec],
    path: str | Path,
    *,
    title: str,
    territory: str,
    generated: dt.date | dt.datetime,
    demo_warning: str | None = None,
    notes: Sequence[str] = (),
) -> Path:
    """Write ``specs`` to an ``.xlsx`` workbook at ``path`` (replaced atomically); returns the path.

    Parameters
    ----------
    specs
        Tables, one sheet each, in this order after the « Lisez-moi » sheet.
    path
        Destination file; its folder is created.
    title, territory, generated
        Shown at the top of the « Lisez-moi » sheet.
    demo_warning
        French warning printed in red on the « Lisez-moi » sheet when some
        table holds demonstration data (tables with ``demo=True`` also get a
        red tab and the warning in their printed header).
    notes
        French remarks listed on the « Lisez-moi » sheet under « Remarques ».

    Raises
    ------
    ValueError
        Two specs share a key.
    PipelineError
        The file cannot be written (French message naming it).
    """
    keys = [spec.key for spec in specs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"tables share a key: {repeated}")
    names = sheet_names(specs)
    workbook = Workbook()
    readme = workbook.active
    assert readme is not None  # a new workbook always has one sheet
    readme.title = README_SHEET
    counts = []
    for spec, name in zip(specs, names, strict=True):
        counts.append(_write_table(workbook.create_sheet(title=name), spec))
    _write_readme(readme, specs, names, counts, title, territory, generated, demo_warning, notes)
    # A control character (a name typed with one) is refused by the file's properties: a workbook not written
    # at all, and the Word Trame after it (a review, « CPTS\x01test »).
    workbook.properties.title = ILLEGAL_CHARACTERS_RE.sub("\ufffd", title)
    workbook.properties.creator = "cpts-diagnostic"
    workbook.properties.language = "fr-FR"
    return write_atomically(path, lambda tmp: workbook.save(tmp), "le classeur Excel")


__all__ = ["README_SHEET", "number_format", "sheet_names", "write_text", "write_workbook"]
