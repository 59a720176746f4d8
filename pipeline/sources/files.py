"""Shared helpers for the files users and upstream sources hand to the pipeline.

Written once, used by every staging module:

* :func:`check_regular_file` refuses, before anything opens it, a path that
  is not a regular file: a missing file, a broken symbolic link, a directory,
  a named pipe (reading it could block for ever), a character device such as
  ``/dev/zero`` (an endless read) or a socket, each named for what it is.
* :func:`decode_text` turns bytes into text: UTF-8 with or without BOM; a
  named fallback encoding only for sources documented to use one (the
  flattened FINESS layout is ISO-8859-1); otherwise a French
  :class:`~pipeline.errors.DataError` listing the bad lines. UTF-16 exports,
  spreadsheets and other binary files are recognised and named.
* :func:`sniff_delimiter` picks the separator of a header line.
* :func:`read_csv_checked` reads a small delimited file as strings (codes
  keep their leading zeros) with every malformed line reported at once.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError

#: Separators accepted in delimited files, in tie-breaking order.
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
UTF8_BOM = b"\xef\xbb\xbf"
#: Bad lines listed in one encoding error (the rest are counted).
MAX_LISTED = 50
#: Largest user file read into memory (members, OD tables, listings): far above any real one.
USER_FILE_MAX_BYTES = 512 * 1024 * 1024
#: French header of an encoding error; the bad lines follow, one per line.
UTF8_ERROR = (
    "Le fichier n'est pas encodé en UTF-8 (export Excel en Windows-1252 ?) ; "
    "réenregistrez-le en « CSV UTF-8 » :"
)


# --------------------------------------------------------------------------- paths


def check_regular_file(path: str | Path, context: str | None = None) -> Path:
    """Return ``path`` if it names a readable regular file, else raise in French.

    Nothing is opened: a named pipe or ``/dev/zero`` is refused from its
    ``stat`` alone, so the check can neither block nor read without end.
    Symbolic links to regular files are accepted.

    Parameters
    ----------
    path
        Path given by the user or the configuration.
    context
        Where the path comes from, appended to the message in parentheses
        (``"option --flux"`` gives « Fichier introuvable (option --flux) »).

    Raises
    ------
    DataError
        Missing file, broken symbolic link, a component of the path that is
        not a folder, directory, named pipe, character or block device,
        socket, or a file the user may not read. The error's path is ``path``.
    """
    p = Path(path)
    suffix = f" ({context})" if context else ""
    try:
        info = os.stat(p)
    except FileNotFoundError:
        if p.is_symlink():
            target = os.readlink(p)
            raise DataError(f"Lien symbolique cassé : sa cible « {target} » n'existe pas{suffix}", path) from None
        raise DataError(f"Fichier introuvable{suffix}", path) from None
    except NotADirectoryError:
        raise DataError(f"Chemin invalide : un élément du chemin n'est pas un dossier{suffix}", path) from None
    except PermissionError:
        raise DataError(f"Accès refusé : permission insuffisante sur le chemin{suffix}", path) from None
    except OSError as exc:  # ELOOP (symbolic link loop), ENAMETOOLONG...
        raise DataError(f"Chemin inutilisable : {exc.strerror}{suffix}", path) from None
    mode = info.st_mode
    kind = None
    if stat.S_ISDIR(mode):
        kind = "C'est un dossier, pas un fichier"
    elif stat.S_ISFIFO(mode):
        kind = "C'est un tube nommé (FIFO), pas un fichier ordinaire : il n'est pas lu (sa lecture pourrait bloquer)"
    elif stat.S_ISCHR(mode):
        kind = ("C'est un périphérique en mode caractère (comme /dev/zero), pas un fichier ordinaire : "
                "il n'est pas lu")
    elif stat.S_ISBLK(mode):
        kind = "C'est un périphérique en mode bloc (un disque), pas un fichier ordinaire : il n'est pas lu"
    elif stat.S_ISSOCK(mode):
        kind = "C'est une socket, pas un fichier ordinaire : elle n'est pas lue"
    elif not stat.S_ISREG(mode):
        kind = "Ce n'est pas un fichier ordinaire : il n'est pas lu"
    if kind is not None:
        raise DataError(kind + suffix, path)
    if not os.access(p, os.R_OK):
        raise DataError(f"Lecture refusée : permission insuffisante sur le fichier{suffix}", path)
    return p


# --------------------------------------------------------------------------- encodings


@dataclass(frozen=True)
class DecodedText:
    """Text of a file and the encoding it was read with (``utf-8`` or the fallback)."""

    text: str
    encoding: str


def _binary_kind(data: bytes) -> str | None:
    """A French name for a binary file given where text was expected, or None."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return "un classeur Excel (.xlsx/.ods) ou une archive zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "un classeur Excel ancien (.xls)"
    if head.startswith(b"%PDF"):
        return "un document PDF"
    if head.startswith(b"\x1f\x8b"):
        return "une archive compressée gzip"
    return None


