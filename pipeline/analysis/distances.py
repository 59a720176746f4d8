"""Sparse distance table between commune representative points.

The table feeds the patient-flow model (:mod:`pipeline.analysis.flows`) and the
approximate APL (:mod:`pipeline.analysis.access`). It is a *long* DataFrame
``origin, destination, km`` holding every ordered pair of communes whose
estimated road distance is at most a cutoff, plus one self pair per commune
carrying an intra-commune distance. A KD-tree finds the pairs, so France
(about 35 000 communes) never materialises the 35 000 × 35 000 matrix.

Distance model
--------------
``km = detour × straight-line km`` where the straight line is either the
great circle on a sphere of radius :data:`EARTH_RADIUS_KM` (default, valid
everywhere including the DROM) or the Euclidean distance in Lambert 93
(EPSG:2154, metropolitan France only). The detour factor turns a straight
line into an estimated road distance; the default 1.3 is the usual
order of magnitude of the road "circuity" measured in France and Europe
(ratios of road to straight-line distance of 1.2–1.4 for short regional
trips; see ``docs/methods_flows_access.md``).

The intra-commune distance of a commune with area ``a`` (km²) is
``intra_factor × sqrt(a / π)``: a fraction of the radius of the disc with the
commune's area. The mean distance from the centre of a uniformly populated
disc is 2/3 of its radius; residents and practices cluster near the chef-lieu,
so the default factor is 0.5. It is already a "road" estimate: the detour
factor is not applied to it. Without an area column, ``default_intra_km`` is
used. Self pairs are always kept, even when the intra-commune distance
exceeds the cutoff (very large communes of French Guiana).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from pipeline.errors import DataError, collect

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), km."""

DEFAULT_DETOUR = 1.3
DEFAULT_CUTOFF_KM = 60.0
DEFAULT_INTRA_FACTOR = 0.5
DEFAULT_INTRA_KM = 1.0

METRICS = ("great_circle", "lambert93")
_CHUNK = 1 << 21

# Generous bounds of metropolitan France (with Corsica) in WGS84, for the
# Lambert 93 metric which is only defined there.
_METRO_BOUNDS = (-5.8, 41.0, 10.0, 51.5)


def _validate_points(points: pd.DataFrame, area_col: str | None) -> None:
    missing = [c for c in ("code", "lon", "lat") if c not in points.columns]
    if missing:
        raise DataError(
            "Table des points communaux : colonne(s) manquante(s) "
            + ", ".join(missing)
            + " (attendu : code, lon, lat)."
        )
    errors: list[str] = []
    codes = points["code"].astype("string")
    dup = codes[codes.duplicated(keep=False)].unique()
    if len(dup):
        errors.append("codes en double : " + ", ".join(map(str, dup[:20])))
    lon = pd.to_numeric(points["lon"], errors="coerce")
    lat = pd.to_numeric(points["lat"], errors="coerce")
    bad = points.loc[lon.isna() | lat.isna() | (lon.abs() > 180) | (lat.abs() > 90), "code"]
    if len(bad):
        errors.append("coordonnées absentes ou hors bornes pour : " + ", ".join(map(str, bad[:20])))
    if area_col is not None and area_col in points.columns:
        area = pd.to_numeric(points[area_col], errors="coerce")
        bad_a = points.loc[area.isna() | (area < 0), "code"]
        if len(bad_a):
            errors.append(f"surface ({area_col}) absente ou négative pour : " + ", ".join(map(str, bad_a[:20])))
    collect(errors, "Table des points communaux invalide :")


def _unit_vectors(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    lon = np.radians(lon_deg)
    lat = np.radians(lat_deg)
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def _lambert93(lon_deg: np.ndarray, lat_deg: np.ndarray, codes: pd.Series) -> np.ndarray:
    w, s, e, n = _METRO_BOUNDS
    outside = (lon_deg < w) | (lon_deg > e) | (lat_deg < s) | (lat_deg > n)
    if outside.any():
        raise DataError(
            "La métrique Lambert 93 ne vaut que pour la France métropolitaine ; points hors zone : "
            + ", ".join(map(str, codes[outside].head(20)))
            + ". Utiliser metric='great_circle'."
        )
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    x, y = tr.transform(lon_deg, lat_deg)
    return np.column_stack([np.asarray(x) / 1000.0, np.asarray(y) / 1000.0])


def great_circle_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) between points given in degrees (haversine).

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Coordinates in decimal degrees (WGS84), broadcastable arrays.

    Returns
    -------
    numpy.ndarray
        Distances in km on a sphere of radius :data:`EARTH_RADIUS_KM`.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def intra_commune_km(area_km2: np.ndarray | pd.Series, intra_factor: float = DEFAULT_INTRA_FACTOR) -> np.ndarray:
    """Intra-commune travel distance ``intra_factor × sqrt(area / π)`` (km)."""
    return intra_factor * np.sqrt(np.asarray(area_km2, dtype=float) / math.pi)


