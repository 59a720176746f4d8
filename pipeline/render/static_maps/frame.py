"""The printed map's frame: projection, extent, title, legend column, scale bar, north arrow, sources.

Every static map is drawn in a projected CRS (Lambert 93, or the DROM's own
CRS, see :func:`pipeline.render.maps.geometry.metric_crs`) so that the scale
bar measures true kilometres. The page is a map on the left and a legend
column on the right, so that no legend ever hides a commune; the title is at
the top, the « Sources : … » line at the bottom, and a red « Données fictives
de démonstration » label when the data are made up. No basemap tiles: the
maps are drawn offline from the layers given.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.patheffects as pe
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.transforms import Bbox
from pyproj import CRS, Transformer

from pipeline.render.charts import Canvas
from pipeline.render.glyphs import drawable
from pipeline.render.maps.geometry import feature_zones, home_zone, in_zone, metric_crs, to_wgs84
from pipeline.render.report import DEMO_BANNER, format_number
from pipeline.render.static_maps.title import figure_renderer, fit_title, left_edge

ImageFormat = Literal["png", "svg"]
#: Print resolution of PNG output; SVG lays text out at 72 dots per inch.
DPI = 200
SVG_DPI = 72
#: Page size in inches (fits the text width of an A4 page at about 1:1).
FIGSIZE = (8.0, 6.2)
#: Text drawn with a white halo so that it stays readable over any fill.
HALO = [pe.withStroke(linewidth=2.2, foreground="white")]
TEXT_COLOR = "#1d2b3a"
#: Gap between the title and the demonstration label (fraction of the figure's width, its rounded box included).
TITLE_GAP = 0.015


@dataclass
class MapFrame:
    """A figure with its map axes, legend axes and CRS.

    Attributes
    ----------
    fig
        The matplotlib figure.
    ax
        Map axes, in the CRS's metres.
    legend_ax
        Empty axes of the legend column.
    crs
        Projected CRS of the map axes.
    extent
        Extent chosen for the map (before widening to the axes' shape).
    labels
        Display boxes of the labels written so far (to avoid overlaps).
    """

    fig: Figure
    ax: Axes
    legend_ax: Axes
    crs: CRS
    extent: tuple[float, float, float, float] | None = None
    labels: list[Bbox] = field(default_factory=list)
    #: The zone drawn, when the layers hold features in several (metropolitan France, an overseas département).
    home: str | None = None

    def fix_extent(self) -> None:
        """Set the chosen extent, widened to the axes' shape (plotting a layer autoscales the axes)."""
        if self.extent is None:
            return
        x0, y0, x1, y1 = self.extent
        width_in, height_in = self.fig.get_size_inches()
        box = self.ax.get_position()
        shape = (box.width * width_in) / (box.height * height_in)
        dx, dy = x1 - x0, y1 - y0
        if dx / dy < shape:  # too narrow: widen
            grow = (dy * shape - dx) / 2
            x0, x1 = x0 - grow, x1 + grow
        else:
            grow = (dx / shape - dy) / 2
            y0, y1 = y0 - grow, y1 + grow
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)

    def project(self, gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        """The layer in the map's CRS (``None`` stays ``None``; empty geometries dropped)."""
        if gdf is None:
            return None
        return to_wgs84(gdf).to_crs(self.crs)


def new_frame(
    layers: Sequence[gpd.GeoDataFrame | None],
    title: str,
    source: str,
    demo_data: bool = False,
    crs: CRS | str | int | None = None,
    extent_from: Sequence[gpd.GeoDataFrame | None] | None = None,
    margin: float = 0.06,
    home_from: gpd.GeoDataFrame | None = None,
) -> MapFrame:
    """Create the figure: title, banner, sources, map axes fitted to ``extent_from`` (default ``layers``).

    Parameters
    ----------
    layers
        Layers used to choose the CRS when ``crs`` is ``None`` (INSEE ``code``
        column first, else the data's location).
    title, source, demo_data
        Title at the top, « Sources : … » line at the bottom, red demo label.
    crs
        Projected CRS to draw in; ``None`` chooses it from ``layers``.
    extent_from
        Layers whose bounds the map shows (plus ``margin`` on each side).
    home_from
        The territory's units: the map shows the zone holding most of them (:func:`~pipeline.render.maps.
        geometry.home_zone`), in that zone's CRS, where the layers reach several (a flow to La Réunion drew
        Paris as a dot on a map of half the planet, with a tilted north arrow and a wrong scale: a review).
    """
    home = home_zone(home_from)
    zones = {zone for g in layers if g is not None and len(g) for zone in feature_zones(g)}
    if home is None or zones <= {home}:
        home = None
    else:
        layers = [in_zone(g, home) for g in layers]
        extent_from = [in_zone(g, home) for g in (extent_from or layers)]
    chosen = CRS.from_user_input(crs) if crs is not None else metric_crs(*layers)
    fig = Figure(figsize=FIGSIZE, dpi=100)
    Canvas(fig)  # text extents (legend stacking, label collisions) need a renderer
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0.015, 0.075, 0.665, 0.80))
    legend_ax = fig.add_axes((0.70, 0.075, 0.29, 0.80))
    legend_ax.set_axis_off()
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="box")  # the extent is widened to the box's shape: no distortion
    right = 0.985
    if demo_data:
        banner = fig.text(0.985, 0.955, DEMO_BANNER, fontsize=9, fontweight="bold", color="white", va="top",
                          ha="right", bbox={"boxstyle": "round,pad=0.35", "facecolor": "#b00020", "edgecolor": "none"})
        # The demonstration label takes the right end of the title line: the title stops before its box.
        right = left_edge(banner, (DPI, SVG_DPI)) - TITLE_GAP
    fit_title(fig.text(0.015, 0.955, "", fontweight="bold", color=TEXT_COLOR, va="top", ha="left"), title, right,
              (DPI, SVG_DPI))
    fig.text(0.015, 0.022, textwrap.fill(source, 150), fontsize=6.5, color="#333333", va="bottom", ha="left")
    frame = MapFrame(fig, ax, legend_ax, chosen, home=home)
    bounds = [g.total_bounds for g in (frame.project(x) for x in (extent_from or layers)) if g is not None and len(g)]
    if bounds:
        minx, miny, maxx, maxy = np.array(bounds).T
        x0, y0, x1, y1 = minx.min(), miny.min(), maxx.max(), maxy.max()
        pad = margin * max(x1 - x0, y1 - y0, 1000.0)
        frame.extent = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        frame.fix_extent()
    return frame


