"""Total rows of an origin–destination table (``FLUX=``): a pivot table's totals are not consultations (the
label test, :func:`is_total`, also refuses a total row of a CPTS listing)."""

from __future__ import annotations

import re

import pandas as pd

from pipeline.geography import ascii_fold

#: A total or subtotal in place of a commune or a profession (« Total », « Sous-total », « Ensemble », « Total
#: général »), as a pivot table exports it: its consultations are those of the rows it sums. Reviews: per-origin
#: subtotals in the destination column were read as consultations gone to an unknown destination (28 % of the
#: residents'), and « Total » in the profession column as a profession.
TOTAL_LABEL = re.compile(r"(?:sous )?tota(?:l|ux)(?: general)?|ensemble|somme|tous|toutes")
#: The table's own columns (:mod:`pipeline.sources.od_table`); the others only describe a row.
OWN_COLUMNS = frozenset({"ligne", "volume", "origine", "destination", "profession"})


def is_total(text: str) -> bool:
    """Whether a cell holds a total's label (:data:`TOTAL_LABEL`), case, accents and punctuation aside."""
    return TOTAL_LABEL.fullmatch(re.sub(r"[^a-z]+", " ", ascii_fold(text).lower()).strip()) is not None


def totals_beside_empty_codes(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Per row of ``frame`` (the table's text cells), ``{column: label}`` of a describing column holding a total's
    label where both codes are empty (« Total » in a libellé column, a workbook's last row), else ``{}``: a total
    too, not a row of invalid codes (a review got a reserve on the figures for it)."""
    found: list[dict[str, str]] = [{} for _ in range(len(frame))]
    described = [c for c in frame.columns if c not in OWN_COLUMNS]
    if not described:
        return found
    empty = _blank(frame["origine"]) & _blank(frame["destination"])
    for position in empty.to_numpy().nonzero()[0]:
        row = frame.iloc[position]
        if (column := next((c for c in described if is_total(str(row[c] or ""))), None)) is not None:
            found[position] = {str(column): str(row[column])}
    return found


def _blank(cells: pd.Series) -> pd.Series:
    """Whether each cell is empty (None, NaN or blanks)."""
    return cells.isna() | (cells.astype(str).str.strip() == "")
