"""CSV files for people and their spreadsheets: one file per table, stable machine column names.

Layout: UTF-8 with a byte-order mark (Excel then reads the accents right),
``,`` separator, ``\\r\\n`` line ends (RFC 4180), a header line with the
machine names of :class:`~pipeline.render.table_spec.Column`, no index.

* Text, codes, booleans (« oui »/« non ») and dates (``AAAA-MM-JJ``) are
  quoted, so a spreadsheet opening the file keeps ``04070`` as text; numbers
  are bare, rounded per column (``3.62``, never ``3.6169999999999995``),
  with a ``.`` decimal point.
* A missing value is an empty, unquoted field.
* Text that a spreadsheet could run as a formula (``=``, ``+``, ``-``, ``@``,
  tab, carriage return first) is prefixed with ``'``; a negative number in a
  numeric column stays a number.
* A table without rows still has its header and one line « aucune donnée ».
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

from pipeline.render.atomic import write_atomically
from pipeline.render.formulas import neutralise_formula
from pipeline.render.table_spec import CellValue, Column, TableSpec, typed_value

ENCODING = "utf-8-sig"
SEPARATOR = ","
LINE_END = "\r\n"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def csv_field(column: Column, value: CellValue) -> str:
    """One CSV field for an already typed ``value`` of ``column``."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return _quoted(value.isoformat())
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if column.kind == "integer" or (column.decimals == 0 and value.is_integer()):
            return str(int(value))
        return f"{value:.{column.decimals}f}"
    return _quoted(neutralise_formula(value))


def csv_text(spec: TableSpec) -> str:
    """The whole CSV text of ``spec`` (without the byte-order mark)."""
    columns = list(spec.columns)
    lines = [SEPARATOR.join(_quoted(c.name) for c in columns)]
    for raw in spec.rows():
        fields = [csv_field(c, typed_value(c, v)) for c, v in zip(columns, raw, strict=True)]
        lines.append(SEPARATOR.join(fields))
    if len(lines) == 1:
        lines.append(SEPARATOR.join([_quoted(neutralise_formula(spec.empty))] + [""] * (len(columns) - 1)))
    return LINE_END.join(lines) + LINE_END


def write_csv(spec: TableSpec, path: str | Path) -> Path:
    """Write ``spec`` as CSV at ``path`` (replaced atomically); returns the path.

    Raises
    ------
    PipelineError
        The file cannot be written (French message naming it).
    """
    text = csv_text(spec)

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding=ENCODING, newline="") as handle:
            handle.write(text)

    return write_atomically(path, write, f"le fichier CSV « {spec.key} »")


def write_csv_files(specs: Sequence[TableSpec], folder: str | Path) -> list[Path]:
    """Write each spec to ``folder/<key>.csv``; returns the paths in order.

    Raises
    ------
    ValueError
        Two specs share a key (they would overwrite each other).
    PipelineError
        A file cannot be written.
    """
    keys = [spec.key for spec in specs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"tables share a key: {repeated}")
    return [write_csv(spec, Path(folder) / f"{spec.key}.csv") for spec in specs]


__all__ = ["ENCODING", "csv_field", "csv_text", "write_csv", "write_csv_files"]
