"""Compact encodings of the editor's geometries and origin–destination table.

Geometry
    Unit polygons are simplified as a *coverage* (shared borders simplified
    once, so that neighbours still meet exactly: the page finds a perimeter's
    outline by cancelling the edges two selected units share) in each
    territory's projected CRS (:func:`pipeline.geography.projected_crs`),
    then brought back to longitude/latitude and quantised to integers
    (``round(degree × scale)``; ``scale = 100 000`` is about 1 m). Each unit is
    a list of polygons, each polygon a list of rings, each ring a flat list
    ``[x0, y0, dx1, dy1, dx2, dy2, ...]``: the first vertex, then differences
    to the previous vertex. Rings are open (the closing vertex is implied),
    consecutive duplicate vertices are dropped and rings with fewer than three
    vertices are dropped. A unit without polygon is ``[]``.

Origin–destination
    Codes are indexed: units first (in the page's unit order), then the other
    codes of the table sorted (surroundings). Rows are grouped by origin as a
    compressed sparse row structure: ``start[i]:start[i + 1]`` are the rows of
    origin ``i`` in ``dest`` (destination index, ``-1`` for demand with no
    reachable supply) and ``vol`` (volume rounded to ``decimals``). Duplicate
    pairs are summed first; rows with neither end among the units, and rows
    whose rounded volume is 0, are left out (they change no figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from pipeline.geography import WGS84, projected_crs

#: Quantisation of longitudes and latitudes: 1e5 per degree (about 1.1 m in latitude).
DEFAULT_SCALE = 100_000
#: Volumes of the OD table (consultations per year) are rounded to this many decimals.
DEFAULT_OD_DECIMALS = 2

PackedRing = list[int]
PackedGeometry = list[list[PackedRing]]


def _polygonal(geometry: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal part of ``geometry`` (made valid), or None when there is none."""
    if geometry is None or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry, method="structure")  # the parts' union (see read_features)
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon | MultiPolygon) and not g.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts)


def simplify_units(geometries: gpd.GeoSeries, departements: Sequence[str], tolerance_m: float) -> gpd.GeoSeries:
    """Simplify unit polygons as a coverage, in metres, and return them in EPSG:4326.

    Parameters
    ----------
    geometries
        Unit polygons in any CRS (missing or non-polygonal geometries allowed).
    departements
        Département code of each unit, choosing its projected CRS.
    tolerance_m
        Simplification tolerance in metres (square root of the triangle areas
        removed, see :func:`shapely.coverage_simplify`); 0 keeps every vertex.

    Returns
    -------
    geopandas.GeoSeries
        Same index, EPSG:4326; ``None`` where a unit has no polygon.
    """
    source = geometries.to_crs(WGS84) if geometries.crs is not None else geometries.set_crs(WGS84)
    cleaned = gpd.GeoSeries([_polygonal(g) for g in source.values], index=source.index, crs=WGS84)
    crs_of = pd.Series([projected_crs(str(d)) for d in departements], index=source.index)
    out = gpd.GeoSeries([None] * len(cleaned), index=cleaned.index, crs=WGS84)
    for crs in sorted(crs_of.unique()):
        members = cleaned[(crs_of == crs) & cleaned.notna()]
        if members.empty:
            continue
        projected = members.to_crs(crs)
        values = projected.values
        if tolerance_m > 0:
            values = shapely.coverage_simplify(np.asarray(values), tolerance_m)
        simplified = gpd.GeoSeries(values, index=members.index, crs=crs).to_crs(WGS84)
        out.loc[members.index] = simplified.values
    return out


def _encode_ring(coords: np.ndarray, scale: int) -> PackedRing | None:
    points = np.rint(coords[:, :2] * scale).astype(np.int64)
    if len(points) > 1 and (points[0] == points[-1]).all():
        points = points[:-1]
    if len(points) > 1:
        keep = np.ones(len(points), dtype=bool)
        keep[1:] = (np.diff(points, axis=0) != 0).any(axis=1)
        points = points[keep]
        # The implied closing edge may also join two equal vertices.
        while len(points) > 1 and (points[0] == points[-1]).all():
            points = points[:-1]
    if len(points) < 3:
        return None
    deltas = np.vstack([points[:1], np.diff(points, axis=0)])
    return [int(v) for v in deltas.ravel()]


def encode_geometry(geometry: BaseGeometry | None, scale: int = DEFAULT_SCALE) -> PackedGeometry:
    """Encode a (Multi)Polygon in lon/lat degrees as quantised delta rings (see module docstring)."""
    if geometry is None or geometry.is_empty:
        return []
    polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    packed: PackedGeometry = []
    for polygon in polygons:
        if not isinstance(polygon, Polygon) or polygon.is_empty:
            continue
        exterior = _encode_ring(np.asarray(polygon.exterior.coords), scale)
        if exterior is None:
            continue
        rings = [exterior]
        for interior in polygon.interiors:
            hole = _encode_ring(np.asarray(interior.coords), scale)
            if hole is not None:
                rings.append(hole)
        packed.append(rings)
    return packed


