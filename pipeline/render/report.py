"""Self-contained, printable French HTML report (jinja2, autoescaped).

The diagnostic code builds a *context* dictionary and calls :func:`render_report` / :func:`write_report`.
Everything needed to display the page (CSS, SVG charts) is inline: the file opens offline and prints on A4,
each top-level section on a new page, the title and demonstration warning in the top margin, « page X / Y » in
the bottom one (CSS ``@page`` margin boxes: they never cover a table header), table rows never split, headers
repeated, breaking long words (:mod:`pipeline.render.hyphenation`). Each entry of the table of contents carries an
empty ``.page-sommaire`` box that :func:`pipeline.render.pdf.print_pdf` fills with the page number.

Context
-------
``title`` (str)
    Report title, e.g. "Diagnostic territorial – CPTS du Pays dignois".
``subtitle`` (str, optional)
``territory`` (str)
    Territory specification as given by the user (shown in the header).
``generated`` (``datetime.date``/``datetime``/str)
    Generation date, formatted in French.
``demo_data`` (bool)
    When true, the banner "Données fictives de démonstration" is printed at
    the top of the page and of every section, and in the top margin of
    every printed page.
``summary`` (list of str, optional)
    Key-figure paragraphs under the title.
``key_figures`` (list of ``{"label", "value"}``, optional)
    Highlighted figures (value may be a number: French formatting applied).
``sections`` (list of dict)
    Each section: ``title``; optional ``id`` (anchor, derived from the
    title otherwise), ``intro`` (str), ``paragraphs`` (list of str),
    ``tables`` (list of :class:`Table`-like dicts or DataFrames), ``charts``
    (list of ``{"title", "svg", "caption"}``; ``svg`` must come from
    :mod:`pipeline.render.charts`, i.e. be :class:`markupsafe.Markup`, otherwise it
    is escaped), ``images`` (list of ``{"title", "src", "alt", "source"}``,
    placed after the paragraphs: printed maps; ``src`` must be a
    ``data:image/png;base64,`` URI, anything else is dropped), ``links``
    (list of ``{"href", "text"}`` shown after the paragraphs), ``notes``
    (list of str, small print), ``subsections`` (same structure, one level),
    or ``blocks`` (an ordered list of ``{"type": "paragraph"|"table"|"chart"|
    "image"|"links"|"list"|"note", ...}``) to mix content in a chosen order.
``links`` (list of ``{"href", "text"}``, optional)
    Links shown under the title (the interactive maps beside the report);
    only relative links to files and ``http(s)`` links are kept.
``sources`` (list of dict or str)
    Provenance: ``nom``, ``producteur``, ``millesime``, ``url``,
    ``telechargement`` (date), ``licence``, ``note``.

Tables are ``{"title": str, "data": DataFrame, "decimals": int | dict[column,
int], "note": str, "index": bool, "numeric": columns of figures already written
as text}`` or a bare DataFrame. Numbers are written the French way: narrow
no-break space (U+202F) between thousands and a decimal comma; missing values as « non disponible ».
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from pipeline.geography import slugify
from pipeline.render.french_typography import french_spaces_in_html
from pipeline.render.hyphenation import BREAK, hyphenated
from pipeline.render.safe_content import css_string, safe_href, safe_image_source, safe_links

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
NNBSP = "\u202f"
DEMO_BANNER = "Données fictives de démonstration"
#: A missing figure, in tables and running text alike: an abbreviation (« n.d. ») needed a legend under each
#: table and was read « néant » in a sentence (a review of the Word Trame).
MISSING_WORDS = "non disponible"
MISSING = MISSING_WORDS

#: Suggested section titles for a "Trame d'un projet de santé" diagnostic, in order.
TRAME_SECTIONS = [
    "Territoire et population",
    "Taille et financement ACI",
    "Offre de soins",
    "Établissements",
    "Accessibilité",
    "Représentativité",
    "Chevauchements et voisins",
    "Flux de patients",
    "Sources",
]

_MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def format_number(value: Any, decimals: int = 0, unit: str | None = None, missing: str = MISSING) -> str:
    """Format a number the French way.

    Parameters
    ----------
    value
        Number (int, float, numpy or Decimal); ``None``/NaN give ``missing``.
        Non-numeric values are returned as ``str(value)``.
    decimals
        Digits after the decimal comma (half-up rounding).
    unit
        Appended after a narrow no-break space (e.g. ``"%"``, ``"hab."``).
    missing
        Text for missing values.

    Examples
    --------
    >>> format_number(1234567.891, 2)
    '1\u202f234\u202f567,89'
    >>> format_number(0.5, 1, "%")
    '0,5\u202f%'
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return missing
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if isinstance(value, int | np.integer):
        number = Decimal(int(value))
    elif isinstance(value, float | np.floating | Decimal):
        if isinstance(value, float | np.floating) and (math.isnan(value) or math.isinf(value)):
            return missing
        number = Decimal(str(float(value))) if not isinstance(value, Decimal) else value
    else:
        return str(value)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    text = f"{rounded:,.{decimals}f}".replace(",", NNBSP).replace(".", ",")
    if text.startswith("-"):
        text = "\u2212" + text[1:]
    return f"{text}{NNBSP}{unit}" if unit else text


