"""Charts for the report, as inline SVG (matplotlib, Agg backend), or PNG for the Word document.

Each ``*_chart`` function returns :class:`markupsafe.Markup` holding one
``<svg>`` element (no XML prolog, text kept as text, no timestamp), ready to
be placed in the report context: ``{"title": ..., "svg": population_chart(...)}``.
Each ``*_figure`` function returns the matplotlib figure, which :func:`to_png`
turns into print-quality PNG bytes.

Rules the charts follow, so that readers are not misled:

* count and density axes start at zero; a population curve whose values are
  far from zero uses a visibly broken axis (a zigzag on the axis and
  « axe interrompu ») rather than a silently truncated one;
* labels never overlap: categories with long names are drawn as horizontal
  bars, their labels wrapped;
* colours come from :mod:`pipeline.render.palette` (a level, a profession or
  an establishment group has the same colour in every chart and map);
* numbers are French (decimal comma, narrow no-break space for thousands),
  and a missing value is written « non disponible », never drawn as zero.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import matplotlib

matplotlib.use("Agg")

from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pipeline.render.glyphs import drawable
from pipeline.render.palette import establishment_color, establishment_order, level_color
from pipeline.render.report import MISSING, format_number

BLUE = "#1d3557"
ACCENT = "#c51b7d"
GREY = "#8d99a6"
#: Values at or above this share of the maximum make a zero-based curve unreadable: the axis is broken.
BREAK_RATIO = 0.5
_counter = itertools.count(1)


def _style(ax: Axes, grid_axis: Literal["x", "y"] = "y") -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.spines[["left", "bottom"]].set_color("#9aa5b1")
    ax.tick_params(colors="#333333", labelsize=9)
    ax.grid(axis=grid_axis, color="#e3e8ee", linewidth=0.8)
    ax.set_axisbelow(True)


def _tick_text(value: float) -> str:
    """A tick value with the decimals it needs (2,5 is not written 3)."""
    for decimals in range(4):
        if abs(value * 10**decimals - round(value * 10**decimals)) < 1e-6:
            return format_number(value, decimals)
    return format_number(value, 3)


def _value_axis(axis: object) -> None:
    """Ticks at 1, 2, 5 × 10ⁿ steps, written the French way with just the decimals they need."""
    axis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 5, 10]))  # type: ignore[attr-defined]
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick_text(v)))  # type: ignore[attr-defined]


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _floats(values: Sequence[float | None]) -> list[float]:
    return [float("nan") if _is_missing(v) else float(v) for v in values]  # type: ignore[arg-type]


class Canvas(FigureCanvasAgg):
    """An Agg canvas that draws only when asked to save.

    geopandas ends each ``plot`` with ``canvas.draw_idle()``, which an Agg
    canvas outside a GUI turns into a whole rendering of the figure: a map of
    several layers was drawn once per layer before being drawn for good.
    """

    def draw_idle(self, *args: object, **kwargs: object) -> None:
        pass


def subplots(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure with one axes, outside pyplot (whose import and figure manager cost time and memory)."""
    fig = Figure(figsize=figsize, dpi=100)
    Canvas(fig)
    return fig, fig.add_subplot()


def to_svg(fig: Figure) -> Markup:
    """Serialise a figure to an inline ``<svg>`` element and close it.

    Element ids are prefixed with a per-call counter so that several charts
    can share one HTML page without id collisions.
    """
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cpts"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    prefix = f"g{next(_counter)}-"
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"', text)
    text = re.sub(r'(?<![:\w])href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', text)
    return Markup(text.strip())