def _bad_utf8_lines(data: bytes) -> list[tuple[int, str]]:
    """Every line that is not valid UTF-8, with the first bad byte and its column."""
    bad = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start : exc.start + 1].hex()
            bad.append((number, f"octet 0x{byte} invalide en UTF-8 (colonne {exc.start + 1})"))
    return bad


def decode_text(data: bytes, path: str | Path | None = None, *, fallback: str | None = None) -> DecodedText:
    """Decode a text file's bytes: UTF-8 (BOM dropped), else ``fallback`` if given.

    Parameters
    ----------
    data
        The file's bytes.
    path
        File, for the error messages.
    fallback
        Encoding used when the bytes are not UTF-8, for sources documented to
        use it (``"iso-8859-1"`` for the flattened FINESS layout). None for
        user files: they must be UTF-8.

    Raises
    ------
    DataError
        UTF-16 text (Excel « Texte Unicode »), a spreadsheet, archive or PDF
        instead of text, NUL bytes, or (without ``fallback``) invalid UTF-8:
        the message lists every bad line (up to :data:`MAX_LISTED`) and the
        error's ``line`` is the first one.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            "Le fichier est encodé en UTF-16 (export « Texte Unicode » d'Excel ?) ; "
            "réenregistrez-le en « CSV UTF-8 »", path, 1)
    kind = _binary_kind(data)
    if kind is not None:
        raise DataError(f"Ce fichier est {kind}, pas un fichier texte : enregistrez-le en « CSV UTF-8 »", path)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise DataError("Fichier binaire : octet nul (0x00) rencontré ; un fichier texte est attendu", path, line)
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        if fallback is not None:
            return DecodedText(data.decode(fallback), fallback)
    bad = _bad_utf8_lines(data)
    shown = [f"ligne {n} : {msg}" for n, msg in bad[:MAX_LISTED]]
    more = f"\n  … et {len(bad) - MAX_LISTED} autres" if len(bad) > MAX_LISTED else ""
    raise DataError(UTF8_ERROR + "\n  - " + "\n  - ".join(shown) + more, path, bad[0][0])


def read_text_checked(
    path: str | Path,
    *,
    fallback: str | None = None,
    context: str | None = None,
    max_bytes: int | None = USER_FILE_MAX_BYTES,
) -> DecodedText:
    """:func:`check_regular_file` then :func:`decode_text` of the whole file.

    ``max_bytes`` (None: no limit) refuses a file too big to be what it claims.

    Raises
    ------
    DataError
        See both functions; a file over ``max_bytes``; an unreadable file
        (I/O error).
    """
    p = check_regular_file(path, context)
    size = p.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise DataError(f"Fichier trop gros ({size / 1e6:.0f} Mo, au plus {max_bytes / 1e6:.0f} Mo attendus)", path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"Lecture impossible : {exc.strerror}", path) from exc
    return decode_text(data, path, fallback=fallback)


# --------------------------------------------------------------------------- delimited text


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
    max_bytes
        See :func:`read_text_checked`.

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
    text = read_text_checked(path, fallback=fallback_encoding, context=context, max_bytes=max_bytes).text
    return parse_csv_text(text, path, required, sep, line_column=line_column, malformed=malformed)


def parse_csv_text(
    text: str,
    path: str | Path | None,
    required: list[str],
    sep: str | None = None,
    *,
    line_column: str | None = None,
    malformed: list[tuple[int, str]] | None = None,
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
    end = reader.line_num
    for record in reader:
        start, end = end + 1, reader.line_num
        if not any(value.strip() for value in record):
            continue
        if len(record) != len(header):
            errors.append((start + offset, f"{len(record)} champs au lieu de {len(header)}"))
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
        raise DataError("Lignes mal formées (nombre de champs) :\n  - " + "\n  - ".join(shown) + more,
                        path, errors[0][0])
    frame = pd.DataFrame(rows, columns=[header[i] for i in named], dtype=object)
    if line_column is not None:
        frame[line_column] = pd.Series(lines, dtype="int64")
    return frame


def read_package_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a small reference file shipped in ``pipeline/data``."""
    from pipeline.config import PACKAGE_DATA

    text = (PACKAGE_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