def view_bounds(frame: MapFrame) -> tuple[float, float, float, float]:
    """The map's visible extent (after the equal-aspect adjustment)."""
    frame.fix_extent()
    x0, x1 = frame.ax.get_xlim()
    y0, y1 = frame.ax.get_ylim()
    return x0, y0, x1, y1


def nice_length(target_m: float) -> float:
    """The 1, 2 or 5 × 10ⁿ metres closest below ``target_m`` (at least 100 m)."""
    if target_m <= 100:
        return 100.0
    power = 10 ** math.floor(math.log10(target_m))
    return float(max(m * power for m in (1, 2, 5) if m * power <= target_m))


def _metres_per_legend_unit(frame: MapFrame) -> float:
    """Map metres per unit of the legend column's width (both axes share the figure's pixels)."""
    frame.fix_extent()
    x0, x1 = frame.ax.get_xlim()
    map_px = frame.ax.get_window_extent().width
    legend_px = frame.legend_ax.get_window_extent().width
    return (x1 - x0) / map_px * legend_px


def scale_bar(frame: MapFrame, max_fraction: float = 0.55) -> float:
    """Draw a two-segment scale bar at the bottom of the legend column; return its length in metres.

    Outside the map, it never hides a commune. Its length is the round
    distance (1, 2 or 5 × 10ⁿ m) that fits in ``max_fraction`` of the column.
    """
    metres = _metres_per_legend_unit(frame)
    length = nice_length(max_fraction * metres)
    width = length / metres  # in legend-axes units
    ax, left, bottom, height = frame.legend_ax, 0.02, 0.06, 0.014
    for i in range(2):
        ax.add_patch(Rectangle((left + i * width / 2, bottom), width / 2, height, transform=ax.transAxes,
                               facecolor="#222222" if i == 0 else "white", edgecolor="#222222", linewidth=0.8,
                               clip_on=False, gid=f"scale-bar-{i}"))
    km = length / 1000
    half = km / 2
    labels = ((0.0, "0"), (width / 2, format_number(half, 0 if half == int(half) else 1)),
              (width, f"{format_number(km, 0 if km == int(km) else 1)} km"))
    for dx, text in labels:
        ax.text(left + dx, bottom - 0.008, text, fontsize=7, ha="center", va="top", color="#222222",
                transform=ax.transAxes)
    ax.text(left, bottom + height + 0.012, "Échelle", fontsize=7.5, ha="left", va="bottom", color="#222222",
            transform=ax.transAxes)
    return length


@functools.lru_cache(maxsize=4)
def _transformers(crs: CRS) -> tuple[Transformer, Transformer]:
    """``crs`` → WGS84 and back, made once per process: the three maps of a diagnostic share one CRS, and
    making a transformer looks PROJ's database up (about a tenth of a second for a writer's six)."""
    return Transformer.from_crs(crs, 4326, always_xy=True), Transformer.from_crs(4326, crs, always_xy=True)


