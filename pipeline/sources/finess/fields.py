"""Field readers of the raw FINESS records: numbers, text, postal code and commune code (no database)."""

from __future__ import annotations

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
