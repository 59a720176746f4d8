"""Printed map (c): the main patient flows as curved arrows whose width follows the volume."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path as MplPath
from pyproj import CRS

from pipeline.render.maps.arrows import curved
from pipeline.render.maps.base import DEFAULT_SOURCE
from pipeline.render.maps.flows import FLOW_TITLES, flow_home, prepare_flows
from pipeline.render.maps.geometry import in_zone
from pipeline.render.maps.text import auto_decimals
from pipeline.render.palette import FLOW_COLORS, FLOW_OTHER_COLOR, perimeter_label
from pipeline.render.report import format_number
from pipeline.render.static_maps.frame import (
    DPI,
    ImageFormat,
    new_frame,
    north_arrow,
    note_home,
    place_labels,
    render,
    scale_bar,
    stack_legends,
)
from pipeline.render.static_maps.layers import draw_perimeter, draw_units

#: Line widths (points) of the smallest and the largest flow.
MIN_WIDTH, MAX_WIDTH = 0.8, 7.0


def flow_width(volume: float, top: float) -> float:
    """Line width in points: grows with the square root of the volume (area-like perception)."""
    if math.isnan(volume) or volume <= 0 or top <= 0:
        return MIN_WIDTH
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * math.sqrt(volume / top)


def flows_figure(
    flows: gpd.GeoDataFrame,
    perimeter: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    title: str = "Principaux flux de patients",
    source: str = DEFAULT_SOURCE,
    demo_data: bool = False,
    top_labels: int = 6,
    volume_label: str = "Volume",
    crs: CRS | str | int | None = None,
) -> Figure:
    """The flow map as a matplotlib figure (see :func:`flows_map`)."""
    f = prepare_flows(flows, MAX_WIDTH)
    frame = new_frame([units, perimeter, f], title, source, demo_data, crs, extent_from=[perimeter, units, f],
                      margin=0.08, home_from=flow_home(units, flows) if units is not None and len(units) else None)
    if frame.home is not None:  # the flows to another zone are in the table, not drawn across an ocean
        f = in_zone(f, frame.home)
    draw_units(frame, units)
    perimeter_handle = draw_perimeter(frame, perimeter)
    lines = curved(f, crs=frame.crs).to_crs(frame.crs)  # bent in the printed map's own projection
    top = float(np.nanmax(f["_volume"])) if f["_volume"].notna().any() else 0.0
    decimals = auto_decimals(f["_volume"])
    # Widest first, so that thin flows are drawn on top.
    for (_, row), geom in zip(f.iterrows(), lines.geometry.values, strict=True):
        width = flow_width(row["_volume"], top)
        arrow = FancyArrowPatch(path=MplPath(np.asarray(geom.coords)), arrowstyle="-|>",
                                mutation_scale=6 + 2.2 * width, linewidth=width, joinstyle="miter",
                                color=FLOW_COLORS.get(row["_sens"], FLOW_OTHER_COLOR), alpha=0.85, zorder=14,
                                gid=f"flux-{row['_sens'] or 'autre'}")
        frame.ax.add_patch(arrow)
    outside = frame.project(gpd.GeoDataFrame(f[["_key", "_outside", "_volume"]],
                                             geometry=gpd.points_from_xy(f["_olon"], f["_olat"]), crs=4326))
    assert outside is not None
    frame.ax.scatter(outside.geometry.x, outside.geometry.y, s=14, c="#333333", edgecolors="white", linewidths=0.6,
                     zorder=16)
    frame.fix_extent()
    # Names of the main outside communes first, then the volumes of the largest flows at their middles.
    named = outside.drop_duplicates("_key").head(top_labels)
    place_labels(frame, [(p.x, p.y, str(n)) for p, n in zip(named.geometry, named["_outside"], strict=True)],
                 fontsize=7.2, weight="bold", offset=(5, 0), ha="left")
    middles = [np.asarray(g.coords)[len(g.coords) // 2] for g in lines.geometry.values[:top_labels]]
    volumes = f["_volume"].to_numpy()[:top_labels]
    place_labels(frame, [(x, y, format_number(v, decimals)) for (x, y), v in zip(middles, volumes, strict=True)
                         if v == v], fontsize=6.8, color="#333333")
    scale_bar(frame)
    north_arrow(frame)
    note_home(frame)
    sens = [s for s in ("sortant", "entrant") if (f["_sens"] == s).any()]
    blocks = [("Sens des flux", [Line2D([], [], color=FLOW_COLORS[s], linewidth=3) for s in sens],
               [FLOW_TITLES[s] + (" (habitants soignés ailleurs)" if s == "sortant" else
                                  " (patients extérieurs)") for s in sens])]
    if top > 0:
        samples = [v for v in (top, top / 4, top / 16) if v > 0]
        blocks.append((f"{volume_label} (épaisseur)", [Line2D([], [], color="#555555", solid_capstyle="butt",
                                                              linewidth=flow_width(v, top)) for v in samples],
                       [format_number(v, decimals) for v in samples]))
    context = [(perimeter_handle, perimeter_label(perimeter))] if perimeter_handle is not None else []
    context.append((Line2D([], [], marker="o", linestyle="", markerfacecolor="#333333", markeredgecolor="white"),
                    "Commune hors du territoire (nommée : principaux flux)"))
    blocks.append(("Repères", [h for h, _ in context], [lab for _, lab in context]))
    stack_legends(frame, blocks)
    return frame.fig


def flows_map(
    flows: gpd.GeoDataFrame,
    perimeter: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    title: str = "Principaux flux de patients",
    source: str = DEFAULT_SOURCE,
    demo_data: bool = False,
    top_labels: int = 6,
    volume_label: str = "Volume",
    crs: CRS | str | int | None = None,
    image_format: ImageFormat = "png",
    dpi: int = DPI,
    path: str | Path | None = None,
) -> bytes:
    """Printed map of the main flows: PNG (``dpi``) or SVG bytes.

    Parameters
    ----------
    flows
        As for :func:`pipeline.render.maps.flow_map`: lines from origin to
        destination, ``volume``, ``sens``, ``origine``, ``destination``,
        ``nom_origine``, ``nom_destination``.
    perimeter, units
        CPTS perimeter (outline; an optional ``legende`` names it in the
        legend) and its units (light grey; ``code`` chooses the CRS).
    top_labels
        Number of outside communes named and of flows labelled with their
        volume, largest flows first (labels that would overlap are left out).
    volume_label
        Wording of the volume in the legend (« Recours annuels modélisés »...).
    title, source, demo_data, crs, image_format, dpi, path
        As in :func:`pipeline.render.static_maps.indicator_map`.
    """
    fig = flows_figure(flows, perimeter, units, title, source, demo_data, top_labels, volume_label, crs)
    return render(fig, image_format, dpi, path)