def decode_ring(ring: Sequence[int], scale: int = DEFAULT_SCALE) -> np.ndarray:
    """Absolute ``(lon, lat)`` vertices of an encoded ring (open: no closing vertex)."""
    pairs = np.asarray(ring, dtype=np.int64).reshape(-1, 2)
    return np.cumsum(pairs, axis=0) / scale


def decode_geometry(packed: PackedGeometry, scale: int = DEFAULT_SCALE) -> MultiPolygon | None:
    """Inverse of :func:`encode_geometry` (a MultiPolygon, or None for ``[]``)."""
    if not packed:
        return None
    polygons = []
    for rings in packed:
        shell, *holes = (decode_ring(r, scale) for r in rings)
        polygons.append(Polygon(shell, holes))
    return MultiPolygon(polygons)


def _as_codes(series: pd.Series) -> list[str | None]:
    """Codes as Python strings, missing values as None (categoricals and string dtypes included)."""
    return [None if pd.isna(v) else str(v).strip() for v in series.astype(object)]


def pack_od(od: pd.DataFrame | None, unit_codes: Sequence[str], decimals: int = DEFAULT_OD_DECIMALS) -> dict[str, Any]:
    """Pack an origin–destination table as index arrays (see module docstring).

    Parameters
    ----------
    od
        ``origin``, ``destination`` (missing = unserved demand), ``volume``.
        ``None`` is an empty table. Rows with neither end in ``unit_codes``
        are dropped (they change no figure of the page).
    unit_codes
        The page's unit codes, in order (indices ``0 .. n - 1``).
    decimals
        Volumes are rounded to this many decimals after summing duplicate pairs.

    Returns
    -------
    dict
        ``extra_codes`` (list of str), ``start`` (``n_codes + 1`` ints),
        ``dest`` (ints, ``-1`` unserved), ``vol`` (floats), ``decimals``.
    """
    units = [str(c) for c in unit_codes]
    if od is None or od.empty:
        return {"extra_codes": [], "start": [0] * (len(units) + 1), "dest": [], "vol": [], "decimals": decimals}
    origin = _as_codes(od["origin"])
    if any(code is None for code in origin):
        raise ValueError("OD rows without origin (validate the EditorData first)")
    # Missing destinations (unserved demand) become "" so that they group like any code.
    destination = ["" if code is None else code for code in _as_codes(od["destination"])]
    volume = pd.to_numeric(od["volume"], errors="raise").to_numpy(dtype=float)
    known = set(units)
    # Rows with neither end in the page cannot change any figure (self-containment needs an origin in the
    # perimeter, attraction a destination in it): drop them so that a large modelled domain stays small.
    relevant = np.array([o in known or d in known for o, d in zip(origin, destination, strict=True)], dtype=bool)
    frame = pd.DataFrame({"o": np.asarray(origin, dtype=object)[relevant],
                          "d": np.asarray(destination, dtype=object)[relevant], "v": volume[relevant]})
    frame = frame.groupby(["o", "d"], as_index=False, sort=False)["v"].sum()
    frame["v"] = frame["v"].round(decimals)
    frame = frame[frame["v"] > 0]  # nothing left after rounding: no row
    extra = sorted((set(frame["o"]) | set(frame["d"])) - known - {""})
    index = {code: i for i, code in enumerate([*units, *extra])}
    index[""] = -1
    frame = frame.assign(o=frame["o"].map(index).astype("int64"), d=frame["d"].map(index).astype("int64"))
    frame = frame.sort_values(["o", "d"])
    counts = np.bincount(frame["o"].to_numpy(), minlength=len(units) + len(extra))
    start = np.concatenate([[0], np.cumsum(counts)])
    return {
        "extra_codes": extra,
        "start": [int(v) for v in start],
        "dest": [int(v) for v in frame["d"]],
        "vol": [float(v) for v in frame["v"]],
        "decimals": decimals,
    }


def unpack_od(packed: dict[str, Any], unit_codes: Sequence[str]) -> pd.DataFrame:
    """Inverse of :func:`pack_od`: ``origin``, ``destination`` (None when unserved), ``volume``."""
    codes = [*map(str, unit_codes), *packed["extra_codes"]]
    start = np.asarray(packed["start"], dtype=np.int64)
    origin_index = np.repeat(np.arange(len(start) - 1), np.diff(start))
    return pd.DataFrame(
        {
            "origin": [codes[i] for i in origin_index],
            "destination": [None if j < 0 else codes[j] for j in packed["dest"]],
            "volume": np.asarray(packed["vol"], dtype=float),
        }
    )
