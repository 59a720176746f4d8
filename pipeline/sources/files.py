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

Delimited text (separator, Excel ``sep=`` line, checked CSV reading) is in
:mod:`pipeline.sources.delimited`.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import DataError, french_os_error

UTF8_BOM = b"\xef\xbb\xbf"
#: Bad lines listed in one encoding error (the rest are counted).
MAX_LISTED = 50
#: An accented letter of UTF-8 read as Latin-1 or Windows-1252 and saved as UTF-8 again (« Ã© » for « é », « Ã´ »
#: for « ô », « ÃŽ » for « Î » and « Å“ » for « œ » through Windows-1252, « ï¿½ » for an unreadable character).
ENCODED_TWICE = re.compile("\u00c3[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                           "\u2013\u2014\u2018-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\ufffd]"
                           "|\u00c5[\u0092\u0093\u2019\u201c]|\u00ef\u00bf\u00bd")


def first_listed(items: Sequence[object], limit: int = MAX_LISTED) -> str:
    """« a, b, c » for the first ``limit`` items, « … » after when there are more (a message names a few)."""
    return ", ".join(str(i) for i in items[:limit]) + (" …" if len(items) > limit else "")
#: Largest user file read into memory (members, OD tables, listings): far above any real one.
USER_FILE_MAX_BYTES = 512 * 1024 * 1024
#: French header of an encoding error; the bad lines follow, one per line.
UTF8_ERROR = (
    "Le fichier n'est encodé ni en UTF-8 ni en Windows-1252 (UTF-8 abîmé, ou un autre encodage) ; "
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
        raise DataError(f"Chemin inutilisable : {french_os_error(exc)}{suffix}", path) from None
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


#: Tags of a web page's beginning: a portal's maintenance page may start with neither a doctype nor ``<html>``
#: (a review: « <title>Maintenance</title> » after a blank line was read as an empty Annuaire Santé file).
PAGE_TAGS = (b"<!doctype", b"<html", b"<head", b"<body", b"<title", b"<meta")


def web_page(head: bytes, content_type: str | None = None) -> bool:
    """Whether the first bytes of a file are a web page (a portal's error, login or maintenance page).

    A page starts with markup (``<`` after blanks), or holds one of :data:`PAGE_TAGS` in its first kilobyte; or
    it was served as ``text/html`` and holds markup. No source this tool reads (text tables, JSON, archives)
    starts with ``<``; a real file mislabelled ``text/html`` without any markup is still kept.

    >>> web_page(b"\\n\\n<title>Maintenance</title>"), web_page(b"code|nom\\n"), web_page(b"a|b<c", "text/html")
    (True, False, True)
    """
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") or any(tag in text for tag in PAGE_TAGS):
        return True
    html_type = (content_type or "").split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")
    return html_type and b"<" in text


#: What an Office or OpenDocument file holds, by a member its zip always has (the Excel workbook first), and its
#: French name: a Word document given as a listing was called « un classeur Excel (.xlsx/.ods) ou une archive zip ».
_ZIP_MEMBERS = (("xl/workbook.xml", "xlsx"), ("word/document.xml", "docx"), ("xl/workbook.bin", "xlsb"),
                ("ppt/presentation.xml", "pptx"))
_OPENDOCUMENT_MIMETYPES = {b"application/vnd.oasis.opendocument.spreadsheet": "ods",
                           b"application/vnd.oasis.opendocument.text": "odt"}
_ZIP_NAMES = {"xlsx": "un classeur Excel (.xlsx)", "docx": "un document Word (.docx)",
              "xlsb": "un classeur Excel binaire (.xlsb)", "pptx": "une présentation PowerPoint",
              "ods": "un classeur OpenDocument (.ods)", "odt": "un document OpenDocument (.odt)",
              "opendocument": "un document OpenDocument", "zip": "une archive zip",
              "damaged": "un classeur Excel (.xlsx/.ods) ou une archive zip"}


def zip_kind(data: bytes) -> str | None:
    """What a file is when it is a zip, by its members: a key of :data:`_ZIP_NAMES` (``"xlsx"``, ``"ods"``,
    ``"docx"``…; ``"damaged"`` for a zip that cannot be opened, a workbook cut short as likely as any other;
    ``"zip"`` for another archive), or None when it is no zip."""
    import io
    import zipfile

    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100].strip() if "mimetype" in names else None
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        return "damaged"
    found = next((kind for member, kind in _ZIP_MEMBERS if member in names), None)
    if found is None and mimetype is not None:
        found = next((kind for prefix, kind in _OPENDOCUMENT_MIMETYPES.items() if mimetype.startswith(prefix)),
                     "opendocument")
    return found or "zip"


def binary_kind(data: bytes) -> str | None:
    """A French name for a binary file given where text was expected, or None."""
    head = data[:8]
    if (kind := zip_kind(data)) is not None:
        return _ZIP_NAMES[kind]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "un classeur Excel ancien (.xls)"
    if head.startswith(b"%PDF"):
        return "un document PDF"
    if head.startswith(b"\x1f\x8b"):
        return "une archive compressée gzip"
    return None


