"""Projection of coverage geometries to a metric CRS before measuring areas or adjacency.

Areas and contiguity are computed in a projected CRS: Lambert 93
(EPSG:2154) for metropolitan France by default; pass the local CRS for a
DROM (e.g. EPSG:2975 for La Réunion, see :func:`pipeline.geography.projected_crs`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from pipeline.geography import LAMBERT93

__all__ = ["LAMBERT93", "projected"]


def projected(frame: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """``frame`` in ``crs`` (None keeps its CRS); ValueError when it has no CRS."""
    if frame.crs is None:
        raise ValueError("les géométries n'ont pas de système de coordonnées (CRS)")
    return frame.to_crs(crs) if crs is not None else frame
