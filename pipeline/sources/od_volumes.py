"""Volumes of a ``FLUX=`` table as a person or a spreadsheet writes them (:mod:`pipeline.sources.od_table`).

« 1 234 », « 1234,5 » and « 12.5 » are read; « 1.234 » is refused when nothing in the file tells whether its
dot groups thousands (French) or is a decimal point.
"""

from __future__ import annotations

import re

#: « 1.234 », « 12.500.000 »: a dot grouping thousands, or a decimal point with three decimals.
_DOT_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
#: A dot that can only be a decimal point: « 0.5 », « 12.25 », « 3.1416 ».
_DOT_DECIMAL = re.compile(r"\d+\.(?:\d{1,2}|\d{4,})|0\.\d+")


def _without_spaces(text: str) -> str:
    """``text`` without the spaces a person or a spreadsheet puts between thousands."""
    return re.sub(r"[\s\u00a0\u202f]", "", text)


def ambiguous_volumes(texts: list[str]) -> set[int]:
    """Positions of the volumes whose dot may group thousands (« 1.234 »), when no volume of the file shows
    the dot to be its decimal point: read as 1,234, a French « 1.234 » (1 234) would lose three digits."""
    stripped = [_without_spaces(t) for t in texts]
    if any(_DOT_DECIMAL.fullmatch(t) for t in stripped):
        return set()
    return {i for i, t in enumerate(stripped) if _DOT_GROUPED.fullmatch(t)}


def parse_volume(text: str) -> float | None:
    """The number written ``text`` (spaces of thousands removed, decimal comma or point), None if none."""
    cleaned = _without_spaces(text).replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None
