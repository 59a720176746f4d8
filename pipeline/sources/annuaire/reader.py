"""Strict reader of pipe-separated extraction files: columns by name, every line checked.

Reading is done by :mod:`pyarrow.csv` (multithreaded, only the wanted columns
kept) after one streaming pass over the bytes that checks the encoding. Every
problem is a French :class:`DataError` naming the file and the line:

* bytes that are not UTF-8;
* a line with more or fewer fields than the header (a value holding a
  ``|``, a line cut short…): columns are never silently shifted;
* a carriage return alone inside a value (it would split the line in two).

Blank lines are skipped. Values are trimmed; an empty value is missing.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipeline.errors import DataError
from pipeline.sources.files import ENCODED_TWICE, binary_kind, web_page

SEPARATOR = "|"
_CHUNK = 16 << 20
_BLOCK = 16 << 20


def encoding_message() -> str:
    return (
        "Le fichier n'est pas encodé en UTF-8 (octets invalides, fichier enregistré en Latin-1/Windows-1252 ?) : "
        "réenregistrez-le en UTF-8"
    )


def read_header(path: Path, shown: str) -> list[str]:
    """The header line split on ``|`` (names trimmed, byte-order mark dropped)."""
    with open(path, "rb") as handle:
        raw = handle.readline()
        handle.seek(0)
        head = handle.read(1024)
    if web_page(head):  # a portal's page saved in place of the extraction (a review: read as an empty file)
        raise DataError("Ce fichier est une page web (HTML), pas une extraction texte de l'Annuaire Santé : la page "
                        "a été enregistrée au lieu du fichier ; téléchargez à nouveau l'extraction", shown, 1)
    if not raw.strip():
        raise DataError("Le fichier est vide : la ligne d'en-tête est absente" if not head.strip() else
                        "La première ligne est vide : la ligne d'en-tête est attendue en première ligne", shown, 1)
    # A binary file is named for what it is, not taken for a Latin-1 text (a review); UTF-16 text has null bytes
    # too, and is said as such.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError("Le fichier est encodé en UTF-16 (« Texte Unicode ») : réenregistrez-le en UTF-8", shown, 1)
    kind = binary_kind(raw) or ("un fichier binaire (octet nul)" if b"\x00" in raw else None)
    if kind is not None:
        raise DataError(f"Ce fichier est {kind}, pas une extraction texte de l'Annuaire Santé "
                        "(PS_LibreAcces_Personne_activite_….txt, ou l'archive .zip publiée)", shown, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(encoding_message(), shown, 1) from exc
    return [name.strip() for name in text.lstrip("\ufeff").rstrip("\r\n").split(SEPARATOR)]


def column_key(name: str) -> str:
    """How column names are compared: case and runs of spaces ignored (« Code  profession » = « Code profession »)."""
    return " ".join(name.split()).casefold()


def has_column(header: list[str], name: str) -> bool:
    return column_key(name) in {column_key(h) for h in header}


def check_header(header: list[str], required: list[str], shown: str, what: str) -> None:
    """Refuse a header read with the wrong separator, or missing required columns (all listed)."""
    if len(header) == 1:
        raise DataError(
            f"Une seule colonne lue dans l'en-tête du {what} : le séparateur attendu est « {SEPARATOR} » "
            f"(en-tête lu : « {header[0][:80]} »)",
            shown,
            1,
        )
    missing = [c for c in required if not has_column(header, c)]
    quoted = [h for h in header if len(h) >= 2 and h[0] == h[-1] == '"']
    if missing and quoted and all(has_column([h[1:-1] for h in quoted], c) or has_column(header, c)
                                  for c in required):
        # The names are there, in quotes: a re-export. The real files have no quotes (and hold « " » in values).
        raise DataError(
            f"Colonnes du {what} entre guillemets (en-tête lu : « {quoted[0]} »…) : l'extraction de l'Annuaire Santé "
            "s'écrit sans guillemets ; reprenez le fichier publié ou réexportez-le sans guillemets",
            shown,
            1,
        )
    twice = [h for h in header if ENCODED_TWICE.search(h)]
    if missing and twice:
        # « Code secteur d'activitÃ© »: UTF-8 read as Latin-1 and saved as UTF-8 again (a review: refused as if
        # the columns were absent).
        raise DataError(
            f"En-tête du {what} encodé deux fois (« {twice[0][:60]} ») : le fichier UTF-8 a été relu comme du "
            "Latin-1 puis réenregistré ; reprenez le fichier publié", shown, 1
        )
    if missing:
        raise DataError(
            f"Colonnes obligatoires absentes du {what} : " + ", ".join(f"« {c} »" for c in missing), shown, 1
        )



def _whole_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield ``(number of the first line, bytes made of whole lines)`` over the file."""
    carry = b""
    first_line = 1
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_CHUNK)
            if not block:
                if carry:
                    yield first_line, carry
                return
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            whole, carry = data[:cut], data[cut:]
            yield first_line, whole
            first_line += whole.count(b"\n")