#: A line end as the readers count lines: LF, CRLF or a lone CR (see :func:`_one_line_end`).
_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


def _bad_utf8_lines(data: bytes) -> list[tuple[int, str]]:
    """Every line that is not valid UTF-8, with the first bad byte and its column."""
    bad = []
    for number, raw in enumerate(_LINE_ENDS.split(data), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start : exc.start + 1].hex()
            bad.append((number, f"octet 0x{byte} invalide en UTF-8 (colonne {exc.start + 1})"))
    return bad


def _one_line_end(text: str) -> str:
    """Lines ended by « \\n » alone: Windows's « \\r\\n » and the old Macintosh « \\r » (a review: a file of
    « \\r » line ends was read as one line and stopped every reader with an unexpected error)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


#: The UTF-8 of French text's characters beyond ASCII: « À » to « ÿ », the no-break space, « « » », « ° », « œ »,
#: « Œ », « Ÿ », dashes and typographic quotes, « … », « € » (``_windows_1252``: a file holding one is UTF-8 with
#: stray bytes). Narrower than any UTF-8 sequence: Windows-1252 text may pair « É » and a no-break space, C9 A0.
_UTF8_SEQUENCE = re.compile(rb"\xc3[\x80-\xbf]|\xc2[\xa0-\xbf]|\xc5[\x92\x93\xb8]|\xe2\x80[\x93-\xa6]|\xe2\x82\xac")


#: Accented letters of French text, common ones (+2 to a reading) and rarer ones (+1); signs that may stand beside a
#: letter in French text (0). Any other character beyond ASCII beside a letter counts against a reading (-2), as do
#: « ù » elsewhere than in « où », « î » before a vowel and « ô » after « o » (Mac Roman's « Ÿ », « Œ » and « Ù » read
#: by Windows-1252), and so does a letter whose case breaks its word (-3: see :func:`_plausibility`); « € » beside a
#: number counts for a reading (+1), « ¤ » there against it (-2).
_COMMON_LETTERS = frozenset("àâçéèêîôûùœÀÂÇÉÈÊÎÔÛÙŒ")
_RARE_LETTERS = frozenset("ëïüÿäöæËÏÜŸÄÖÆ")
_NEUTRAL_SIGNS = frozenset("«»‘’“”…–—\u00a0\u202f°€·")


def _plausibility(text: str) -> int:
    """How French the characters beyond ASCII of ``text`` read, beside letters (see the sets above)."""
    score = 0
    for match in re.finditer(r"[^\x00-\x7f]", text):
        at, char = match.start(), match.group()
        if char in "€¤":  # a sum: « 12 € », not « 12 ¤ »
            if re.search(r"\d", text[max(at - 2, 0):at] + text[at + 1:at + 3]):
                score += 1 if char == "€" else -2
            continue
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        if not (before.isalpha() or after.isalpha()):
            continue
        beyond = text[at + 2] if at + 2 < len(text) else " "
        # Letters whose case breaks the word: a capital after a lower-case letter (« BlŽone », « DuranceÈ »), a
        # lower-case letter before a capital (« dëAix »), a capital before a capitalised word (« ÇAlpes »).
        if (char.isupper() and before.islower()) or (char.islower() and after.isupper()) or (
                char.isupper() and not before.isalpha() and after.isupper() and beyond.islower()) or (
                char.islower() and before.isupper() and after.isupper()):
            score -= 3
        elif (char in "ùÙ" and before not in "oO") or (char in "îÎ" and after in "aeiouyAEIOUY") or (
                char in "ôÔ" and before in "oO"):
            # « ù » is French only in « où », « î » never before a vowel, « ô » never after « o » (Mac Roman's « Ÿ »,
            # « Œ », « Ù » read as Windows-1252: « L'HAÙ », « Îuvre », « Oô »)
            score -= 2
        elif char in _COMMON_LETTERS:
            score += 2
        elif char in _RARE_LETTERS:
            score += 1
        elif char not in _NEUTRAL_SIGNS:
            score -= 2
    return score


def _windows_1252(data: bytes) -> tuple[str, str] | None:
    """The text of bytes that are not UTF-8 read as Windows-1252, the encoding of Excel's « CSV (séparateur :
    point-virgule) » on Windows (a CPTS's first export: refused before, « réenregistrez-le en CSV UTF-8 »), with
    the encoding used; None when they hold UTF-8 sequences too (a UTF-8 file with a stray byte: read as
    Windows-1252 its accents would turn into « Ã© ») or read as no French text.

    ISO-8859-15 (a Linux or older export) differs from it in eight signs, among them « œ Œ Ÿ € » (« Cœur » read
    « C½ur », « L'HAŸ » « L'HA¾ »), and the old Macintosh encoding in all its accented letters (« é » read « Ž »):
    of the three readings, the one whose characters beyond ASCII read most as French letters beside letters
    (:func:`_plausibility`) is taken, Windows-1252 when it is as good (a review: « L´Escale », an acute accent for
    an apostrophe, read « LŽEscale »).
    """
    if _UTF8_SEQUENCE.search(data):
        return None
    readings = []
    with contextlib.suppress(UnicodeDecodeError):
        readings.append((data.decode("cp1252"), "cp1252"))
    if not re.search(rb"[\x80-\x9f]", data):  # control characters in ISO-8859-15: never in its text
        readings.append((data.decode("iso8859_15"), "iso8859_15"))
    readings.append((data.decode("mac_roman"), "mac_roman"))
    best = max(readings, key=lambda reading: _plausibility(reading[0]))  # the first of equals: Windows-1252
    if len(readings) == 1 and _plausibility(best[0]) <= 0:
        return None  # bytes Windows-1252 leaves undefined, and no French text in the Macintosh reading either
    return best


def _resaved(path: str | Path | None) -> str:
    """How to save the file again: « CSV UTF-8 » (Excel's words), or UTF-8 for a GeoJSON (a review was told to save
    a perimeter as a CSV)."""
    return "UTF-8" if path is not None and Path(path).suffix.lower() in (".geojson", ".json") else "« CSV UTF-8 »"


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
        user files: UTF-8, or Windows-1252 (encoding ``"cp1252"``) when the
        file holds none of the UTF-8 of French text's characters
        (:data:`_UTF8_SEQUENCE`).

    Raises
    ------
    DataError
        UTF-16 text (Excel « Texte Unicode »), a spreadsheet, archive or PDF
        instead of text, NUL bytes, or (without ``fallback``) invalid UTF-8 that is no Windows-1252 either:
        the message lists every bad line (up to :data:`MAX_LISTED`) and the
        error's ``line`` is the first one.
    """
    # Without its byte-order mark, UTF-16 is text with a NUL byte beside each ASCII character (a re-check got
    # « Fichier binaire »).
    half = len(data) // 2
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            half >= 2 and max(data[1::2].count(0), data[0::2].count(0)) > 0.9 * half):
        excel = "" if _resaved(path) == "UTF-8" else " (export « Texte Unicode » d'Excel ?)"
        raise DataError(f"Le fichier est encodé en UTF-16{excel} ; réenregistrez-le en {_resaved(path)}", path, 1)
    kind = binary_kind(data)
    if kind is not None:
        raise DataError(f"Ce fichier est {kind}, pas un fichier texte : enregistrez-le en {_resaved(path)}", path)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = len(_LINE_ENDS.split(data[:nul]))
        raise DataError("Fichier binaire : octet nul (0x00) rencontré ; un fichier texte est attendu", path, line)
    try:
        return DecodedText(_one_line_end(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        if fallback is not None:
            return DecodedText(_one_line_end(data.decode(fallback)), fallback)
    if (legacy := _windows_1252(data)) is not None:
        return DecodedText(_one_line_end(legacy[0]), legacy[1])
    bad = _bad_utf8_lines(data)
    shown = [f"ligne {n} : {msg}" for n, msg in bad[:MAX_LISTED]]
    more = f"\n  … et {len(bad) - MAX_LISTED} autres" if len(bad) > MAX_LISTED else ""
    raise DataError(UTF8_ERROR.replace("« CSV UTF-8 »", _resaved(path)) + "\n  - " + "\n  - ".join(shown) + more,
                    path, bad[0][0])


def read_text_checked(
    path: str | Path,
    *,
    fallback: str | None = None,
    context: str | None = None,
    max_bytes: int | None = USER_FILE_MAX_BYTES,
    workbook: bool = False,
) -> DecodedText:
    """:func:`check_regular_file` then :func:`decode_text` of the whole file.

    ``max_bytes`` (None: no limit) refuses a file too big to be what it claims. With ``workbook``, an Excel
    workbook (``.xlsx``) is read as the CSV text of its one sheet (:func:`pipeline.sources.workbook.sheet_as_csv`,
    encoding ``"xlsx"``) and a LibreOffice one (``.ods``) is refused with what to do.

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
    if workbook:
        from pipeline.sources.workbook import sheet_as_csv

        kind = zip_kind(data)
        if kind in ("xlsx", "damaged"):  # a damaged one is refused by openpyxl, as a workbook
            return DecodedText(sheet_as_csv(data, path), "xlsx")
        if kind == "ods":
            raise DataError("Ce fichier est un classeur LibreOffice (.ods) : enregistrez-le au format Excel (.xlsx) "
                            "ou en « CSV UTF-8 »", path)
    return decode_text(data, path, fallback=fallback)


def read_package_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a small reference file shipped in ``pipeline/data``."""
    from pipeline.config import PACKAGE_DATA

    text = (PACKAGE_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
