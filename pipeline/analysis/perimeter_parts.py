"""Whether a perimeter is in one piece: the separate parts of a set of unit polygons.

A CPTS's « territoire d'action » (seed ``003``, §6.1, the « territoire vécu »)
is normally one piece of land. A perimeter in two distant pieces is most often
a mistyped code in a listing, sometimes an island or an administrative
enclave: worth saying either way, since nothing else in the diagnostic shows it.

Two units belong to the same part when their polygons are within
``tolerance_m`` of each other, the rule of the coverage analysis's contiguity
(:func:`pipeline.analysis.coverage.atone.contiguity`: buffers of half the
tolerance that intersect), so that the small gaps and slivers of simplified
polygons do not split a perimeter. Computed with shapely alone: a
diagnostic does not import libpysal for this.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["PARTS_TOLERANCE_M", "neighbour_pairs", "perimeter_parts"]

#: Gap bridged between two units of the same part, in metres; the coverage analysis's contiguity uses it too
#: (``SLIVER_TOLERANCE_M``), so that a perimeter and an atone territory are « in one piece » by one rule.
PARTS_TOLERANCE_M = 50.0


def neighbour_pairs(geometries: gpd.GeoSeries, crs: Any, tolerance_m: float = PARTS_TOLERANCE_M
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)``, ``i < j``, of the geometries within ``tolerance_m`` of each other, each pair once.

    Missing or empty geometries have no neighbour. The perimeter editor hands these pairs to its page, which
    counts the parts of the perimeter being drawn as :func:`perimeter_parts` does.
    """
    metric = geometries.to_crs(crs).to_numpy()
    buffered = shapely.buffer(metric, tolerance_m / 2.0)
    left, right = shapely.STRtree(buffered).query(buffered, predicate="intersects")
    keep = left < right
    return left[keep], right[keep]


def perimeter_parts(units: gpd.GeoDataFrame, crs: Any, tolerance_m: float = PARTS_TOLERANCE_M) -> pd.Series:
    """Number the separate parts of a perimeter, 1 being the most populated.

    Parameters
    ----------
    units
        One row per unit with a polygon: ``code``, ``population`` (NaN counts as 0), ``geometry`` (any CRS).
    crs
        A projected CRS in metres, in which the distances are measured.
    tolerance_m
        Units closer than this belong to the same part.

    Returns
    -------
    pandas.Series
        The part of each row (int, aligned on ``units.index``): parts are ranked by population, then by
        their smallest code. Empty for an empty frame.
    """
    if units.empty:
        return pd.Series([], index=units.index, dtype="int64")
    left, right = neighbour_pairs(units.geometry, crs, tolerance_m)
    n = len(units)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    frame = pd.DataFrame({"label": labels, "population": units["population"].fillna(0).to_numpy(dtype=float),
                          "code": units["code"].astype(str).to_numpy()})
    ranking = frame.groupby("label").agg(population=("population", "sum"), first=("code", "min"))
    order = ranking.sort_values(["population", "first"], ascending=[False, True]).index
    rank = {label: position for position, label in enumerate(order, start=1)}
    return pd.Series([rank[label] for label in labels], index=units.index, dtype="int64")