def distance_table(
    points: pd.DataFrame,
    *,
    cutoff_km: float = DEFAULT_CUTOFF_KM,
    detour: float = DEFAULT_DETOUR,
    metric: str = "great_circle",
    area_col: str | None = "area_km2",
    intra_factor: float = DEFAULT_INTRA_FACTOR,
    default_intra_km: float = DEFAULT_INTRA_KM,
) -> pd.DataFrame:
    """Sparse long table of estimated road distances between communes.

    Parameters
    ----------
    points
        One row per commune: ``code`` (INSEE), ``lon``, ``lat`` (WGS84
        degrees of a representative point inside the polygon) and optionally
        the area column named by ``area_col`` (km²).
    cutoff_km
        Keep pairs whose estimated road distance (after detour) is at most
        this value.
    detour
        Road / straight-line ratio (≥ 1), applied to inter-commune pairs.
    metric
        ``"great_circle"`` (sphere, any territory) or ``"lambert93"``
        (Euclidean in EPSG:2154, metropolitan France only).
    area_col
        Column with the commune area in km², used for the self pair. When
        absent (or None) every self pair gets ``default_intra_km``.
    intra_factor
        Fraction of the equal-area disc radius used as intra-commune distance.
    default_intra_km
        Intra-commune distance when no area is known.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination`` (categoricals sharing the input
        codes as categories, in input order), ``km`` (float64). Both
        directions of every pair are present, plus one self pair per commune.
        Sorted by origin then destination (category order).

    Raises
    ------
    DataError
        Missing columns, duplicate codes, invalid coordinates or areas, or
        points outside metropolitan France with ``metric="lambert93"``.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if not cutoff_km > 0:
        raise ValueError("cutoff_km must be positive")
    if detour < 1:
        raise ValueError("detour must be >= 1")
    _validate_points(points, area_col)

    codes = points["code"].astype(str).reset_index(drop=True)
    lon = pd.to_numeric(points["lon"]).to_numpy(dtype=float)
    lat = pd.to_numeric(points["lat"]).to_numpy(dtype=float)
    n = len(codes)
    straight_cutoff = cutoff_km / detour

    if metric == "great_circle":
        coords = _unit_vectors(lon, lat)
        theta = min(straight_cutoff / EARTH_RADIUS_KM, math.pi)
        radius = 2.0 * math.sin(theta / 2.0)  # chord of the cutoff arc
    else:
        coords = _lambert93(lon, lat, codes)
        radius = straight_cutoff
    pairs = cKDTree(coords).query_pairs(radius, output_type="ndarray")
    i = pairs[:, 0].astype(np.int32)
    j = pairs[:, 1].astype(np.int32)
    del pairs
    straight = np.empty(len(i))
    for lo in range(0, len(i), _CHUNK):  # chunks keep the (m, 3) temporaries small
        hi = lo + _CHUNK
        gap = np.linalg.norm(coords[i[lo:hi]] - coords[j[lo:hi]], axis=1)
        if metric == "great_circle":
            gap = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(gap / 2.0, 0.0, 1.0))
        straight[lo:hi] = gap

    keep = straight <= straight_cutoff  # guards the chord/arc rounding at the boundary
    i, j, km_pair = i[keep], j[keep], straight[keep] * detour
    del straight, keep

    if area_col is not None and area_col in points.columns:
        intra = intra_commune_km(pd.to_numeric(points[area_col]).to_numpy(dtype=float), intra_factor)
    else:
        intra = np.full(n, float(default_intra_km))
    self_idx = np.arange(n, dtype=np.int32)

    # CSR construction sorts by origin in O(nnz) without a lexsort permutation.
    mat = sparse.csr_array(
        (
            np.concatenate([km_pair, km_pair, intra]),
            (np.concatenate([i, j, self_idx]), np.concatenate([j, i, self_idx])),
        ),
        shape=(n, n),
    )
    del i, j, km_pair
    mat.sort_indices()
    orig = np.repeat(np.arange(n, dtype=np.int32), np.diff(mat.indptr))
    categories = pd.Index(codes, dtype="object")
    return pd.DataFrame(
        {
            "origin": pd.Categorical.from_codes(orig, categories=categories),
            "destination": pd.Categorical.from_codes(mat.indices.astype(np.int32, copy=False), categories=categories),
            "km": mat.data,
        }
    )
