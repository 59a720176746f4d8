"""Text that reaches the map pages: escaping, tooltips, number precision.

All text that comes from data (names, categories) is HTML-escaped in Python
before it reaches the page; tooltips, legends and search boxes display it with
``innerHTML``, so ``<script>`` in a name shows as text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from pipeline.render.report import MISSING_WORDS, format_number


def is_missing(value: Any) -> bool:
    """Whether a scalar is None, NaN or pandas' NA."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def esc(value: Any) -> str:
    """HTML-escape a value from the data (``None``/NaN become an empty string)."""
    return "" if is_missing(value) else html.escape(str(value), quote=True)


def text_only(value: Any) -> str:
    """Escape for text content only (keeps apostrophes searchable in the search box)."""
    return "" if is_missing(value) else html.escape(str(value), quote=False)


def search_names(units: pd.DataFrame) -> dict[str, str]:
    """The name the search box lists for each unit (``code`` → text): its ``nom``, followed by its code where
    another unit of the layer bears the same name. leaflet-search keeps one place per name: a review could not reach
    the uncovered Sigoyer (04207) behind the covered one (05168), nor nine other homonyms of PACA."""
    names = units["nom"].map(text_only)
    codes = units["code"].astype(str)
    label = names.where(~names.duplicated(keep=False), names + " (" + codes + ")")
    return dict(zip(codes, label, strict=True))


def joined(value: Any) -> str:
    """A name or a list of names (a commune claimed by several CPTS) as one string."""
    if isinstance(value, list | tuple | set | np.ndarray):
        return ", ".join(str(v) for v in value)
    return "" if is_missing(value) else str(value)


def auto_decimals(values: Iterable[Any]) -> int:
    """Decimals to show for a column: 0 for integers and large values, 1 from 1 to 100, else 2."""
    arr = np.asarray([v for v in values if not is_missing(v)], dtype=float)
    if arr.size == 0 or np.all(np.mod(arr, 1) == 0):
        return 0
    top = float(np.nanmax(np.abs(arr)))
    return 0 if top >= 100 else 1 if top >= 1 else 2


def tip(title: str | None, rows: list[tuple[str, str]], note: str | None = None) -> str:
    """Tooltip HTML; ``title``, labels and values must already be escaped."""
    out = '<div class="cpts-tip">'
    if title:
        out += f"<b>{title}</b>"
    if rows:
        out += "<table>" + "".join(f'<tr><th>{k}</th><td class="n">{v}</td></tr>' for k, v in rows) + "</table>"
    if note:
        out += f"<div>{note}</div>"
    return out + "</div>"


def number(value: Any, decimals: int = 0, unit: str | None = None) -> str:
    """A figure as the maps show it: French digits, « non disponible » when missing (the report's words; « n.d. »
    read as an unexplained abbreviation in a tooltip, a review)."""
    return format_number(value, decimals, unit, missing=MISSING_WORDS)
