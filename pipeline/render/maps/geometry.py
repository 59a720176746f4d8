"""Geometry preparation for web maps: projection, simplification, rounding, GeoJSON features.

Geometries are simplified in a projected CRS (``simplify_tolerance`` in
metres) and their coordinates rounded (``precision`` decimals, 5 ≈ 1 m) so
that a whole région stays well under 15 MB of HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from pipeline.geography import INSEE_CODE, LAMBERT93, WGS84, departement_of, projected_crs

#: Default metric CRS (Lambert 93, metropolitan France).
PROJECTED_CRS = f"EPSG:{LAMBERT93}"
#: Longitude/latitude box of metropolitan France and Corsica (Lambert 93's domain).
_METROPOLE = (-5.8, 41.0, 10.0, 51.6)


def require_columns(frame: pd.DataFrame | None, columns: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` (French message) when ``frame`` lacks one of ``columns``; ``None`` passes."""
    if frame is None:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} : colonnes manquantes {missing} (présentes : {list(frame.columns)})")


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy in EPSG:4326 (a frame without CRS is taken to be EPSG:4326), empty geometries dropped."""
    out = gdf.set_crs(WGS84) if gdf.crs is None else gdf.to_crs(WGS84)
    return out[out.geometry.notna() & ~out.geometry.is_empty]


def metric_crs(*frames: gpd.GeoDataFrame | None) -> CRS:
    """The projected CRS in which to draw or simplify these layers.

    The INSEE ``code`` column, when present, names the département
    (:func:`pipeline.geography.projected_crs`: Lambert 93, or the DROM's
    own CRS). Without codes, data inside metropolitan France use Lambert 93
    and data elsewhere the UTM zone of their centre.
    """
    for frame in frames:
        if frame is not None and "code" in frame.columns and len(frame):
            codes = [str(c) for c in frame["code"] if isinstance(c, str) and INSEE_CODE.match(c)]
            if codes:
                return CRS.from_epsg(projected_crs(departement_of(codes[0])))
    present = [to_wgs84(f) for f in frames if f is not None and len(f)]
    if not present:
        return CRS.from_epsg(LAMBERT93)
    minx, miny, maxx, maxy = np.array([f.total_bounds for f in present if len(f)]).T
    lon, lat = (minx.min() + maxx.max()) / 2, (miny.min() + maxy.max()) / 2
    west, south, east, north = _METROPOLE
    if west <= lon <= east and south <= lat <= north:
        return CRS.from_epsg(LAMBERT93)
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def prepare_geometries(
    gdf: gpd.GeoDataFrame,
    simplify_tolerance: float | None = 0.0,
    precision: int | None = 5,
    projected_crs: str | int | CRS | None = None,
) -> gpd.GeoDataFrame:
    """Return a copy in EPSG:4326, simplified and with rounded coordinates.

    Parameters
    ----------
    gdf
        Input layer (any CRS; EPSG:4326 assumed when the CRS is missing).
    simplify_tolerance
        Douglas-Peucker tolerance in metres, applied in ``projected_crs``
        (topology preserved); 0 or ``None`` disables simplification.
    precision
        Number of decimals kept for longitudes/latitudes (5 ≈ 1 m); ``None``
        keeps full precision.
    projected_crs
        Metric CRS used for simplification; ``None`` chooses it from the data
        (:func:`metric_crs`: Lambert 93 for metropolitan France, the DROM's
        CRS overseas).
    """
    out = to_wgs84(gdf)
    if simplify_tolerance and len(out):
        crs = projected_crs if projected_crs is not None else metric_crs(out)
        projected = out.to_crs(crs)
        projected = projected.set_geometry(projected.geometry.simplify(simplify_tolerance, preserve_topology=True))
        out = projected.to_crs(WGS84)
    if precision is not None and len(out):
        factor = 10.0**precision
        geoms = shapely.transform(out.geometry.values, lambda c: np.round(c * factor) / factor)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=WGS84))
    return out


def feature_collection(gdf: gpd.GeoDataFrame, props: Callable[[pd.Series], dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of ``gdf`` with the properties ``props(row)`` (empty geometries skipped)."""
    features = []
    for i, (_, row) in enumerate(gdf.iterrows()):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        features.append(
            {"type": "Feature", "id": str(i), "properties": props(row), "geometry": shapely.geometry.mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}


def latlon_bounds(frames: Iterable[gpd.GeoDataFrame | None]) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the layers (metropolitan France when all are empty)."""
    present = [to_wgs84(g) for g in frames if g is not None and len(g)]
    present = [g for g in present if len(g)]
    if not present:
        return [[41.3, -5.2], [51.1, 9.6]]
    minx, miny, maxx, maxy = np.array([g.total_bounds for g in present]).T
    return [[float(miny.min()), float(minx.min())], [float(maxy.max()), float(maxx.max())]]
