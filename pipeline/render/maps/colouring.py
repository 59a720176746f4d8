"""Colours of CPTS perimeters such that perimeters that touch or overlap never share one.

With 71 CPTS in a région, a colour per CPTS drawn from a 20-colour list gives
neighbours the same colour and the map cannot be read. The perimeters'
adjacency graph is coloured instead (DSATUR greedy colouring, which needs four
or five colours on a map), and among the colours a perimeter may take, the
least used one is chosen so that the fills stay varied.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import shapely

from pipeline.render.maps.geometry import metric_crs, to_wgs84
from pipeline.render.palette import distinct_colors

#: Perimeters closer than this (metres) count as neighbours: simplified contours leave slivers.
ADJACENCY_TOLERANCE_M = 100.0


def adjacency(gdf: gpd.GeoDataFrame, tolerance: float = ADJACENCY_TOLERANCE_M) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j`` (positions in ``gdf``), of geometries closer than ``tolerance`` metres.

    Touching at a single point, sharing a border and overlapping all count.
    Distances are measured in a projected CRS (:func:`metric_crs`).
    """
    frame = to_wgs84(gdf) if len(gdf) else gdf
    if len(frame) != len(gdf):
        raise ValueError("Périmètres sans géométrie : impossible de calculer leurs voisinages.")
    if not len(gdf):
        return []
    geoms = np.asarray(frame.to_crs(metric_crs(frame)).geometry.values)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance)
    return sorted({(int(a), int(b)) for a, b in zip(left, right, strict=True) if a < b})


def colour_graph(n: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    """Colour index of each of ``n`` vertices, different across every edge (DSATUR).

    The next vertex coloured is the one whose neighbours already use the most
    colours (ties: most neighbours, then lowest position); it takes the least
    used colour among those its neighbours do not use, within the colours
    already needed, or a new one.
    """
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        if a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    colours = [-1] * n
    used: list[int] = []  # count of vertices per colour index
    for _ in range(n):
        best = max(
            (v for v in range(n) if colours[v] < 0),
            key=lambda v: (len({colours[u] for u in neighbours[v] if colours[u] >= 0}), len(neighbours[v]), -v),
        )
        taken = {colours[u] for u in neighbours[best]}
        free = [c for c in range(len(used)) if c not in taken]
        if free:
            choice = min(free, key=lambda c: (used[c], c))
        else:
            choice = len(used)
            used.append(0)
        colours[best] = choice
        used[choice] += 1
    return colours


def perimeter_colors(
    perimeters: gpd.GeoDataFrame, name_column: str = "cpts", tolerance: float = ADJACENCY_TOLERANCE_M,
    min_colors: int = 5,
) -> dict[str, str]:
    """Fill colour of each perimeter name; perimeters that touch or overlap get different colours.

    Parameters
    ----------
    perimeters
        Polygons with a name column; several rows of one name are one perimeter.
    name_column
        Column holding the CPTS name.
    tolerance
        Distance (metres) under which two perimeters are neighbours.
    min_colors
        Colours the balancing spreads over even when fewer would do (a map in
        three colours looks poorer than in five).
    """
    frame = to_wgs84(perimeters)  # perimeters without geometry cannot be drawn, hence need no colour
    if not len(frame):
        return {}
    names = frame[name_column].astype(str)
    merged = (
        gpd.GeoDataFrame({"name": names.to_numpy()}, geometry=frame.geometry.values, crs=4326)
        .dissolve(by="name", as_index=False)
        .sort_values("name", kind="stable")
        .reset_index(drop=True)
    )
    edges = adjacency(merged, tolerance)
    # Seed the balancing with min_colors colours, so that the fills are spread over them.
    indices = _spread(colour_graph(len(merged), edges), edges, min_colors)
    palette = distinct_colors(max(indices, default=-1) + 1)
    return {str(name): palette[i] for name, i in zip(merged["name"], indices, strict=True)}


def _spread(colours: list[int], edges: list[tuple[int, int]], minimum: int) -> list[int]:
    """Recolour vertices into unused colours up to ``minimum`` colours, keeping neighbours apart."""
    out = list(colours)
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    count = max(out, default=-1) + 1
    target = min(minimum, len(out))
    while count < target:
        sizes = np.bincount(out, minlength=count)
        biggest = int(np.argmax(sizes))
        members = [v for v in range(len(out)) if out[v] == biggest]
        # Move every other member of the largest class to the new colour: members of one
        # class are never adjacent to each other, so the result stays valid.
        for v in members[1::2]:
            out[v] = count
        count += 1
    return out
