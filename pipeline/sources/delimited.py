"""Delimited text users and sources hand to the pipeline, read once the same way everywhere.

* :func:`sniff_delimiter` picks the separator of a header line; :func:`excel_separator` and
  :func:`header_line` honour an Excel « sep=; » first line.
* :func:`read_csv_checked` reads a small delimited file as strings (codes keep their leading
  zeros) with every malformed line reported at once; :func:`parse_csv_text` does it on text
  already decoded (:func:`pipeline.sources.files.read_text_checked`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError
from pipeline.sources.files import MAX_LISTED, USER_FILE_MAX_BYTES, read_text_checked

#: Separators accepted in delimited files, in tie-breaking order.
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")


def plural_fields(count: int) -> str:
    """« 1 champ », « 3 champs » (a review read « 1 champs au lieu de 3 »)."""
    return f"{count} champ{'s' if count > 1 else ''}"


def _outside_quotes(line: str) -> str:
    """``line`` without its double-quoted parts (a quoted ";" separates nothing)."""
    return re.sub(r'"[^"]*"', "", line)


def sniff_delimiter(first_line: str, candidates: tuple[str, ...] = DELIMITERS, default: str = ",") -> str:
    """The separator of a header line: the most frequent candidate outside quotes.

    Ties go to the earlier candidate (``;`` before ``,``: a French export
    writes decimal commas in the data, not in the header). A line with none
    of the candidates (a one-column file) gives ``default``.
    """
    line = _outside_quotes(first_line)
    counts = {d: line.count(d) for d in candidates}
    best = max(candidates, key=lambda d: counts[d])  # max keeps the first of equal counts
    return best if counts[best] > 0 else default


_EXCEL_SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)


def excel_separator(text: str) -> str | None:
    """The separator an Excel « sep=; » first line names (BOM, case and trailing spaces aside), or None.

    Every reader of user CSV files honours and skips that line; their header is then line 2
    (:func:`header_line`).
    """
    found = _EXCEL_SEP_LINE.fullmatch(text.split("\n", 1)[0].lstrip("\ufeff").strip())
    return found.group(1) if found else None


def header_line(text: str) -> int:
    """Line of a CSV text's header: 2 after an Excel « sep=; » line, else 1."""
    return 2 if excel_separator(text) is not None else 1


#: Lines searched for a header below title lines.
_TITLE_SEARCH = 10


def _cells(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])


def title_lines(text: str, is_header: Callable[[list[str]], bool],
                is_data: Callable[[list[str]], bool] | None = None) -> list[str]:
    """The title lines a spreadsheet export writes above a CSV's header (« Liste des communes de la CPTS;; »).

    Within the first lines, the first one ``is_header`` accepts (its cells split by its own separator) is
    the header; the lines above it are titles when each fills at most one cell, or, given ``is_data``, when
    it does not read them as data (« Liste des CPTS, région PACA, 2026 » split by its commas). Empty when the
    first line is the header, when none is found, or when a line above it is data.
    """
    lines = text.split("\n")[:_TITLE_SEARCH]
    for index, line in enumerate(lines):
        line = line.rstrip("\r").lstrip("\ufeff")
        sep = sniff_delimiter(line)
        cells = [cell.strip() for cell in next(csv.reader([line], delimiter=sep), [])]
        if is_header(cells):
            above = [row.rstrip("\r").lstrip("\ufeff") for row in lines[:index]]
            titles = all(sum(1 for cell in _cells(row, sep) if cell.strip()) <= 1
                         or (is_data is not None and not is_data(_cells(row, sep))) for row in above)
            # A title's text without its quotes and empty cells (a review: a workbook's title was said
            # « "Recours aux médecins généralistes 2023";"";"";"" »).
            joint = " " if sep == "\t" else f"{sep} "
            return [joint.join(c.strip() for c in _cells(row, sep) if c.strip()) for row in above] if titles else []
    return []


def read_csv_checked(
    path: str | Path,
    required: list[str],
    sep: str | None = None,
    *,
    fallback_encoding: str | None = None,
    line_column: str | None = None,
    context: str | None = None,
    malformed: list[tuple[int, str]] | None = None,
    max_bytes: int | None = USER_FILE_MAX_BYTES,
    is_header: Callable[[list[str]], bool] | None = None,
    titles: list[tuple[int, str]] | None = None,
    workbook: bool = False,
) -> pd.DataFrame:
    """Read a small delimited text file as strings, checking it thoroughly.

    Parameters
    ----------
    path
        The file.
    required
        Columns that must be present (header names are stripped of spaces and
        BOM; comparison is exact).
    sep
        Separator; by default sniffed from the header among :data:`DELIMITERS`.
        An Excel ``sep=;`` first line is honoured and skipped.
    fallback_encoding
        See :func:`decode_text`.
    line_column
        If given, a column of that name holds each row's physical line number
        in the file (1 is the header).
    context
        See :func:`check_regular_file`.
    malformed
        See :func:`parse_csv_text`.
    max_bytes, workbook
        See :func:`read_text_checked`.
    is_header, titles
        See :func:`parse_csv_text`.

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_csv_text`.

    Raises
    ------
    DataError
        Not a regular file, bad encoding, and every problem of
        :func:`parse_csv_text`.
    """
    text = read_text_checked(path, fallback=fallback_encoding, context=context, max_bytes=max_bytes,
                             workbook=workbook).text
    return parse_csv_text(text, path, required, sep, line_column=line_column, malformed=malformed,
                          is_header=is_header, titles=titles)


