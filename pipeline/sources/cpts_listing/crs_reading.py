"""Metres without a declared CRS: Lambert 93 or Web Mercator, decided by how the perimeter follows communes.

A perimeter saved in metres without its CRS (a GeoJSON without ``crs``, a
Shapefile without ``.prj``) is most often Lambert 93, the projection of
French layers in QGIS. But Web Mercator (EPSG:3857, the projection of web
maps) also gives metres, and over the north of France its coordinates fall
inside the Lambert 93 envelope: read as Lambert 93, a perimeter of the Aisne
lands on the Gironde coast (an independent review). Both readings are
plausible places for about half of the real Lambert 93 files, so the place
alone cannot decide.

What decides is the drawing itself: a CPTS perimeter is a union of communes,
so under the right reading its border follows commune borders, and under the
wrong one it cuts communes anywhere. :func:`boundary_misfit` measures that,
and :func:`choose_reading` keeps Web Mercator only when it follows the
borders and fits clearly better than Lambert 93 (the usual reading stays the
default, its doubt said).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from pipeline.geography import LAEA_EUROPE, LAMBERT93, WGS84

WEB_MERCATOR = 3857
#: Commune polygons (a GeoDataFrame in EPSG:4326) whose bounding boxes meet a (west, south, east, north) box in
#: degrees: the store's query, handed in by the caller (a staging module never opens the database).
UnitsNear = Callable[[tuple[float, float, float, float]], gpd.GeoDataFrame]
#: Web Mercator is kept only when its misfit is under this fraction of Lambert 93's...
CLEARLY_BETTER = 0.5
#: ... and under this share in itself: a union of communes follows their borders within the differences of two
#: contour sources, a few percent. Without it, a Lambert 93 perimeter of an unloaded département (its misfit 1)
#: was read as Web Mercator over loaded communes it cut by a quarter (a code review).
FOLLOWS_BORDERS = 0.10


def web_mercator_also_in(bounds: tuple[float, float, float, float],
                         box: tuple[float, float, float, float]) -> bool:
    """Whether metre coordinates spanning ``bounds`` fall inside the longitude/latitude ``box`` read as Web
    Mercator."""
    west, south, east, north = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True).transform_bounds(*bounds)
    w, s, e, n = box
    return bool(w <= west and east <= e and s <= south and north <= n)


def reread(shapes: gpd.GeoSeries, assumed: int, other: int) -> gpd.GeoSeries:
    """``shapes`` (EPSG:4326, read from metres as ``assumed``) as they read when the metres are ``other``."""
    return shapes.to_crs(assumed).set_crs(other, allow_override=True).to_crs(WGS84)


def boundary_misfit(shapes: gpd.GeoSeries, units: gpd.GeoDataFrame) -> float:
    """Share of a perimeter's area that does not follow the units' borders, from 0 (a union of whole units) to 1.

    Each unit the perimeter meets contributes the smaller of its part inside
    and its part outside (a unit half cut contributes half of itself); the
    perimeter's area over no unit (sea, or beyond the units given) counts
    whole. The sum is divided by the perimeter's area; areas are measured in
    ETRS89-LAEA (metropolitan France, where Lambert 93 applies).

    Parameters
    ----------
    shapes
        The perimeter's polygons, EPSG:4326.
    units
        Non-overlapping unit polygons (communes), EPSG:4326.
    """
    return _misfit(shapes.to_crs(LAEA_EUROPE), units.geometry.dropna().to_crs(LAEA_EUROPE))


def _misfit(shapes: gpd.GeoSeries, polygons: gpd.GeoSeries) -> float:
    """:func:`boundary_misfit` of shapes and unit polygons both already in ETRS89-LAEA."""
    drawn = shapely.union_all(np.asarray(shapes.dropna()))
    if drawn.is_empty or drawn.area <= 0:
        return 1.0
    polygons = polygons[polygons.intersects(drawn)]
    inside = polygons.intersection(drawn).area.to_numpy()
    outside = np.maximum(polygons.area.to_numpy() - inside, 0.0)
    over_no_unit = max(drawn.area - inside.sum(), 0.0)
    return float(min((np.minimum(inside, outside).sum() + over_no_unit) / drawn.area, 1.0))


def choose_reading(shapes: gpd.GeoSeries, units_near: UnitsNear) -> tuple[gpd.GeoSeries, str, int]:
    """The reading of ``shapes`` (EPSG:4326, read from metres as Lambert 93) that follows commune borders, the
    French note saying which one was kept and why, and the EPSG code kept.

    The file has one CRS: its feature that follows the borders best under
    either reading decides (a review's listing of a union of communes and a
    hand-drawn circle was judged on both together, and the circle's area
    outweighed the communes). Web Mercator is kept when that feature's misfit
    (:func:`boundary_misfit`) is under :data:`FOLLOWS_BORDERS` and under
    :data:`CLEARLY_BETTER` times its Lambert 93 one; otherwise Lambert 93 stays.
    """
    mercator = reread(shapes, LAMBERT93, WEB_MERCATOR)
    readings = {LAMBERT93: shapes, WEB_MERCATOR: mercator}
    # Each reading and the units under it projected once, not once per feature (a listing holds dozens).
    projected = {code: reading.to_crs(LAEA_EUROPE) for code, reading in readings.items()}
    units = {code: units_near(tuple(reading.dropna().total_bounds)).geometry.dropna().to_crs(LAEA_EUROPE)
             if reading.notna().any() else None for code, reading in readings.items()}
    per_feature = [{code: _misfit(projected[code].iloc[[i]], polygons)
                    if polygons is not None and projected[code].iloc[[i]].notna().all() else 1.0
                    for code, polygons in units.items()} for i in range(len(shapes))]
    misfits = min(per_feature, key=lambda m: min(m.values()), default={LAMBERT93: 1.0, WEB_MERCATOR: 1.0})
    kept = WEB_MERCATOR if misfits[WEB_MERCATOR] < min(FOLLOWS_BORDERS, CLEARLY_BETTER * misfits[LAMBERT93]) \
        else LAMBERT93
    names = {LAMBERT93: "Lambert 93 (EPSG:2154)", WEB_MERCATOR: "Web Mercator (EPSG:3857)"}
    other = WEB_MERCATOR if kept == LAMBERT93 else LAMBERT93

    def share(code: int) -> str:
        return f"{misfits[code] * 100:.0f} %"

    follows = misfits[kept] < misfits[other] and misfits[kept] < FOLLOWS_BORDERS
    why = ("où le tracé suit les limites des communes" if follows
           else "la lecture habituelle, aucune des deux ne suivant nettement les limites des communes chargées")
    measured = (f"part du tracé qui ne suit pas les limites communales : {share(kept)} de sa surface"
                if len(shapes) < 2 else f"entité qui suit le mieux les limites communales : {share(kept)} de sa "
                                        "surface ne les suit pas")
    note = (f"coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web Mercator : lues en "
            f"{names[kept]}, {why} ({measured}, contre {share(other)} en {names[other].split(' (')[0]}) ; déclarez "
            "le CRS ou exportez en WGS84 pour lever le doute")
    return (mercator if kept == WEB_MERCATOR else shapes), note, kept
