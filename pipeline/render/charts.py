"""Charts for the report, as inline SVG (matplotlib, Agg backend).

Each function returns :class:`markupsafe.Markup` holding one ``<svg>`` element
(no XML prolog, text kept as text, no timestamp), ready to be placed in the
report context: ``{"title": ..., "svg": population_chart(...)}``. Axis labels
and numbers are French (decimal comma, narrow no-break space for thousands).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pipeline.render.report import format_number

BLUE = "#1d3557"
ACCENT = "#c51b7d"
GREY = "#8d99a6"
_counter = itertools.count(1)


def _style(ax: plt.Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.spines[["left", "bottom"]].set_color("#9aa5b1")
    ax.tick_params(colors="#333333", labelsize=9)
    ax.grid(axis="y", color="#e3e8ee", linewidth=0.8)
    ax.set_axisbelow(True)


def _french_axis(decimals: int) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: format_number(v, decimals))


def to_svg(fig: Figure) -> Markup:
    """Serialise a figure to an inline ``<svg>`` element and close it.

    Element ids are prefixed with a per-call counter so that several charts
    can share one HTML page without id collisions.
    """
    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cpts"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    prefix = f"g{next(_counter)}-"
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"', text)
    text = re.sub(r'(?<![:\w])href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', text)
    return Markup(text.strip())


def population_chart(
    years: Sequence[int],
    values: Sequence[float],
    title: str | None = None,
    label: str = "Population municipale",
    ylabel: str = "Habitants",
    series: Mapping[str, tuple[Sequence[int], Sequence[float]]] | None = None,
) -> Markup:
    """Line chart of population over time.

    Parameters
    ----------
    years, values
        Main series (e.g. census years and population of the territory).
    title
        Optional title drawn in the chart (the report usually gives a caption).
    label, ylabel
        Legend label of the main series and y-axis label (French).
    series
        Extra series: label -> (years, values), drawn in grey dashes.
    """
    fig, ax = plt.subplots(figsize=(7.2, 3.4), dpi=100)
    ax.plot(list(years), list(values), marker="o", color=BLUE, linewidth=2, label=label)
    for lab, (xs, ys) in (series or {}).items():
        ax.plot(list(xs), list(ys), marker=".", linestyle="--", color=GREY, linewidth=1.3, label=lab)
    for x, y in zip(years, values, strict=True):
        ax.annotate(
            format_number(y, 0), (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8, color=BLUE
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(v)}"))
    ax.yaxis.set_major_formatter(_french_axis(0))
    ax.set_ylabel(ylabel, fontsize=9)
    ax.margins(y=0.18)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    if series:
        ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return to_svg(fig)


def supply_chart(
    values: Mapping[str, float],
    title: str | None = None,
    ylabel: str = "Densité pour 10 000 habitants",
    decimals: int = 1,
    highlight: str | None = None,
) -> Markup:
    """Bar chart comparing a density across territorial levels.

    Parameters
    ----------
    values
        Level -> value, in display order, e.g. ``{"Territoire": 7.1,
        "Département": 8.9, "Région": 9.6, "France": 8.4}``. NaN bars are
        left empty and labelled "n.d.".
    title, ylabel
        Optional in-chart title, y-axis label.
    decimals
        Decimals of the value labels.
    highlight
        Level drawn in the accent colour (default: the first one).
    """
    labels = list(values)
    numbers = [float(v) if v is not None else float("nan") for v in values.values()]
    highlight = highlight if highlight is not None else (labels[0] if labels else None)
    colors = [ACCENT if lab == highlight else BLUE for lab in labels]
    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=100)
    heights = [0.0 if v != v else v for v in numbers]
    bars = ax.bar(labels, heights, color=colors, width=0.6)
    for bar, v in zip(bars, numbers, strict=True):
        ax.annotate(
            format_number(v, decimals),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=9,
        )
    ax.yaxis.set_major_formatter(_french_axis(0 if max(heights, default=0) >= 10 else 1))
    ax.set_ylabel(ylabel, fontsize=9)
    ax.margins(y=0.15)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    _style(ax)
    return to_svg(fig)


def grouped_supply_chart(
    table: Mapping[str, Mapping[str, float]],
    title: str | None = None,
    ylabel: str = "Densité pour 10 000 habitants",
    decimals: int = 1,
) -> Markup:
    """Grouped bars: profession -> {level -> density} (e.g. médecins, infirmiers...)."""
    groups = list(table)
    levels = list(dict.fromkeys(level for g in groups for level in table[g]))
    palette = [ACCENT, BLUE, "#457b9d", GREY, "#a8dadc"]
    width = 0.8 / max(len(levels), 1)
    fig, ax = plt.subplots(figsize=(7.4, 3.4), dpi=100)
    for j, level in enumerate(levels):
        xs = [i + (j - (len(levels) - 1) / 2) * width for i in range(len(groups))]
        ys = [float(table[g].get(level, float("nan"))) for g in groups]
        ax.bar(xs, [0 if y != y else y for y in ys], width=width, color=palette[j % len(palette)], label=level)
    ax.set_xticks(range(len(groups)), groups)
    ax.yaxis.set_major_formatter(_french_axis(decimals if decimals < 2 else 1))
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(fontsize=8, frameon=False, ncols=min(len(levels), 4))
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    _style(ax)
    return to_svg(fig)
