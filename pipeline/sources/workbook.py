"""Excel workbooks users hand in where a delimited file is read: the workbook's one sheet, as CSV text.

An ARS keeps its CPTS listing, a CPTS its members and a territory its commune list in a workbook more often than
in a CSV file. The readers of those files (listing, ``ADHERENTS=``, ``FLUX=``, ``TERRITORY=fichier:``) read the
text :func:`sheet_as_csv` makes of it, so that a workbook is read exactly as the same table saved as
« CSV UTF-8 » from Excel would be, and line numbers in messages are the sheet's row numbers.

Only ``.xlsx`` (Office Open XML) is read, by openpyxl. A workbook of several non-empty sheets is refused, its
sheets named: reading one of them would silently leave the others out.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

from pipeline.errors import DataError

#: The part every Office Open XML workbook holds (a zip without it is another document or an archive).
WORKBOOK_PART = "xl/workbook.xml"
#: What an OpenDocument spreadsheet's « mimetype » part holds.
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
#: Separator of the text made of a sheet: the one a French Excel writes.
SHEET_SEPARATOR = ";"

_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x85\v\f]+\s*")


def spreadsheet_kind(data: bytes) -> str | None:
    """``"xlsx"`` for an Office Open XML workbook, ``"ods"`` for an OpenDocument spreadsheet (LibreOffice),
    ``"damaged"`` for a zip that cannot be opened (a workbook cut short, as likely as any other zip), None for
    anything else (text, another archive)."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        return "damaged"
    if WORKBOOK_PART in names:
        return "xlsx"
    return "ods" if mimetype.startswith(ODS_MIMETYPE) else None


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
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
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


def sheet_as_csv(data: bytes, path: str | Path | None = None) -> str:
    """The text of a workbook's one non-empty sheet, as ``;``-separated lines, one per sheet row from row 1.

    Raises
    ------
    DataError
        A workbook openpyxl cannot read (damaged, password-protected), one with no non-empty sheet, or
        with several (their names listed).
    """
    import openpyxl  # only when a workbook is given: it costs a quarter of a second to import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) on a damaged workbook
        raise DataError(f"Classeur Excel illisible ({type(exc).__name__}) : protégé par un mot de passe ou "
                        "endommagé ? Enregistrez-le en « CSV UTF-8 »", path) from exc
    sheets = [sheet for sheet in book.worksheets
              if any(value is not None and str(value).strip() for row in sheet.iter_rows(values_only=True)
                     for value in row)]
    if not sheets:
        raise DataError("Le classeur Excel n'a aucune feuille remplie", path)
    if len(sheets) > 1:
        names = ", ".join(f"« {sheet.title} »" for sheet in sheets)
        raise DataError(f"Le classeur Excel a {len(sheets)} feuilles remplies ({names}) : laquelle lire ? Gardez "
                        "dans le classeur la seule feuille du tableau, ou enregistrez-la en « CSV UTF-8 »", path)
    (sheet,) = sheets
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SHEET_SEPARATOR, lineterminator="\n")
    for row in sheet.iter_rows(min_row=1, values_only=True):
        cells = [cell_text(value) for value in row]
        writer.writerow(cells if any(cells) else [])
    return out.getvalue()