def _swallowed_rows(record: list[str], raw: list[str], sep: str) -> str | None:
    """What a quoted field of ``record`` (read from the ``raw`` lines) spans when it holds whole rows of the file —
    « les 2 lignes suivantes » (a continuation line with the separator), « toute la suite du fichier » (a quote
    left open to the end) —, else None: a value written on several lines (« "Digne-les-\nBains" »)."""
    unbalanced = sum(line.count('"') for line in raw) % 2 == 1
    holds_rows = any(sep in part for field in record for part in field.split("\n")[1:])
    if not (unbalanced or holds_rows):
        return None
    rest = len(raw) - 1
    return "toute la suite du fichier" if unbalanced else ("la ligne suivante" if rest == 1
                                                            else f"les {rest} lignes suivantes")


def parse_csv_text(
    text: str,
    path: str | Path | None,
    required: list[str],
    sep: str | None = None,
    *,
    line_column: str | None = None,
    malformed: list[tuple[int, str]] | None = None,
    is_header: Callable[[list[str]], bool] | None = None,
    titles: list[tuple[int, str]] | None = None,
    is_data: Callable[[list[str]], bool] | None = None,
) -> pd.DataFrame:
    """Parse decoded delimited text into a frame of strings.

    Parameters
    ----------
    text
        Decoded file content (:func:`decode_text`).
    path
        File, for the error messages.
    required, sep, line_column
        See :func:`read_csv_checked`.
    malformed
        When a list is given, rows whose number of fields differs from the
        header are appended to it as ``(line, French problem)`` and left out,
        so that the caller reports them with its own problems; otherwise they
        raise.
    is_header
        When given, the header may come after title lines (:func:`title_lines`): they are skipped, each
        appended to ``titles`` (when a list is given) as ``(line, text)``; line numbers stay those of the file.
    is_data
        With ``is_header``: a line above the header that fills several cells is a title when it is not data
        (:func:`title_lines`).

    Returns
    -------
    pandas.DataFrame
        One column per header name, every value a string stripped of
        surrounding spaces (codes keep their leading zeros); an empty cell is
        missing (None). Blank lines are skipped.

    Raises
    ------
    DataError
        Empty file (line 1), duplicated or missing columns (line 1; a hint
        when a single column was read, i.e. the separator differs), and rows
        whose number of fields differs from the header (every such line
        listed, the first one as the error line).
    """
    offset = 0
    excel = excel_separator(text)
    if excel is not None:
        sep = sep or excel
        text = text.split("\n", 1)[1] if "\n" in text else ""
        offset = 1
    skipped = title_lines(text, is_header, is_data) if is_header is not None else []
    if skipped:
        if titles is not None:
            titles.extend((offset + n, title) for n, title in enumerate(skipped, start=1))
        text = text.split("\n", len(skipped))[-1]
        offset += len(skipped)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not text.strip():
        raise DataError("Fichier vide", path, 1 + offset)
    sep = sep or sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = [h.strip().lstrip("\ufeff").strip() for h in next(reader)]
    header_line = 1 + offset
    # Spreadsheets export empty columns after the last one (« a;b;; »): unnamed, they are left out when empty.
    unnamed = [i for i, h in enumerate(header) if not h]
    named = [i for i, h in enumerate(header) if h]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise DataError("Colonnes en double dans l'en-tête : " + ", ".join(duplicated), path, header_line)
    missing = [c for c in required if c not in header]
    if missing:
        hint = f" (une seule colonne lue : le séparateur attendu est « {sep} »)" if len(header) == 1 else ""
        raise DataError("Colonnes absentes : " + ", ".join(missing) + hint, path, header_line)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    errors: list[tuple[int, str]] = []
    raw_lines = text.split("\n")
    end = reader.line_num
    for record in reader:
        start, end = end + 1, reader.line_num
        if not any(value.strip() for value in record):
            continue
        if end > start and (swallowed := _swallowed_rows(record, raw_lines[start - 1:end], sep)):
            # A lone « " » in a cell opens a quoted field that runs over the next rows: they vanished without a
            # word (a re-check: 8 communes read as 7, the 8th inside a comment).
            raise DataError(f"Guillemet « \" » non refermé : le champ qu'il ouvre s'étend sur {swallowed} ; "
                            "doublez-le (« \"\" ») ou retirez-le", path, start + offset)
        if len(record) != len(header):
            errors.append((start + offset, f"{plural_fields(len(record))} au lieu de {len(header)}"))
            continue
        filled = [i + 1 for i in unnamed if record[i].strip()]
        if filled:
            raise DataError(f"Valeur dans une colonne sans nom d'en-tête (colonne n° {filled[0]}) : nommez cette "
                            "colonne dans l'en-tête, ou videz-la", path, start + offset)
        rows.append([record[i].strip() or None for i in named])
        lines.append(start + offset)
    if errors and malformed is not None:
        malformed.extend(errors)
    elif errors:
        shown = [f"ligne {n} : {msg}" for n, msg in errors[:MAX_LISTED]]
        more = f"\n  … et {len(errors) - MAX_LISTED} autres" if len(errors) > MAX_LISTED else ""
        # A title line above the header (« Liste des communes ») is read as a one-column header: every row
        # then has « too many » fields. Say what the first line was taken for.
        hint = (f"\n  La première ligne (« {first_line[:60]} ») a été lue comme l'en-tête : si c'est un titre, "
                "supprimez-la pour que l'en-tête soit la première ligne"
                if len(header) == 1 and len(errors) == len(rows) + len(errors) else "")
        raise DataError("Lignes mal formées (nombre de champs) :\n  - " + "\n  - ".join(shown) + more + hint,
                        path, errors[0][0])
    frame = pd.DataFrame(rows, columns=[header[i] for i in named], dtype=object)
    if line_column is not None:
        frame[line_column] = pd.Series(lines, dtype="int64")
    return frame
