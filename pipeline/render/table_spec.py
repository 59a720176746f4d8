"""Typed description of a table handed to people: columns, French labels, source.

A :class:`TableSpec` couples a DataFrame whose columns carry *machine* names
(kept as is in the CSV files) with one :class:`Column` per column saying how
to present it: French label (XLSX, DOCX, HTML), kind, decimals and unit. The
writers (:mod:`pipeline.render.spreadsheet`, :mod:`pipeline.render.csv_files`,
:mod:`pipeline.render.docx`) only present what the spec says; they compute no
figure.

Kinds
-----
``code``
    INSEE, FINESS, SIREN, postal codes: always text, never a number (a
    leading zero, ``04070``, and Corsican codes, ``2A004``, are kept).
``text``
    Free text (names, labels).
``integer``
    Counts; rounded half-up to a whole number.
``decimal``
    Rounded half-up to ``decimals`` digits.
``percent``
    Percentage *points*: ``12.5`` means 12,5 %.
``share``
    A share between 0 and 1, kept so in the CSV and shown as a percentage to people.
``date``
    ``datetime.date``/``datetime``/``Timestamp`` or ISO ``AAAA-MM-JJ`` text.
``boolean``
    Written « oui » / « non ».

A missing value (``None``, NaN, ``pd.NA``, ``NaT``, an infinite number) is
never written as 0 or « non »: it is an empty cell in XLSX and CSV and
« non disponible » in DOCX and HTML. A cell that does not apply to its
row (the « libéraux » of a row counting MSP) holds :data:`NOT_APPLICABLE`: an
empty cell in XLSX and CSV too (the table's note says which), « sans objet »
in DOCX and HTML, never « non disponible ».
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from pipeline.render.report import MISSING, format_number

ColumnKind = Literal["code", "text", "integer", "decimal", "percent", "share", "date", "boolean"]
KINDS: tuple[str, ...] = get_args(ColumnKind)
NUMERIC_KINDS = frozenset({"integer", "decimal", "percent", "share"})

#: French name of each kind, for the README and the « Lisez-moi » sheet.
KIND_LABELS: dict[str, str] = {
    "code": "code (texte)",
    "text": "texte",
    "integer": "nombre entier",
    "decimal": "nombre décimal",
    "percent": "pourcentage (points)",
    "share": "part de 0 à 1 (en % dans le classeur et la Trame)",
    "date": "date",
    "boolean": "oui / non",
}

#: Text shown for a missing figure in documents read by people (DOCX, HTML).
MISSING_TEXT = MISSING
#: Text shown for a cell that does not apply to its row, in documents read by people (DOCX, HTML).
NOT_APPLICABLE_TEXT = "sans objet"


class NotApplicable:
    """A cell that does not apply to its row; its ``str`` is « sans objet » (the report's ``format_number``)."""

    def __str__(self) -> str:
        return NOT_APPLICABLE_TEXT

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE = NotApplicable()

#: The kinds of unit (``communes.type``) as people read them; the CSV keeps the codes.
UNIT_TYPES = (("commune-actuelle", "commune"), ("arrondissement-municipal", "arrondissement municipal"))

#: Text of the single line of a table without rows (never an empty sheet or file).
NO_DATA_TEXT = "aucune donnée"
TRUE_TEXT, FALSE_TEXT = "oui", "non"

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TRUE_WORDS = frozenset({"oui", "true", "vrai", "yes"})
_FALSE_WORDS = frozenset({"non", "false", "faux", "no"})

CellValue = str | int | float | dt.date | None


@dataclass(frozen=True)
class Column:
    """How one column of a table is presented.

    Parameters
    ----------
    name
        Machine name: the DataFrame column, kept as the CSV header.
    label
        French label shown in XLSX, DOCX and HTML.
    kind
        One of :data:`KINDS` (see the module docstring).
    decimals
        Digits after the decimal separator (``decimal`` and ``percent``).
    unit
        Unit appended to the label, e.g. ``"km²"``, ``"€"``, ``"hab./km²"``.
    values
        French wording of machine values for people (XLSX, DOCX, HTML); the CSV keeps the machine value.
    """

    name: str
    label: str
    kind: ColumnKind
    decimals: int = 0
    unit: str = ""
    values: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r} (expected one of {KINDS})")
        if not isinstance(self.decimals, int) or self.decimals < 0 or self.decimals > 10:
            raise ValueError(f"column {self.name!r}: decimals must be an integer between 0 and 10")
        if not self.name or not self.label.strip():
            raise ValueError("a column needs a machine name and a French label")

    def worded(self, value: CellValue) -> CellValue:
        """``value`` as people read it (:attr:`values`); unchanged without a wording."""
        return dict(self.values).get(value, value) if isinstance(value, str) else value

    @property
    def heading(self) -> str:
        """Label shown to people, with the unit (``%`` for percentages) in brackets unless already there."""
        unit = self.unit or ("%" if self.kind in ("percent", "share") else "")
        if unit and f"({unit})" not in self.label:
            return f"{self.label} ({unit})"
        return self.label