def _valid_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, checked by Arrow without building a Python string (4 times faster)."""
    try:
        pa.array([data], pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


def scan_bytes(path: Path, shown: str) -> list[int]:
    """Check the whole file's bytes; return the numbers of its blank lines.

    Raises
    ------
    DataError
        Invalid UTF-8, or a carriage return alone inside a line, naming the line.
    """
    decoder = codecs.getdecoder("utf-8")
    blanks: list[int] = []
    for first_line, whole in _whole_lines(path):
        if not _valid_utf8(whole):
            try:
                decoder(whole)
            except UnicodeDecodeError as exc:
                raise DataError(encoding_message(), shown, first_line + whole[: exc.start].count(b"\n")) from exc
        if b"\r" in whole and whole.count(b"\r") != whole.count(b"\r\n") + (1 if whole.endswith(b"\r") else 0):
            for offset, line in enumerate(whole.split(b"\n")):
                if b"\r" in line.rstrip(b"\r"):
                    raise DataError(
                        "Retour chariot isolé à l'intérieur d'une ligne (valeur sur plusieurs lignes ?) : "
                        "la ligne serait coupée en deux",
                        shown,
                        first_line + offset,
                    )
        if whole.startswith((b"\n", b"\r\n")) or b"\n\n" in whole or b"\n\r\n" in whole:
            for offset, line in enumerate(whole.split(b"\n")[:-1]):
                if not line.strip(b"\r"):
                    blanks.append(first_line + offset)
    return blanks


def line_fingerprints(path: Path) -> np.ndarray:
    """A 64-bit fingerprint of every line of the file, indexed by line number - 1 (header included).

    Two lines with the same bytes (a final carriage return aside) have the same fingerprint; the
    converse holds but for hash collisions, which a caller rules out by comparing the values read.
    """
    parts: list[np.ndarray] = []
    for _first, whole in _whole_lines(path):
        lines = whole.split(b"\n")
        if whole.endswith(b"\n"):
            lines.pop()
        parts.append(np.fromiter((hash(line.rstrip(b"\r")) for line in lines), dtype=np.int64, count=len(lines)))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _first_bad_field_count(path: Path, expected: int) -> tuple[int, int] | None:
    """``(line, fields found)`` of the first data line whose field count is not ``expected``."""
    sep = SEPARATOR.encode()
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip(b"\r\n")
            if number == 1 or not line:
                continue
            found = line.count(sep) + 1
            if found != expected:
                return number, found
    return None


def _unique_names(header: list[str]) -> list[str]:
    return [f"c{index}" for index in range(len(header))]


def _blank_to_null(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _to_pandas(column: pa.ChunkedArray, categorical: bool) -> pd.api.extensions.ExtensionArray | pd.Categorical:
    """Trimmed values, empty -> missing; a categorical (few distinct values) or a ``string`` array."""
    if not categorical:
        return pd.arrays.ArrowStringArray(_blank_to_null(column))
    # Encode first, then trim the (few) distinct values and map the codes onto the trimmed ones
    # (blank -> missing, « 01001 » and « 01001 » with a space -> one category).
    encoded = column.combine_chunks().dictionary_encode()
    trimmed = _blank_to_null(encoded.dictionary).to_numpy(zero_copy_only=False)
    remap, categories = pd.factorize(trimmed, use_na_sentinel=True)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    row_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(remap) else -1, -1)
    return pd.Categorical.from_codes(row_codes.astype(np.int32), categories=pd.Index(list(categories), dtype="str"))


def read_columns(
    path: Path, shown: str, header: list[str], wanted: dict[str, str], categorical: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Read the columns ``wanted`` (source name -> staged name) of a pipe-separated file.

    Returns
    -------
    pandas.DataFrame
        ``ligne`` (int64, 1-based line in the file, header = 1) then one
        column per wanted name, in the order of ``wanted`` (all missing when
        absent from the header): ``category`` for the staged names in
        ``categorical`` (few distinct values), ``string`` otherwise; values
        trimmed, empty -> missing. Blank lines are dropped.

    Raises
    ------
    DataError
        Invalid UTF-8, wrong number of fields, lone carriage return (with the
        line), duplicated wanted column, no data line.
    """
    positions: dict[str, int] = {}
    for source in wanted:
        where = [i for i, name in enumerate(header) if column_key(name) == column_key(source)]
        if len(where) > 1:
            raise DataError(f"Colonne « {source} » présente {len(where)} fois dans l'en-tête", shown, 1)
        if where:
            positions[source] = where[0]
    blanks = scan_bytes(path, shown)
    names = _unique_names(header)
    bad: list[str] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(row.text)
        return "skip"

    include = [names[i] for i in positions.values()] or [names[0]]
    with path.open("rb") as file:  # the header alone, without its end of line: nothing for Arrow to skip
        file.readline()
        if not file.read(1):
            raise DataError("Le fichier ne contient aucune ligne de données après l'en-tête", shown, 2)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_BLOCK, use_threads=True),
            parse_options=pacsv.ParseOptions(
                delimiter=SEPARATOR,
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=include,
                column_types=dict.fromkeys(include, pa.string()),
                strings_can_be_null=False,
                check_utf8=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise DataError(f"Lecture impossible : {str(exc).splitlines()[0]}", shown) from exc
    if bad:
        found = _first_bad_field_count(path, len(header))
        line = found[0] if found is not None else None
        seen = f", {found[1]} trouvés" if found is not None else ""
        plural = f" ({len(bad)} lignes dans ce cas)" if len(bad) > 1 else ""
        raise DataError(
            f"Nombre de champs incorrect : {len(header)} attendus d'après l'en-tête{seen}{plural} "
            "(ligne tronquée ou décalée, ou « | » à l'intérieur d'une valeur ?)",
            shown,
            line,
        )
    lines = np.arange(2, table.num_rows + 2, dtype="int64")
    # Columns are converted one at a time and released, so that the raw text never sits twice in memory.
    columns = {source: table.column(names[index]) for source, index in positions.items()}
    del table
    frame = pd.DataFrame({"ligne": lines})
    for source, staged in wanted.items():
        if source in columns:
            frame[staged] = _to_pandas(columns.pop(source), staged in categorical)
        elif staged in categorical:
            frame[staged] = pd.Categorical.from_codes(np.full(len(frame), -1), categories=pd.Index([], dtype="str"))
        else:
            frame[staged] = pd.array([pd.NA] * len(frame), dtype="string")
    # Arrow keeps freed blocks for reuse; hand them back before the rest of the staging allocates.
    pa.default_memory_pool().release_unused()
    if blanks:
        frame = frame[~frame["ligne"].isin(blanks)].reset_index(drop=True)
    if frame.empty:
        raise DataError("Le fichier ne contient aucune ligne de données après l'en-tête", shown, 2)
    _refuse_repeated_header(frame, header, positions, wanted, shown)
    return frame


def _refuse_repeated_header(frame: pd.DataFrame, header: list[str], positions: dict[str, int],
                            wanted: dict[str, str], shown: str) -> None:
    """Refuse a data line that repeats the header (two files put end to end): read as a row, it counted as one
    professional of an unknown profession « Code profession » (a review), and the parts may be two extractions."""
    read = [(wanted[source], header[index].strip()) for source, index in positions.items()][:2]
    if not read:
        return
    repeated = np.ones(len(frame), dtype=bool)
    for staged, name in read:
        column = frame[staged]
        if isinstance(column.dtype, pd.CategoricalDtype) and name not in column.cat.categories:
            return  # compared on the few categories: no cost on a national file
        repeated &= (column == name).fillna(False).to_numpy(dtype=bool)
    if repeated.any():
        line = int(frame["ligne"].to_numpy()[np.argmax(repeated)])
        raise DataError("L'en-tête est répété dans les données (fichiers mis bout à bout ?) : chargez une seule "
                        "extraction, ou retirez cette ligne si les parties viennent de la même extraction", shown, line)