def to_png(fig: Figure, dpi: int = 200) -> bytes:
    """PNG bytes of a figure at print resolution (no timestamp), and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white", metadata={"Software": None})
    return buf.getvalue()


# --------------------------------------------------------------------------- population


def _break_marks(ax: Axes) -> None:
    """A zigzag across the bottom of the y axis: the axis does not start at zero."""
    for dy in (0.0, 0.035):
        ax.add_line(Line2D([-0.018, 0.018], [0.015 + dy, 0.045 + dy], transform=ax.transAxes, color="#555555",
                           clip_on=False, linewidth=1.0, gid="axis-break"))
    ax.text(0.0, -0.02, "axe interrompu", transform=ax.transAxes, fontsize=7, color="#555555", ha="right",
            va="top", gid="axis-break-label")


def population_figure(
    years: Sequence[int],
    values: Sequence[float],
    title: str | None = None,
    label: str = "Population municipale",
    ylabel: str = "Habitants",
    series: Mapping[str, tuple[Sequence[int], Sequence[float]]] | None = None,
) -> Figure:
    """Population over time (see :func:`population_chart`)."""
    ys = _floats(values)
    fig, ax = subplots((7.2, 3.4))
    ax.plot(list(years), ys, marker="o", color=BLUE, linewidth=2, label=label)
    for lab, (xs, other) in (series or {}).items():
        ax.plot(list(xs), _floats(other), marker=".", linestyle="--", color=GREY, linewidth=1.3, label=lab)
    for x, y in zip(years, ys, strict=True):
        if not math.isnan(y):
            ax.annotate(format_number(y, 0), (x, y), textcoords="offset points", xytext=(0, 7), ha="center",
                        fontsize=8, color=BLUE)
    everything = [v for v in ys if not math.isnan(v)]
    for _, other in (series or {}).values():
        everything += [v for v in _floats(other) if not math.isnan(v)]
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(v)}"))
    _value_axis(ax.yaxis)
    ax.set_ylabel(ylabel, fontsize=9)
    if everything and min(everything) >= 0:
        low, high = min(everything), max(everything)
        if high > 0 and low >= BREAK_RATIO * high:
            # From zero the curve would be flat: zoom on the values and say so on the axis.
            span = max(high - low, 0.02 * high)
            ax.set_ylim(low - 0.25 * span, high + 0.35 * span)
            _break_marks(ax)
        else:
            ax.set_ylim(0, high * 1.18 if high > 0 else 1)
    else:
        ax.margins(y=0.18)
    if title:
        ax.set_title(drawable(title), fontsize=11, loc="left")
    if series:
        ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return fig


def population_chart(
    years: Sequence[int],
    values: Sequence[float],
    title: str | None = None,
    label: str = "Population municipale",
    ylabel: str = "Habitants",
    series: Mapping[str, tuple[Sequence[int], Sequence[float]]] | None = None,
) -> Markup:
    """Line chart of population over time, as inline SVG.

    The y axis starts at zero unless the lowest value is at least half the
    highest: then it is visibly broken (zigzag, « axe interrompu »).

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
    return to_svg(population_figure(years, values, title, label, ylabel, series))


# --------------------------------------------------------------------------- levels (territoire, département...)


def _value_label(ax: Axes, x: float, y: float, value: float, decimals: int, horizontal: bool) -> None:
    missing = math.isnan(value)
    text = MISSING if missing else format_number(value, decimals)
    if horizontal:
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(3, 0), ha="left", va="center", fontsize=8)
    elif missing:  # on two lines, smaller: as narrow as a figure above its bar, never over the next one's
        ax.annotate(text.replace(" ", "\n", 1), (x, y), textcoords="offset points", xytext=(0, 3), ha="center",
                    va="bottom", fontsize=7, linespacing=1.0)
    else:
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(0, 3), ha="center", va="bottom", fontsize=9)


def supply_figure(
    values: Mapping[str, float | None],
    title: str | None = None,
    ylabel: str = "Densité pour 10 000 habitants",
    decimals: int = 1,
    highlight: str | None = None,
) -> Figure:
    """Bars of one density across territorial levels (see :func:`supply_chart`)."""
    labels = list(values)
    numbers = _floats(list(values.values()))
    fig, ax = subplots((6.4, 3.2))
    heights = [0.0 if math.isnan(v) else v for v in numbers]
    colors = [level_color(lab) for lab in labels]
    bars = ax.bar([textwrap.fill(lab, 16) for lab in labels], heights, color=colors, width=0.6)
    if highlight is not None and highlight in labels:
        bars[labels.index(highlight)].set_edgecolor("#222222")
        bars[labels.index(highlight)].set_linewidth(1.4)
    for bar, v in zip(bars, numbers, strict=True):
        _value_label(ax, bar.get_x() + bar.get_width() / 2, bar.get_height(), v, decimals, horizontal=False)
    top = max(heights, default=0.0)
    _value_axis(ax.yaxis)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)  # bars start at zero
    ax.set_ylabel(ylabel, fontsize=9)
    if title:
        ax.set_title(drawable(title), fontsize=11, loc="left")
    _style(ax)
    return fig


def supply_chart(
    values: Mapping[str, float | None],
    title: str | None = None,
    ylabel: str = "Densité pour 10 000 habitants",
    decimals: int = 1,
    highlight: str | None = None,
) -> Markup:
    """Bar chart comparing a density across territorial levels, as inline SVG.

    Parameters
    ----------
    values
        Level -> value, in display order, e.g. ``{"Territoire": 7.1,
        "Département": 8.9, "Région": 9.6, "France": 8.4}``. Each level has
        its palette colour (the territory stands out in magenta). A missing
        value has no bar and is labelled « non disponible ».
    title, ylabel
        Optional in-chart title, y-axis label.
    decimals
        Decimals of the value labels.
    highlight
        Level whose bar is outlined as well.
    """
    return to_svg(supply_figure(values, title, ylabel, decimals, highlight))


