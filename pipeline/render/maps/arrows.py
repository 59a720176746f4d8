"""Curved flow lines, shared by the interactive and the static flow maps.

A straight line from A to B hides the line from B to A under it, and lines
from several communes to one destination merge. Each flow is drawn instead as
a quadratic Bézier curve bent to the left of its direction: the two
directions between two communes separate, and a curve's bend tells its
direction even before its arrowhead is seen.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS
from shapely.geometry import LineString

from pipeline.render.maps.geometry import to_wgs84

#: Offset of the curve's control point, as a share of the distance between the ends.
BEND = 0.2
#: Points per curve.
SAMPLES = 24
#: Web Mercator: curves for Leaflet are bent in the CRS the screen shows.
WEB_MERCATOR = CRS.from_epsg(3857)


def bezier(start: tuple[float, float], end: tuple[float, float], bend: float = BEND,
           samples: int = SAMPLES) -> np.ndarray:
    """``samples`` points of a quadratic curve from ``start`` to ``end``, bent to the left of its direction.

    Coordinates are planar (a projected CRS). The control point lies on the
    perpendicular bisector at ``bend`` times the length; the curve's apex is
    at half that offset.
    """
    p0, p2 = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    d = p2 - p0
    p1 = (p0 + p2) / 2 + bend * np.array([-d[1], d[0]])
    t = np.linspace(0.0, 1.0, samples)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def curved(flows: gpd.GeoDataFrame, crs: CRS | str | int = WEB_MERCATOR, bend: float = BEND) -> gpd.GeoDataFrame:
    """The flows with each line replaced by a curve from its first to its last point, in EPSG:4326.

    Parameters
    ----------
    flows
        Lines (any CRS; EPSG:4326 assumed without one); other columns kept.
        Lines whose ends coincide are dropped (a flow with no length cannot
        be drawn).
    crs
        Planar CRS in which the curve is bent (Web Mercator for Leaflet, the
        static map's projection for print).
    bend
        See :func:`bezier`.
    """
    lines = to_wgs84(flows).to_crs(crs)
    keep, geoms = [], []
    for i, geom in enumerate(lines.geometry.values):
        coords = np.asarray(_line_coords(geom))
        if len(coords) < 2 or np.allclose(coords[0], coords[-1]):
            continue
        keep.append(i)
        geoms.append(LineString(bezier(tuple(coords[0]), tuple(coords[-1]), bend)))
    out = lines.iloc[keep].copy()
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=lines.crs))
    return out.to_crs(4326)


def _line_coords(geom: object) -> list[tuple[float, float]]:
    if geom is None or getattr(geom, "is_empty", True):
        return []
    if geom.geom_type == "MultiLineString":  # type: ignore[attr-defined]
        parts = list(geom.geoms)  # type: ignore[attr-defined]
        return [parts[0].coords[0], parts[-1].coords[-1]]
    return list(geom.coords)  # type: ignore[attr-defined]


def end_points(flows: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, ends)``: arrays of (lon, lat) of each line's first and last points."""
    coords = [_line_coords(g) for g in to_wgs84(flows).geometry.values]
    starts = np.array([c[0] if c else (np.nan, np.nan) for c in coords], dtype=float).reshape(-1, 2)
    ends = np.array([c[-1] if c else (np.nan, np.nan) for c in coords], dtype=float).reshape(-1, 2)
    return starts, ends
