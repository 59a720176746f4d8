"""Areas on the ellipsoid (pyproj's geodesic computation): the tests' independent measure of a surface.

The pipeline measures areas in an equal-area projection; the tests compare it with the geodesic area of the raw
contours, which does not depend on any projection.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyproj
import shapely

_GEOD = pyproj.Geod(ellps="GRS80")


def geodesic_area_km2(geometry: shapely.Geometry) -> float:
    """Area of one geometry given in degrees (WGS 84 / ETRS89), in km²."""
    return abs(_GEOD.geometry_area_perimeter(geometry)[0]) / 1e6


def geodesic_areas_km2(geometries: Iterable[shapely.Geometry]) -> list[float]:
    return [geodesic_area_km2(g) for g in geometries]