def format_share(value: Any, decimals: int = 1, unit: str = "%", missing: str = MISSING,
                 below: str = f"<{NNBSP}") -> str:
    """:func:`format_number` for a share, a positive one that rounds to 0 written « < 0,1 % » (a review read one
    member of 4 027 nurses as « 1 (0,0 %) »); ``below``: the words before that bound (« moins de » in a sentence).

    >>> format_share(0.0248)
    '< 0,1 %'
    """
    smallest = Decimal(1).scaleb(-decimals)
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_) \
            and math.isfinite(float(value)) and 0 < float(value) < float(smallest) / 2:
        return f"{below}{format_number(float(smallest), decimals, unit)}"
    return format_number(value, decimals, unit, missing)


def format_date(value: Any) -> str:
    """``date``/``datetime`` -> "24 novembre 2026" (strings are returned unchanged)."""
    if isinstance(value, dt.datetime | dt.date):
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {_MONTHS[value.month - 1]} {value.year}"
    return "" if value is None else str(value)


def _is_numeric_dtype(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _default_decimals(series: pd.Series) -> int:
    if pd.api.types.is_integer_dtype(series):
        return 0
    values = pd.to_numeric(series, errors="coerce").dropna()
    if values.empty or bool(np.all(np.mod(values, 1) == 0)):
        return 0
    return 1


#: A comma or semicolon glued to the next word, except a French decimal comma (« 23,8 », « 1 234,56 »).
_LIST_SEPARATOR = re.compile(r"([,;])(?=[^\s,;])(?!(?<=\d,)\d{1,3}(?![\d,]))")


def breakable(text: str) -> Markup:
    """``text`` escaped for HTML, with ``<wbr>`` after each ``,`` or ``;`` glued to the next word: a list without
    spaces (« 13001,13002,…,13016 ») widened its column off the printed page; ``<wbr>`` lets it wrap and, unlike a
    zero-width space (a review found one in a name copied from a cell), adds no character to the text."""
    return Markup(BREAK).join(escape(part) for part in _LIST_SEPARATOR.sub("\\1\x00", text).split("\x00"))


def table_view(table: Any) -> dict[str, Any]:
    """Normalise a table spec (DataFrame or dict) into header/rows of formatted strings.

    Returns
    -------
    dict
        ``title``, ``note``, ``columns`` (list of str), ``headers`` (the
        columns with :func:`hyphenated` words, as shown), ``numeric`` (list of
        bool per column) and ``rows`` (list of lists of str).
    """
    spec: Mapping[str, Any] = {"data": table} if isinstance(table, pd.DataFrame) else table
    frame: pd.DataFrame = spec["data"]
    if spec.get("index", False):
        frame = frame.reset_index()
    decimals = spec.get("decimals")
    columns = [str(c) for c in frame.columns]
    numeric = [_is_numeric_dtype(frame[c]) or str(c) in spec.get("numeric", ()) for c in frame.columns]
    per_col: list[int] = []
    for c in frame.columns:
        if isinstance(decimals, Mapping):
            per_col.append(int(decimals.get(c, _default_decimals(frame[c]))))
        elif decimals is not None:
            per_col.append(0 if pd.api.types.is_integer_dtype(frame[c]) else int(decimals))
        else:
            per_col.append(_default_decimals(frame[c]))
    rows = []
    for record in frame.itertuples(index=False, name=None):
        row = []
        for value, is_num, dec in zip(record, numeric, per_col, strict=True):
            if is_num:
                row.append(format_number(value, dec))
            elif value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
                row.append(MISSING)  # pd.NA of a string column too: « <NA> » in a cell (a review)
            elif isinstance(value, int | float):
                row.append(format_number(value))
            else:
                row.append(breakable(str(value)))
        rows.append(row)
    return {
        "title": spec.get("title"),
        "note": spec.get("note"),
        "columns": columns,
        "headers": [hyphenated(c) for c in columns],
        "numeric": numeric,
        "rows": rows,
        "missing": MISSING,  # wraps in a column of figures (on one line, it pushed a printed table off the page)
    }


def _section_view(section: Mapping[str, Any], used: set[str], level: int = 2) -> dict[str, Any]:
    base = slugify(str(section.get("id") or section["title"]), default="section")
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    blocks: list[dict[str, Any]] = []
    if section.get("intro"):
        blocks.append({"type": "paragraph", "text": section["intro"]})
    for text in section.get("paragraphs", []) or []:
        blocks.append({"type": "paragraph", "text": text})
    if section.get("key_figures"):
        blocks.append({"type": "figures", "items": section["key_figures"]})
    if section.get("links"):
        blocks.append({"type": "links", "items": section["links"]})
    for image in section.get("images", []) or []:
        blocks.append({"type": "image", **image})
    for table in section.get("tables", []) or []:
        blocks.append({"type": "table", "table": table})
    for chart in section.get("charts", []) or []:
        blocks.append({"type": "chart", **chart})
    for block in section.get("blocks", []) or []:
        blocks.append(dict(block))
    for text in section.get("notes", []) or []:
        blocks.append({"type": "note", "text": text})
    for block in blocks:
        if block["type"] == "table":
            spec = block.pop("table", None)
            block["view"] = table_view(spec if spec is not None else block)
        elif block["type"] == "figures":
            block["items"] = _figures(block.get("items"))
        elif block["type"] == "image":
            block["src"] = safe_image_source(block.get("src"))
        elif block["type"] == "links":
            block["items"] = safe_links(block.get("items"))
    return {
        "title": section["title"],
        "id": anchor,
        "level": level,
        "blocks": blocks,
        "subsections": [_section_view(s, used, level + 1) for s in section.get("subsections", []) or []],
    }


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """One environment per process: it keeps the compiled report template (compiling it takes 50–90 ms)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nombre"] = format_number
    env.filters["date_fr"] = format_date
    return env


def _figures(items: Any) -> list[dict[str, str]]:
    out = []
    for item in items or []:
        value = item.get("value")
        if isinstance(value, int | float | np.number | Decimal):
            # A key figure stands alone, without a table's legend: its missing value is written out.
            value = format_number(value, int(item.get("decimals", 0)), item.get("unit"), missing=MISSING_WORDS)
        out.append({"label": str(item.get("label", "")), "value": "" if value is None else str(value)})
    return out


def report_template() -> jinja2.Template:
    """The compiled report template (``make diagnostics`` compiles it before forking its writers)."""
    return _environment().get_template("rapport.html.j2")


def render_report(context: Mapping[str, Any]) -> str:
    """Render the report context (see module docstring) to a complete HTML page."""
    used: set[str] = set()
    sections = [_section_view(s, used) for s in context.get("sections", [])]
    sources = []
    for src in context.get("sources", []) or []:
        item = {"nom": src} if isinstance(src, str) else dict(src)
        url = str(item.get("url") or "")
        # Only web links become clickable (no javascript: or file: URLs).
        item["lien"] = url if url.lower().startswith(("https://", "http://")) else None
        sources.append(item)
    page = (
        report_template()
        .render(
            title=context.get("title", "Diagnostic territorial de la CPTS"),
            print_title=css_string(context.get("title", "Diagnostic territorial de la CPTS")),
            print_demo=css_string(DEMO_BANNER),
            subtitle=context.get("subtitle"),
            territory=context.get("territory"),
            generated=format_date(context.get("generated") or dt.date.today()),
            demo_data=bool(context.get("demo_data", False)),
            demo_banner=DEMO_BANNER,
            summary=context.get("summary", []) or [],
            key_figures=_figures(context.get("key_figures")),
            links=safe_links(context.get("links")),
            sections=sections,
            sources=sources,
            sources_id="sources" if "sources" not in used else "sources-detail",
            version=context.get("version"),
            comparison_link=context.get("comparison_link"),
        )
    )
    # French spacing once on the whole page: the sections' texts, the tables' cells and the template's own words.
    return french_spaces_in_html(page)


def write_report(context: Mapping[str, Any], path: str | Path) -> Path:
    """Render the report and write it (UTF-8) to ``path``; returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(context), encoding="utf-8")
    return out


__all__ = ["DEMO_BANNER", "TRAME_SECTIONS", "Markup", "css_string", "format_date", "format_number", "render_report",
           "report_template", "safe_href", "safe_image_source", "table_view", "write_report"]