def grouped_supply_figure(
    table: Mapping[str, Mapping[str, float | None]],
    title: str | None = None,
    xlabel: str = "Densité pour 10 000 habitants",
    decimals: int = 1,
) -> Figure:
    """Horizontal grouped bars: profession -> {level -> density} (see :func:`grouped_supply_chart`)."""
    groups = list(table)
    levels = list(dict.fromkeys(level for g in groups for level in table[g]))
    n_levels = max(len(levels), 1)
    bar_h = 0.8 / n_levels
    height = 1.0 + 0.18 * max(len(groups), 1) * max(n_levels, 2)
    fig, ax = subplots((7.4, height))
    top = 0.0
    for j, level in enumerate(levels):
        # First level at the top of each group, in the order of the legend.
        ys = [i + (j - (n_levels - 1) / 2) * bar_h for i in range(len(groups))]
        xs = _floats([table[g].get(level) for g in groups])
        widths = [0.0 if math.isnan(x) else x for x in xs]
        top = max(top, *widths) if widths else top
        ax.barh(ys, widths, height=bar_h * 0.92, color=level_color(level), label=level)
        for y, x, w in zip(ys, xs, widths, strict=True):
            _value_label(ax, w, y, x, decimals, horizontal=True)
    ax.set_yticks(range(len(groups)), [textwrap.fill(g, 22) for g in groups])
    ax.invert_yaxis()  # first group at the top, like a table
    ax.set_xlim(0, top * 1.18 if top > 0 else 1)  # bars start at zero
    _value_axis(ax.xaxis)
    ax.set_xlabel(xlabel, fontsize=9)
    labels, ncols = _legend_layout(levels)
    handles, _ = ax.get_legend_handles_labels()
    legend = ax.legend(handles, labels, fontsize=8, frameon=False, ncols=ncols, loc="lower left",
                       bbox_to_anchor=(0, 1.0))
    if title:
        # Above the legend, however many lines it takes.
        fig.canvas.draw()
        pad = max(legend.get_window_extent().y1 - ax.bbox.y1, 0) * 72 / fig.dpi + 6
        ax.set_title(drawable(title), fontsize=11, loc="left", pad=pad)
    _style(ax, grid_axis="x")
    return fig


#: Characters of legend text (8 pt) that fit on one line above the grouped chart's axes.
LEGEND_LINE = 80


def _legend_layout(levels: Sequence[str]) -> tuple[list[str], int]:
    """Legend labels and columns, one line when they fit, else two wrapped columns: a line of long labels (« Région
    (…, départements chargés : 04, 13) ») widened the saved figure to twice the page, its bars shrunk by half."""
    if sum(len(level) + 5 for level in levels) <= LEGEND_LINE:
        return list(levels), max(len(levels), 1)
    return [textwrap.fill(level, LEGEND_LINE // 2 - 5) for level in levels], 2


def grouped_supply_chart(
    table: Mapping[str, Mapping[str, float | None]],
    title: str | None = None,
    ylabel: str = "Densité pour 10 000 habitants",
    decimals: int = 1,
) -> Markup:
    """Grouped horizontal bars, profession -> {level -> density}, as inline SVG.

    Professions are rows (their names never overlap, long ones are wrapped);
    within a row, one bar per level in the palette's level colours, each
    labelled with its value (« non disponible » when missing). ``ylabel`` is the
    density's label, drawn under the (horizontal) value axis.
    """
    return to_svg(grouped_supply_figure(table, title, ylabel, decimals))


# --------------------------------------------------------------------------- categories (establishments)


def _category_figure(
    counts: Mapping[str, float | None], color: Callable[[object], str], order: list[str], xlabel: str,
    title: str | None, decimals: int,
) -> Figure:
    names = order
    values = _floats([counts[n] for n in names])
    fig, ax = subplots((6.8, 0.9 + 0.34 * max(len(names), 1)))
    widths = [0.0 if math.isnan(v) else v for v in values]
    ax.barh(range(len(names)), widths, color=[color(n) for n in names], height=0.7)
    for i, (v, w) in enumerate(zip(values, widths, strict=True)):
        _value_label(ax, w, i, v, decimals, horizontal=True)
    ax.set_yticks(range(len(names)), [textwrap.fill(n, 26) for n in names])
    ax.invert_yaxis()
    top = max(widths, default=0.0)
    ax.set_xlim(0, top * 1.15 if top > 0 else 1)
    _value_axis(ax.xaxis)
    if decimals == 0:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 5, 10], integer=True))
    ax.set_xlabel(xlabel, fontsize=9)
    if title:
        ax.set_title(drawable(title), fontsize=11, loc="left")
    _style(ax, grid_axis="x")
    return fig


def establishments_figure(counts: Mapping[str, float | None], title: str | None = None,
                          xlabel: str = "Nombre d'établissements") -> Figure:
    """Establishments per group (see :func:`establishments_chart`)."""
    return _category_figure(counts, establishment_color, establishment_order(counts), xlabel, title, 0)


def establishments_chart(counts: Mapping[str, float | None], title: str | None = None,
                         xlabel: str = "Nombre d'établissements") -> Markup:
    """Horizontal bars of establishments per FINESS group, in the groups' palette colours (inline SVG).

    Parameters
    ----------
    counts
        Group -> number of establishments; groups are shown in the order of
        :data:`pipeline.nomenclatures.GROUPES_FINESS`.
    """
    return to_svg(establishments_figure(counts, title, xlabel))
