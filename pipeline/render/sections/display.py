"""Display helpers of the profile sections: numbers in French, missing figures as « non disponible »."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipeline.render.report import MISSING, format_number

NOT_AVAILABLE = MISSING


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


#: Units beyond which a per-unit table of the report is bounded (the full table is in the tables).
MAX_UNITS_LISTED = 40
#: Rows kept in a bounded per-unit table.
TOP_UNITS = 15
#: Where every unit's figures are, for the notes of bounded tables.
FULL_TABLE = "unites_profil.csv et la feuille « Profil par commune » de diagnostic.xlsx"
#: Rows beyond which a list a CPTS needs whole (its communes, those under the APL threshold) is bounded: a
#: département's or a région's, never a CPTS's (the largest have some 150 communes).
MAX_LISTED_WHOLE = 200
#: Rows kept then.
TOP_LISTED_WHOLE = 50


def bounded(table: dict[str, object], order: pd.Series, what: str, full: str = FULL_TABLE,
            noun: str = "unités", limit: int = MAX_UNITS_LISTED, top: int = TOP_UNITS) -> dict[str, object]:
    """A per-unit report table, cut to the ``top`` first rows of ``order`` beyond ``limit`` rows.

    Parameters
    ----------
    table
        The report table (``title``, ``data`` already shown, optional ``note``).
    order
        One sort key per row of ``data`` (ascending: the rows to keep first; NaN last).
    what
        French description of the kept rows (« au revenu médian le plus bas »).
    full
        Where the full table is.
    noun
        What a row is (« unités », « lignes »).
    limit, top
        Rows beyond which the table is cut, and rows kept (:data:`MAX_UNITS_LISTED` and :data:`TOP_UNITS`, or
        :data:`MAX_LISTED_WHOLE` and :data:`TOP_LISTED_WHOLE` for a list a CPTS needs whole).
    """
    data = table["data"]
    assert isinstance(data, pd.DataFrame)
    if len(data) <= limit:
        return table
    keep = order.reset_index(drop=True).sort_values(na_position="last").index[:top]
    note = f"Les {top} {noun} {what}, sur {format_number(len(data))} ; toutes sont dans {full}."
    previous = table.get("note")
    return {**table, "title": f"{table['title']} : les {top} {noun} {what} (sur {format_number(len(data))})",
            "data": data.iloc[sorted(keep)].reset_index(drop=True),
            "note": f"{previous} {note}" if previous else note}