def north_arrow(frame: MapFrame) -> float:
    """Draw a north arrow beside the scale bar, turned by the CRS's meridian convergence; return it (°).

    In Lambert 93 the meridians are vertical only at 3° E: the arrow points
    to the true north at the map's centre.
    """
    x0, y0, x1, y1 = view_bounds(frame)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    to_geo, to_map = _transformers(frame.crs)
    lon, lat = to_geo.transform(cx, cy)
    nx, ny = to_map.transform(lon, lat + 0.05)
    angle = math.degrees(math.atan2(nx - cx, ny - cy))  # clockwise from the map's up
    ax = frame.legend_ax
    box = ax.get_window_extent()
    size = 0.07  # of the column's height
    sx = size * box.height / box.width  # same length in the column's width units
    dx, dy = sx * math.sin(math.radians(angle)), size * math.cos(math.radians(angle))
    ax_, ay_ = 0.86, 0.085
    ax.add_patch(FancyArrow(ax_ - dx / 2, ay_ - dy / 2, dx, dy, width=sx * 0.1, head_width=sx * 0.45,
                            head_length=size * 0.4, length_includes_head=True, color="#222222",
                            transform=ax.transAxes, clip_on=False, gid="north-arrow"))
    ax.text(ax_ + dx * 0.6, ay_ + dy * 0.6 + 0.005, "N", fontsize=9, fontweight="bold", ha="center", va="bottom",
            color="#222222", transform=ax.transAxes)
    return angle


def stack_legends(frame: MapFrame, legends: Sequence[tuple[str, Sequence[Artist], Sequence[str]]]) -> list[Legend]:
    """Legend blocks ``(title, handles, labels)`` placed one under the other in the legend column."""
    out: list[Legend] = []
    top = 1.0
    renderer = _renderer(frame)
    for title, handles, labels in legends:
        if not handles:
            continue
        # Names (the perimeter's, its neighbours') without the characters the font lacks, as on the map.
        wrapped = [textwrap.fill(drawable(str(label)), 30, break_on_hyphens=False) for label in labels]
        leg = Legend(frame.legend_ax, list(handles), wrapped, loc="upper left", bbox_to_anchor=(0.0, top),
                     title=textwrap.fill(drawable(title), 32), fontsize=7.5, title_fontsize=8.5, frameon=False,
                     alignment="left", borderaxespad=0.0, handlelength=1.6, labelspacing=0.45)
        frame.legend_ax.add_artist(leg)
        box = leg.get_window_extent(renderer).transformed(frame.legend_ax.transAxes.inverted())
        top = box.y0 - 0.04
        out.append(leg)
    return out


def place_labels(
    frame: MapFrame, items: Sequence[tuple[float, float, str]], fontsize: float = 7.0,
    color: str = TEXT_COLOR, weight: str = "normal", offset: tuple[float, float] = (0.0, 0.0),
    ha: str = "center", taken: list[Bbox] | None = None, within: Sequence[Bbox | None] | None = None,
) -> list[str]:
    """Write labels in priority order, skipping any that would overlap one already written.

    Parameters
    ----------
    items
        ``(x, y, text)`` in map coordinates, most important first.
    offset
        Shift of each label in points.
    taken
        Boxes (display coordinates) already occupied, extended in place;
        default: the frame's labels so far.
    within
        For each item, a display box the label must fit in (``None``: anywhere).

    Returns
    -------
    list of str
        The texts written.
    """
    renderer = _renderer(frame)
    taken = taken if taken is not None else frame.labels
    written: list[str] = []
    x0, y0, x1, y1 = view_bounds(frame)
    for i, (x, y, text) in enumerate(items):
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        # A neighbour's emoji have no glyph: left out, as from the titles (a review: 18 warnings in a batch).
        artist = frame.ax.annotate(drawable(text), (x, y), xytext=offset, textcoords="offset points", fontsize=fontsize,
                                   color=color, fontweight=weight, ha=ha, va="center", zorder=30,
                                   path_effects=HALO, annotation_clip=True)
        box = artist.get_window_extent(renderer).expanded(1.08, 1.15)
        limit = within[i] if within is not None else None
        outside = limit is not None and not (limit.x0 <= box.x0 and box.x1 <= limit.x1 and limit.y0 <= box.y0
                                             and box.y1 <= limit.y1)
        if outside or any(box.overlaps(other) for other in taken):
            artist.remove()
            continue
        taken.append(box)
        written.append(text)
    return written


def render(fig: Figure, image_format: ImageFormat = "png", dpi: int = DPI, path: str | Path | None = None) -> bytes:
    """The figure as PNG (``dpi``) or SVG bytes, reproducible (no date); also written to ``path`` if given."""
    buf = io.BytesIO()
    metadata = {"Software": None} if image_format == "png" else {"Date": None, "Creator": None}
    with matplotlib.rc_context({"svg.hashsalt": "cpts", "svg.fonttype": "none"}):
        fig.savefig(buf, format=image_format, dpi=dpi, facecolor="white", metadata=metadata)
    data = buf.getvalue()
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return data


def _renderer(frame: MapFrame) -> RendererAgg:
    return figure_renderer(frame.fig)


def note_home(frame: MapFrame) -> None:
    """Say, under the map, that it shows one zone of the territory's (see :func:`new_frame`'s ``home_from``)."""
    if frame.home is not None:
        frame.ax.text(0.01, 0.01, f"Carte limitée à : {frame.home} ; ce qui est ailleurs (communes, flux) est dans la "
                      "carte interactive et les tableaux", transform=frame.ax.transAxes, fontsize=6.5,
                      color="#333333", ha="left", va="bottom", zorder=30,
                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 2})
