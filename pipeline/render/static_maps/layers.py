"""Layers several static maps share: units, perimeter, neighbouring CPTS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox
from shapely.geometry import box

from pipeline.render.palette import NEIGHBOUR_COLOR, PERIMETER_COLOR
from pipeline.render.static_maps.frame import MapFrame, place_labels, view_bounds

UNIT_EDGE = "#ffffff"
#: Borders between units on a plain (not classified) fill.
PLAIN_EDGE = "#c4c4c4"
PLAIN_FILL = "#eeeeee"


def draw_units(frame: MapFrame, units: gpd.GeoDataFrame | None, colors: list[str] | str = PLAIN_FILL,
               edge: str | None = None, linewidth: float = 0.4) -> None:
    """Units (communes, arrondissements) filled with ``colors`` (one per row, or one for all).

    Borders are white between classified fills, light grey on the plain fill.
    """
    edge = edge or (PLAIN_EDGE if isinstance(colors, str) else UNIT_EDGE)
    projected = frame.project(units)
    if projected is None or not len(projected):
        return
    projected.plot(ax=frame.ax, color=colors, edgecolor=edge, linewidth=linewidth, zorder=2)


def draw_perimeter(frame: MapFrame, perimeter: gpd.GeoDataFrame | None) -> Line2D | None:
    """The CPTS perimeter as a thick outline; returns its legend handle."""
    projected = frame.project(perimeter)
    if projected is None or not len(projected):
        return None
    projected.boundary.plot(ax=frame.ax, color=PERIMETER_COLOR, linewidth=2.2, zorder=10)
    return Line2D([], [], color=PERIMETER_COLOR, linewidth=2.2)


def draw_neighbours(frame: MapFrame, neighbours: gpd.GeoDataFrame | None) -> Patch | None:
    """Other CPTS outlined in dashes, named when their name fits; returns the legend handle."""
    projected = frame.project(neighbours)
    if projected is None or not len(projected):
        return None
    projected.plot(ax=frame.ax, facecolor="none", edgecolor=NEIGHBOUR_COLOR, linewidth=1.1, linestyle=(0, (4, 3)),
                   zorder=8)
    if "nom" in projected.columns:
        # Name each neighbour inside its visible part (a neighbour is mostly outside the map).
        view = box(*view_bounds(frame)).buffer(-0.03 * (frame.ax.get_xlim()[1] - frame.ax.get_xlim()[0]))
        items, within = [], []
        for geom, name in zip(projected.geometry.values, projected["nom"], strict=True):
            visible = geom.intersection(view)
            if not visible.is_empty:
                point = visible.representative_point()
                items.append((point.x, point.y, str(name)))
                # The name must fit in the visible part, not spill over the territory.
                within.append(Bbox(frame.ax.transData.transform(np.reshape(visible.bounds, (2, 2)))))
        place_labels(frame, items, fontsize=6.5, color=NEIGHBOUR_COLOR, weight="bold", within=within)
    return Patch(facecolor="none", edgecolor=NEIGHBOUR_COLOR, linewidth=1.1, linestyle=(0, (4, 3)))


def unit_names(frame: MapFrame, units: gpd.GeoDataFrame | None, limit: int = 40) -> list[str]:
    """Names of the units, largest population first, when there are at most ``limit`` of them."""
    projected = frame.project(units)
    if projected is None or not len(projected) or len(projected) > limit or "nom" not in projected.columns:
        return []
    if "population" in projected.columns:
        projected = projected.sort_values("population", ascending=False, na_position="last", kind="stable")
    points = projected.geometry.representative_point()
    return place_labels(frame, [(p.x, p.y, str(n)) for p, n in zip(points, projected["nom"], strict=True)],
                        fontsize=6.5)


def neighbours_label(neighbours: gpd.GeoDataFrame, limit: int = 3) -> str:
    """Legend label of the neighbouring CPTS, naming them when there are few."""
    names = sorted({str(n) for n in neighbours["nom"]}) if "nom" in neighbours.columns else []
    if not names or len(names) > limit:
        return "Autre CPTS"
    return "Autre CPTS : " + ", ".join(names)