@dataclass(frozen=True, eq=False)
class TableSpec:
    """A table with its presentation: machine frame, typed columns, French title and source.

    Parameters
    ----------
    key
        File and sheet stem (``communes`` -> ``communes.csv``): lower-case
        ASCII letters, digits, ``_`` and ``-``.
    title
        French title (XLSX « Lisez-moi », DOCX caption).
    frame
        Data with machine column names; only the declared columns are written,
        in the order of ``columns``.
    columns
        One :class:`Column` per written column.
    source
        French provenance: producer, file, year (« Insee, populations légales
        2021 »).
    note
        Optional French note (method, caveat).
    sheet
        Optional French sheet name (≤ 31 characters once cleaned); the title
        otherwise.
    demo
        Whether the rows come from demonstration data (the writers say so).
    empty
        The single line of a table without rows: « aucune donnée » by default, « aucune commune candidate »
        where none is an answer, « non disponible : … » where the table could not be computed.

    Raises
    ------
    ValueError
        A declared column is missing from the frame, a name is repeated, the
        key is malformed, no column is declared, or a ``code`` column holds
        numbers (its leading zeros would already be lost).
    """

    key: str
    title: str
    frame: pd.DataFrame
    columns: Sequence[Column]
    source: str
    note: str = ""
    sheet: str = ""
    demo: bool = False
    empty: str = NO_DATA_TEXT

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        if not _KEY.match(self.key):
            raise ValueError(f"table key {self.key!r} must be lower-case ASCII letters, digits, '_' or '-'")
        if not self.columns:
            raise ValueError(f"table {self.key!r} declares no column")
        names = [c.name for c in self.columns]
        doubled = sorted({str(n) for n in self.frame.columns[self.frame.columns.duplicated()]} & set(names))
        if doubled:
            raise ValueError(f"table {self.key!r}: the frame has several columns named {doubled}")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"table {self.key!r}: columns declared twice: {repeated}")
        missing = [n for n in names if n not in self.frame.columns]
        if missing:
            raise ValueError(f"table {self.key!r}: columns absent from the frame: {missing}")
        for column in self.columns:
            series = self.frame[column.name]
            if (
                column.kind == "code"
                and pd.api.types.is_numeric_dtype(series)
                and not pd.api.types.is_bool_dtype(series)
                and series.notna().any()
            ):
                raise ValueError(
                    f"table {self.key!r}: code column {column.name!r} holds numbers ({series.dtype}); "
                    "codes must be strings so that leading zeros are kept"
                )

    def rows(self) -> Iterable[tuple[Any, ...]]:
        """Raw values of the declared columns, row by row, in column order."""
        frame = self.frame[[c.name for c in self.columns]]
        return frame.itertuples(index=False, name=None)


def is_missing(value: Any) -> bool:
    """Whether ``value`` is a missing figure (None, NaN, NA, NaT or an infinite number)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value) or math.isinf(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def round_half_up(value: float | int | Decimal, decimals: int) -> float:
    """Round the way people do (2,5 -> 3), on the shortest decimal writing of ``value``.

    ``3.6169999999999995`` rounded to 2 decimals gives ``3.62``, not
    ``3.6199999999999997``: the result is the float nearest to the rounded
    decimal number.
    """
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(float(value)))
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    result = float(rounded)
    return 0.0 if result == 0 else result


def _number(value: Any) -> float | int | None:
    """A number from ``value`` (numbers and numeric text), ``None`` otherwise."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip().replace("\u202f", "").replace("\xa0", "").replace(",", "."))
        except InvalidOperation:
            return None
        return float(parsed) if parsed.is_finite() else None
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _boolean(value: Any) -> str | None:
    if isinstance(value, bool | np.bool_) or (isinstance(value, int | np.integer) and int(value) in (0, 1)):
        return TRUE_TEXT if value else FALSE_TEXT
    word = value.strip().lower() if isinstance(value, str) else None
    return TRUE_TEXT if word in _TRUE_WORDS else FALSE_TEXT if word in _FALSE_WORDS else None


