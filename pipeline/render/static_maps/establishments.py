"""Printed map (b): establishments by group, in the palette's colours, with counts in the legend."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from pyproj import CRS

from pipeline.render.maps.base import DEFAULT_SOURCE
from pipeline.render.maps.clusters import count_words, counts_inside, group_of
from pipeline.render.maps.geometry import in_zone, require_columns
from pipeline.render.palette import establishment_color, establishment_order, perimeter_label
from pipeline.render.report import format_number
from pipeline.render.static_maps.frame import (
    DPI,
    ImageFormat,
    new_frame,
    north_arrow,
    note_home,
    render,
    scale_bar,
    stack_legends,
)
from pipeline.render.static_maps.layers import draw_neighbours, draw_perimeter, draw_units, neighbours_label


def marker_size(n: int) -> float:
    """Marker area (points²): smaller as points get denser, so that a thousand stay distinct."""
    return 30.0 if n <= 50 else 16.0 if n <= 300 else 7.0


def establishments_figure(
    perimeter: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None,
    establishments: gpd.GeoDataFrame,
    neighbours: gpd.GeoDataFrame | None = None,
    title: str = "Établissements de santé et médico-sociaux",
    source: str = DEFAULT_SOURCE,
    demo_data: bool = False,
    crs: CRS | str | int | None = None,
) -> Figure:
    """The establishments map as a matplotlib figure (see :func:`establishments_map`)."""
    require_columns(establishments, ["geometry"], "Établissements (carte imprimée)")
    # The extent takes in every establishment, so that the legend's counts are what the map shows.
    frame = new_frame([units, perimeter, establishments], title, source, demo_data, crs,
                      extent_from=[perimeter, units, establishments], home_from=units)
    note_home(frame)
    if frame.home is not None:  # the legend counts what the map shows (a review: 173 counted, 68 drawn)
        establishments, units = in_zone(establishments, frame.home), in_zone(units, frame.home)
    neighbours_handle = draw_neighbours(frame, neighbours)
    draw_units(frame, units)
    perimeter_handle = draw_perimeter(frame, perimeter)
    points = frame.project(establishments)
    assert points is not None
    points = points.set_geometry(points.geometry.representative_point())
    groups = points["groupe"].map(group_of) if "groupe" in points else pd.Series("Autre", index=points.index)
    inside = counts_inside(points, groups)
    order = establishment_order(groups)
    size = marker_size(len(points))
    handles, labels = [], []
    for group in order:
        subset = points[groups == group]
        color = establishment_color(group)
        frame.ax.scatter(subset.geometry.x, subset.geometry.y, s=size, c=color, edgecolors="#222222",
                         linewidths=0.4, alpha=0.9, zorder=12, label=group, gid=f"groupe-{group}")
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=6.5, markerfacecolor=color,
                              markeredgecolor="#222222", markeredgewidth=0.5))
        labels.append(f"{group} ({count_words(len(subset), inside, group)})")
    frame.fix_extent()
    scale_bar(frame)
    north_arrow(frame)
    blocks: list[tuple[str, list[Artist], list[str]]] = [
        (f"Établissements ({format_number(len(points), 0)})", list(handles), labels)]
    # The other CPTS drawn are in the legend, as on the territory map (a review found them drawn, not said).
    context: list[tuple[Artist | None, str]] = [(perimeter_handle, perimeter_label(perimeter)),
               (neighbours_handle, neighbours_label(neighbours) if neighbours is not None else "")]
    if any(handle is not None for handle, _ in context):
        blocks.append(("Repères", [h for h, _ in context if h is not None], [t for h, t in context if h is not None]))
    stack_legends(frame, blocks)
    return frame.fig


def establishments_map(
    perimeter: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None,
    establishments: gpd.GeoDataFrame,
    neighbours: gpd.GeoDataFrame | None = None,
    title: str = "Établissements de santé et médico-sociaux",
    source: str = DEFAULT_SOURCE,
    demo_data: bool = False,
    crs: CRS | str | int | None = None,
    image_format: ImageFormat = "png",
    dpi: int = DPI,
    path: str | Path | None = None,
) -> bytes:
    """Printed map of the establishments by group: PNG (``dpi``) or SVG bytes.

    Parameters
    ----------
    perimeter
        CPTS perimeter polygon(s), EPSG:4326; the map shows its extent; an optional
        ``legende`` names the outline in the legend (:func:`pipeline.render.palette.perimeter_label`).
    units
        Units of the territory (drawn in light grey; ``code`` chooses the CRS).
    establishments
        Points with ``groupe`` (FINESS group: colour from
        :mod:`pipeline.render.palette`; missing → « Autre »). The map's
        extent takes them all in (e.g. those within 10 km of the territory).
    neighbours
        Other CPTS perimeters, outlined.
    title, source, demo_data, crs, image_format, dpi, path
        As in :func:`pipeline.render.static_maps.indicator_map`.
    """
    fig = establishments_figure(perimeter, units, establishments, neighbours, title, source, demo_data, crs)
    return render(fig, image_format, dpi, path)
