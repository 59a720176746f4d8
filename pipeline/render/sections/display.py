"""Display helpers of the profile sections: numbers in French, missing figures as « non disponible »."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipeline.render.report import format_number

NOT_AVAILABLE = "non disponible"


def cell(value: object, decimals: int = 0, missing: str = NOT_AVAILABLE, unit: str | None = None) -> str:
    """A number in French (« 1 234,5 »), or ``missing`` for NaN/NA/None."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return missing
    return format_number(value, decimals, unit=unit, missing=missing)


def shown(frame: pd.DataFrame, decimals: Mapping[str, int] | None = None, missing: str = NOT_AVAILABLE,
          labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` whose numeric columns are French text, missing values « non disponible ».

    Parameters
    ----------
    frame
        The table (only the columns to show).
    decimals
        Decimals per column (0 by default; booleans become oui/non).
    missing
        Text of a missing value.
    labels
        Column renaming (French headers), applied last.
    """
    decimals = decimals or {}
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.map({True: "oui", False: "non"}).astype(object).where(series.notna(), missing)
        elif pd.api.types.is_numeric_dtype(series):
            out[column] = [cell(v, decimals.get(column, 0), missing) for v in series]
        else:
            out[column] = series.astype(object).where(series.notna(), missing)
    return out.rename(columns=dict(labels or {}))
