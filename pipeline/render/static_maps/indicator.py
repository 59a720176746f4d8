"""Printed map (a): the territory's units coloured by an indicator, classified legend, neighbours outlined."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from pyproj import CRS

from pipeline.render.maps.base import DEFAULT_SOURCE
from pipeline.render.maps.classes import choropleth
from pipeline.render.maps.geometry import in_zone, require_columns
from pipeline.render.palette import NEIGHBOUR_COLOR, perimeter_label
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
from pipeline.render.static_maps.layers import (
    draw_neighbours,
    draw_perimeter,
    draw_units,
    neighbours_label,
    unit_names,
)


def indicator_figure(
    perimeter: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    column: str,
    label: str,
    neighbours: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    source: str = DEFAULT_SOURCE,
    demo_data: bool = False,
    k: int = 5,
    scheme: str = "FisherJenks",
    crs: CRS | str | int | None = None,
    names: bool = True,
    decimals: int | None = None,
    threshold: float | None = None,
) -> Figure:
    """The indicator map as a matplotlib figure (see :func:`indicator_map`)."""
    require_columns(units, ["geometry", column], "Unités (carte imprimée)")
    frame = new_frame([units, perimeter], title or label, source, demo_data, crs, extent_from=[perimeter, units],
                      home_from=units)
    note_home(frame)
    if frame.home is not None:  # the legend's classes are those of the units drawn (a review: one of La Réunion)
        units = in_zone(units, frame.home)
    classes = choropleth(units[column], k=k, scheme=scheme, decimals=decimals, threshold=threshold)
    draw_neighbours(frame, neighbours)
    draw_units(frame, units, classes.colors)
    perimeter_handle = draw_perimeter(frame, perimeter)
    if names:
        unit_names(frame, units)
    frame.fix_extent()
    scale_bar(frame)
    north_arrow(frame)
    keys: list[Artist] = [Patch(facecolor=c, edgecolor="#999999", linewidth=0.5) for c, _ in classes.legend]
    blocks: list[tuple[str, list[Artist], list[str]]] = [(label, keys, [lab for _, lab in classes.legend])]
    context_handles: list[Artist] = []
    context_labels: list[str] = []
    if perimeter_handle is not None:
        context_handles.append(perimeter_handle)
        context_labels.append(perimeter_label(perimeter))
    if neighbours is not None and len(neighbours):
        context_handles.append(Patch(facecolor="none", edgecolor=NEIGHBOUR_COLOR, linestyle=(0, (4, 3))))
        context_labels.append(neighbours_label(neighbours))
    blocks.append(("Repères", context_handles, context_labels))
    stack_legends(frame, blocks)
    return frame.fig


def indicator_map(
    perimeter: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    column: str,
    label: str,
    neighbours: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    source: str = DEFAULT_SOURCE,
    demo_data: bool = False,
    k: int = 5,
    scheme: str = "FisherJenks",
    crs: CRS | str | int | None = None,
    names: bool = True,
    decimals: int | None = None,
    image_format: ImageFormat = "png",
    threshold: float | None = None,
    dpi: int = DPI,
    path: str | Path | None = None,
) -> bytes:
    """Printed map of an indicator by unit: PNG (``dpi``) or SVG bytes.

    Parameters
    ----------
    perimeter
        CPTS perimeter polygon(s), EPSG:4326; an optional ``legende`` names the outline in the legend
        (:func:`pipeline.render.palette.perimeter_label`).
    units
        One row per unit: geometry, the ``column`` to map, optional ``code``
        (chooses the CRS: Lambert 93 or the DROM's), ``nom`` and
        ``population`` (unit names are written, most populated first, when
        there are at most 40 units and ``names`` is true).
    column, label
        Indicator column and its French label (legend title).
    neighbours
        Other CPTS perimeters (``nom``), outlined in dashes and named.
    title, source, demo_data
        Title (default: ``label``), « Sources : … » line, demo label.
    k, scheme
        Classes (:func:`pipeline.render.maps.classify`); missing values are
        grey, « Donnée non disponible ».
    crs
        Projected CRS to draw in (default: chosen from the data).
    names
        Write the units' names.
    decimals
        Decimals of the legend's bounds (default :func:`~pipeline.render.maps.text.auto_decimals`): those of the
        tables, so that a value shown « 2,04 » is not read in a class « 0,4 – 2,0 » (a review).
    threshold
        A value that starts one of the classes (:func:`pipeline.render.maps.classes.with_break_at`).
    image_format, dpi, path
        Output format, PNG resolution, and a file to write as well.
    """
    fig = indicator_figure(perimeter, units, column, label, neighbours, title, source, demo_data, k, scheme, crs,
                           names, decimals, threshold)
    return render(fig, image_format, dpi, path)