def _text(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def typed_value(column: Column, value: Any) -> CellValue:
    """The value to store for ``value`` in ``column``: typed, rounded, never a float artefact.

    Returns
    -------
    str, int, float, datetime.date or None
        ``None`` for a missing value; ``str`` for codes, text and booleans
        (« oui »/« non »); ``int`` for integers; ``float`` rounded half-up to
        ``column.decimals`` for decimals and percentages; ``date`` for dates.
        A value that does not fit its kind (text in a numeric column) is
        returned as text, unchanged, rather than guessed. A
        :data:`NOT_APPLICABLE` cell is ``None`` too (empty in CSV and XLSX).
    """
    if is_missing(value) or isinstance(value, NotApplicable):
        return None
    kind = column.kind
    if kind in ("code", "text"):
        return _text(value)
    if kind in NUMERIC_KINDS:
        number = _number(value)
        if number is None:
            return _text(value)
        if kind == "integer":
            return int(round_half_up(number, 0)) if isinstance(number, float) else number
        return round_half_up(number, column.decimals)
    if kind == "date":
        day = _date(value)
        return day if day is not None else _text(value)
    boolean = _boolean(value)
    return boolean if boolean is not None else _text(value)


def display_text(column: Column, value: Any) -> str:
    """``value`` written the French way for a document read by people (DOCX, HTML).

    Numbers get a narrow no-break space between thousands and a decimal
    comma (percentages and shares in percentage points, the heading
    carrying « (%) »: :attr:`Column.heading`), dates ``JJ/MM/AAAA``, missing values
    :data:`MISSING_TEXT`, cells that do not apply to their row :data:`NOT_APPLICABLE_TEXT`.
    """
    if isinstance(value, NotApplicable):
        return NOT_APPLICABLE_TEXT
    typed = column.worded(typed_value(column, value))
    if typed is None:
        return MISSING_TEXT
    if isinstance(typed, dt.date):
        return typed.strftime("%d/%m/%Y")
    # Percentages and shares as percentage points without « % »: the column's heading says « (%) » once
    # (« 1,51 % » under « Taux d'évolution annuel moyen (%) » said it twice).
    if isinstance(typed, int | float) and column.kind == "share":  # 0.801 is read « 80,1 », as in the report
        return format_number(typed * 100, max(column.decimals - 2, 0))
    if isinstance(typed, int | float) and column.kind in NUMERIC_KINDS:
        return format_number(typed, 0 if column.kind == "integer" else column.decimals)
    return str(typed)


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def columns_markdown(specs: Iterable[TableSpec]) -> str:
    """Markdown table of every column: file, machine name (CSV), French label (XLSX/DOCX), kind, unit.

    Meant for the README: the correspondence between the CSV headers and the
    spreadsheet labels is generated from the specs, so it cannot drift.
    """
    lines = [
        "| Fichier CSV | Colonne (CSV) | Libellé (XLSX, DOCX) | Type | Unité |",
        "|---|---|---|---|---|",
    ]
    for spec in specs:
        for column in spec.columns:
            unit = column.unit or ("%" if column.kind == "percent" else "de 0 à 1" if column.kind == "share" else "")
            cells = [f"`{spec.key}.csv`", f"`{column.name}`", column.label, KIND_LABELS[column.kind], unit]
            lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


__all__ = [
    "KINDS", "KIND_LABELS", "MISSING_TEXT", "NOT_APPLICABLE",
    "NOT_APPLICABLE_TEXT", "NO_DATA_TEXT", "UNIT_TYPES", "CellValue", "Column", "ColumnKind", "NotApplicable",
    "TableSpec", "columns_markdown", "display_text", "is_missing", "round_half_up", "typed_value",
]
