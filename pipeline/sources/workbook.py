"""Excel workbooks users hand in where a delimited file is read: the workbook's one sheet, as CSV text.

An ARS keeps its CPTS listing, a CPTS its members and a territory its commune list in a workbook more often than
in a CSV file. The readers of those files (listing, ``ADHERENTS=``, ``FLUX=``, ``TERRITORY=fichier:``) read the
text :func:`sheet_as_csv` makes of it, so that a workbook is read as the same table saved as « CSV UTF-8 »
from Excel would be, and line numbers in messages are the sheet's row numbers.

Only ``.xlsx`` (Office Open XML) is read, by openpyxl. A workbook of several filled visible sheets is refused,
its sheets named: reading one of them would silently leave the others out. The cells' values are read, not
their display: a code cell formatted « 00000 » holds the number 4070, read as 04070 with a note.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pipeline.errors import DataError

#: Separator of the text made of a sheet: the one a French Excel writes.
SHEET_SEPARATOR = ";"

_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x85\v\f]+\s*")


def cell_text(value: object) -> str:
    """A cell's value as the same cell saved in a CSV file reads, for the tool's readers.

    Whole numbers lose their ``.0`` (a code typed as the number 4070 is « 4070 », which the readers restore
    to 04070 with a note, as for a CSV file); a date is ``AAAA-MM-JJ`` (with its time when it has one); a
    boolean is « oui »/« non »; a line break typed in a cell (Alt+Entrée) is one space, so that each sheet
    row stays one line of the text.

    >>> [cell_text(v) for v in (None, 4070, 4070.0, 0.5, True, datetime(2022, 3, 1), "a\\nb")]
    ['', '4070', '4070', '0.5', 'oui', '2022-03-01', 'a b']
    >>> cell_text(1.234)  # four decimals: never read as « 1 234 » with a dot grouping thousands
    '1.2340'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):  # its day: a date cell's format shows no time (a review: « 14:30 » refused)
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        # The readers of volumes and counts refuse « 1.234 » as ambiguous (a dot grouping thousands?); a
        # workbook's number is not ambiguous, and a fourth decimal says it is a decimal point.
        if re.fullmatch(r"-?\d+\.\d{3}", text):
            text += "0"
        return text
    return _LINE_BREAKS.sub(" ", str(value))


def _filled_rows(sheet: Any) -> list[tuple[int, list[str]]]:
    """``(row number, cells as text)`` of the rows of ``sheet`` holding a value, each cut after its last one.

    Streamed, cell by cell: one character typed far below or right of the table (a review: a space in XFD1 made a
    workbook of 2 000 codes run out of memory) widens the sheet's range, not the rows kept.
    """
    rows = []
    sheet.reset_dimensions()  # each row as the file has it, not padded to the range a stray cell widened
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        last = next((i for i in range(len(row) - 1, -1, -1)
                     if row[i] is not None and not (isinstance(row[i], str) and not row[i].strip())), -1)
        if last >= 0:
            rows.append((number, [cell_text(value) for value in row[:last + 1]]))
    return rows


def _holds_formulas(data: bytes) -> bool:
    """Whether a worksheet of the workbook holds a formula element (``<f>``), read from its XML bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(re.search(rb"<(?:\w+:)?f[ >/]", archive.read(name)) for name in archive.namelist()
                   if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _formulas_without_values(data: bytes, title: str, rows: list[tuple[int, list[str]]]) -> list[str]:
    """The cells (« B3 ») of sheet ``title`` holding a formula without a saved value: a workbook written by a
    script (openpyxl, pandas) keeps the formula only, and its cell read as empty gave a message about an empty
    code, not about the formula. ``rows`` are the sheet's values (:func:`_filled_rows`)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    if not _holds_formulas(data):  # most workbooks: no second reading of the sheet
        return []
    values = dict(rows)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)[title]
    sheet.reset_dimensions()
    found = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        saved = values.get(number, [])
        for column, value in enumerate(row):
            formula = (isinstance(value, str) and value.startswith("=")) or type(value).__name__ == "ArrayFormula"
            if formula and not (column < len(saved) and saved[column].strip()):
                found.append(f"{get_column_letter(column + 1)}{number}")
    return found


def sheet_as_csv(data: bytes, path: str | Path | None = None) -> str:
    """The text of a workbook's one filled visible sheet, as ``;``-separated lines, one per sheet row from row 1
    (every cell quoted: a header holding commas is never taken for one of another separator).

    Raises
    ------
    DataError
        A workbook openpyxl cannot read (damaged, password-protected), one with no filled visible sheet, or
        with several (their names listed); filled hidden sheets (a template's lists of values) are left out.
    """
    import openpyxl  # only when a workbook is given: it costs a quarter of a second to import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        filled = [(sheet.title, sheet.sheet_state == "visible", rows) for sheet in book.worksheets
                  if (rows := _filled_rows(sheet))]
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) on a damaged workbook
        raise DataError(f"Classeur Excel illisible ({type(exc).__name__}) : protégé par un mot de passe ou "
                        "endommagé ? Enregistrez-le en « CSV UTF-8 »", path) from exc
    visible = [(title, rows) for title, shown, rows in filled if shown]
    if not visible:
        hidden = ", ".join(f"« {title} »" for title, _, _ in filled)
        raise DataError("Le classeur Excel n'a aucune feuille visible remplie"
                        + (f" (feuilles masquées : {hidden})" if hidden else ""), path)
    if len(visible) > 1:
        names = ", ".join(f"« {title} »" for title, _ in visible)
        raise DataError(f"Le classeur Excel a {len(visible)} feuilles remplies ({names}) : laquelle lire ? Gardez "
                        "dans le classeur la seule feuille du tableau, ou enregistrez-la en « CSV UTF-8 »", path)
    if unvalued := _formulas_without_values(data, visible[0][0], visible[0][1]):
        raise DataError(f"Cellules à formule sans valeur calculée ({', '.join(unvalued[:10])}"
                        + (f" et {len(unvalued) - 10} autres" if len(unvalued) > 10 else "")
                        + ") : le classeur a été écrit par un programme qui n'a pas calculé ses formules ; ouvrez-le "
                        "dans Excel ou LibreOffice et enregistrez-le, ou enregistrez-le en « CSV UTF-8 »", path)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SHEET_SEPARATOR, lineterminator="\n", quoting=csv.QUOTE_ALL)
    line, rows = 0, visible[0][1]
    width = max(len(cells) for _, cells in rows)  # every row as wide as the widest: a CSV file's rows are
    for number, cells in rows:
        out.write("\n" * (number - line - 1))  # the empty rows between: line numbers stay the sheet's rows
        writer.writerow(cells + [""] * (width - len(cells)))
        line = number
    return out.getvalue()
