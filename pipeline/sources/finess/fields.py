"""Field readers of the raw FINESS records: numbers, text, dates, postal code and commune code (no database)."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from pipeline.geography import normalise_insee_code
from pipeline.sources.finess.geo import insee_code


def number(series: pd.Series) -> np.ndarray:
    """Floats of a text column written with a decimal comma or point (NaN where unreadable)."""
    return pd.to_numeric(series.str.replace(",", ".", regex=False), errors="coerce").to_numpy(dtype=float)


def text(series: pd.Series) -> pd.Series:
    """A text column with its empty values missing (``pd.NA``)."""
    return series.astype("string").replace("", pd.NA)


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: \d{2}:\d{2}(?::\d{2})?)?")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")


def iso_date(value: str) -> str:
    """A date of the file as ISO text (``1979-02-13``): as FINESS writes it, or as a spreadsheet re-saved it —
    « 1979-02-13 00:00:00 », « 13/02/1979 » (day first, as in French; month first when the second number is
    over 12, « 2/13/1979 »), « 13/02/79 » (a past date: 1979, not 2079). Anything else is kept as written (a review:
    « 13/02/1979 » stayed text in the workbook's date column, where « 1979-02-13 » was a date)."""
    text = value.strip()
    if match := _ISO.fullmatch(text):
        numbers = tuple(int(n) for n in match.groups())
    elif match := _SLASHED.fullmatch(text):
        first, second, year = (int(n) for n in match.groups())
        day, month = (second, first) if second > 12 >= first else (first, second)
        if len(match.group(3)) == 2:
            year += 2000 if year <= date.today().year % 100 else 1900
        numbers = (year, month, day)
    else:
        return value
    try:
        return date(*numbers).isoformat()
    except ValueError:  # « 31/02/1979 »: not a date, kept as written
        return value


def dates(series: pd.Series) -> pd.Series:
    """:func:`iso_date` of each value, empty values missing (``pd.NA``)."""
    return text(series).map(lambda v: iso_date(v) if isinstance(v, str) else v).astype("string")


def postcode(structures: pd.DataFrame) -> pd.Series:
    """The postal code: ``codepostal`` (flattened layout), else the head of ``ligneacheminement``."""
    from_line = structures["ligneacheminement"].str.extract(r"^\s*(\d{5})\b", expand=False)
    given = structures["codepostal"].where(structures["codepostal"].str.fullmatch(r"\d{5}"))
    return given.fillna(from_line).astype("string")


def commune_source(structures: pd.DataFrame) -> pd.Series:
    """``cog`` (flattened layout), else the INSEE code made of ``departement`` and ``commune``.

    A ``cog`` that a spreadsheet wrote as a number (``4070`` for ``04070``) gets its leading zero back, as
    the codes of every other input do (:func:`pipeline.geography.normalise_insee_code`).
    """
    built = [insee_code(d, c) for d, c in zip(structures["departement"], structures["commune"], strict=True)]
    cog = structures["cog"].where(structures["cog"] != "")
    # As strings from the start: a column without any ``cog`` (the other layout) would otherwise be float64.
    cog = cog.map(lambda c: (normalise_insee_code(c)[0] or c) if isinstance(c, str) else c).astype("string")
    return cog.fillna(pd.Series(built, index=structures.index, dtype="string"))
