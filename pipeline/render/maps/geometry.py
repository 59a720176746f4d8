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


#: Longitude/latitude boxes of the overseas départements (DROM), for the coverage map's « Aller à » buttons.
OVERSEAS_BOXES: dict[str, tuple[float, float, float, float]] = {
    "Guadeloupe": (-61.9, 15.8, -60.9, 16.6), "Martinique": (-61.3, 14.35, -60.75, 14.95),
    "Guyane": (-54.7, 2.0, -51.5, 6.0), "La Réunion": (55.1, -21.5, 55.9, -20.8),
    "Mayotte": (44.9, -13.1, 45.4, -12.55)}
#: What lies in neither metropolitan France nor a DROM box.
ELSEWHERE = "Autres territoires"


#: The zone of metropolitan France, as :func:`zone_of` names it.
METROPOLE = "France métropolitaine"


def zone_of(lon: float, lat: float) -> str:
    """The zone of a point: :data:`METROPOLE`, an overseas département of :data:`OVERSEAS_BOXES`, or
    :data:`ELSEWHERE`."""
    boxes = {METROPOLE: _METROPOLE, **OVERSEAS_BOXES}
    return next((name for name, (w, s, e, n) in boxes.items() if w <= lon <= e and s <= lat <= n), ELSEWHERE)


def zone_of_box(west: float, south: float, east: float, north: float) -> str | None:
    """The zone of a feature by its bounding box: :func:`zone_of` of its four corners when they agree, None when the
    feature spans zones (a flow from Paris to La Réunion, a perimeter in two départements d'outre-mer)."""
    if not np.isfinite(west):
        return None
    zones = {zone_of(x, y) for x in (west, east) for y in (south, north)}  # its four corners
    return zones.pop() if len(zones) == 1 else None


def feature_zones(frame: gpd.GeoDataFrame) -> list[str | None]:
    """:func:`zone_of_box` of each feature of ``frame``."""
    return [zone_of_box(*box) for box in shapely.bounds(np.asarray(to_wgs84(frame).geometry.values))]


def home_zone(frame: gpd.GeoDataFrame | None) -> str | None:
    """The zone holding most features of ``frame`` (the first zone of :func:`zone_of`'s order on a tie), or None
    for an empty frame."""
    if frame is None or not len(frame):
        return None
    zones = pd.Series([z for z in feature_zones(frame) if z is not None])
    if zones.empty:
        return None
    counts = zones.value_counts()
    order = [METROPOLE, *OVERSEAS_BOXES, ELSEWHERE]
    return min(counts.index[counts == counts.max()], key=order.index)


def in_zone(frame: gpd.GeoDataFrame | None, zone: str) -> gpd.GeoDataFrame | None:
    """The features of ``frame`` in ``zone`` (:func:`zone_of_box`; a feature spanning zones is in none)."""
    if frame is None or not len(frame):
        return frame
    return frame[np.asarray([z == zone for z in feature_zones(frame)], dtype=bool)]


def view_bounds(frames: Iterable[gpd.GeoDataFrame | None], home: str | None = METROPOLE,
                ) -> tuple[list[list[float]], list[tuple[str, list[list[float]]]]]:
    """The initial view of a map, and the places it leaves out (each with its own bounds).

    :func:`latlon_bounds` of the layers, except when they hold features both in the ``home`` zone and beyond
    (a coverage of France with Mayotte loaded opened on a view spanning the Indian Ocean, the mainland a dot; a
    territory of Paris with one flow to La Réunion opened on half the planet, a review): then the home zone's
    features' bounds, the others listed by zone (:func:`zone_of_box`; a feature spanning zones, a flow across an
    ocean or a perimeter in two zones, names no place: a review got a button « Autres territoires » for it):
    metropolitan France, the overseas départements of :data:`OVERSEAS_BOXES`, then :data:`ELSEWHERE`. ``home``
    None frames every feature.
    """
    present = [to_wgs84(g) for g in frames if g is not None and len(g)]
    present = [g for g in present if len(g)]
    if not present or home is None:
        return latlon_bounds(present), []
    boxes = shapely.bounds(np.concatenate([np.asarray(g.geometry.values) for g in present]))
    zones = np.array([zone_of_box(*box) for box in boxes], dtype=object)

    def extent(mask: np.ndarray) -> list[list[float]]:
        part = boxes[mask]
        return [[float(part[:, 1].min()), float(part[:, 0].min())], [float(part[:, 3].max()), float(part[:, 2].max())]]

    here = zones == home
    if here.all() or not here.any():
        return extent(np.ones(len(boxes), dtype=bool)), []
    places = [(name, extent(zones == name)) for name in (METROPOLE, *OVERSEAS_BOXES, ELSEWHERE)
              if name != home and (zones == name).any()]
    return extent(here), places


def latlon_bounds(frames: Iterable[gpd.GeoDataFrame | None]) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the layers (metropolitan France when all are empty)."""
    present = [to_wgs84(g) for g in frames if g is not None and len(g)]
    present = [g for g in present if len(g)]
    if not present:
        return [[41.3, -5.2], [51.1, 9.6]]
    minx, miny, maxx, maxy = np.array([g.total_bounds for g in present]).T
    return [[float(miny.min()), float(minx.min())], [float(maxy.max()), float(maxx.max())]]
