"""Contiguity of communes and territoires atones (contiguous groups of uncovered communes).

The DGOS/CNAM instruction (seed ``003``) asks ARS to identify *territoires
atones* (uncovered areas with no project) for proactive work.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from pipeline.analysis.aci import size_band
from pipeline.analysis.coverage.projection import LAMBERT93, projected
from pipeline.analysis.perimeter_parts import PARTS_TOLERANCE_M

__all__ = [
    "SLIVER_TOLERANCE_M",
    "atone_components",
    "atone_territories",
    "contiguity",
    "held_in_their_holder",
    "summarise_groups",
]

#: Gap bridged between neighbouring polygons, in metres (see :func:`contiguity`): the rule the diagnostic's
#: perimeter parts follow too, written once there.
SLIVER_TOLERANCE_M = PARTS_TOLERANCE_M


def contiguity(gdf: gpd.GeoDataFrame, crs: Any = LAMBERT93, tolerance_m: float = SLIVER_TOLERANCE_M) -> Any:
    """Queen-like contiguity tolerant to slivers and gaps, on projected polygons.

    ``libpysal.weights.fuzzy_contiguity`` with ``buffering=True``: each polygon
    is buffered by ``tolerance_m / 2`` and two polygons are neighbours when
    their buffers intersect. Unlike vertex-based ``Queen``, this does not
    require neighbours to share identical vertices, which simplified or
    independently digitised polygons (the 2018 mirror, communes nouvelles
    dissolved from their former communes, ARS-drawn perimeters) do not;
    snapping to a grid (``shapely.set_precision``) only closes gaps smaller
    than the grid and may create invalid polygons. Polygons touching at a
    single point stay neighbours (Queen semantics) and an enclave is a
    neighbour of the commune around it. 50 m is far below the size of a
    commune, so it does not invent adjacency across a real gap.

    Returns
    -------
    libpysal.weights.W
        Ids are the positions 0..n-1 of ``gdf``; islands have no neighbour.
    """
    from libpysal.weights import fuzzy_contiguity

    metric = projected(gpd.GeoDataFrame(geometry=gdf.geometry.reset_index(drop=True)), crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands are expected and handled by the caller
        return fuzzy_contiguity(metric, buffering=True, buffer=tolerance_m / 2.0, silence_warnings=True)


def _components(w: Any, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros(0, dtype=int)
    _, labels = connected_components(w.sparse, directed=False)
    return labels


def atone_components(
    white_communes: gpd.GeoDataFrame,
    crs: Any = LAMBERT93,
    tolerance_m: float = SLIVER_TOLERANCE_M,
) -> gpd.GeoDataFrame:
    """Label each uncovered commune with its atone territory.

    Parameters
    ----------
    white_communes
        Communes in no CPTS: code, population, bv2022, geometry.
    crs, tolerance_m
        See :func:`contiguity`.

    Returns
    -------
    GeoDataFrame
        ``white_communes`` plus ``territoire`` ("TA-001" is the most
        populated territory) in the input CRS.
    """
    frame = white_communes.reset_index(drop=True).copy()
    w = contiguity(frame, crs, tolerance_m)
    labels = _components(w, len(frame))
    frame["_comp"] = labels
    stats = frame.groupby("_comp").agg(population=("population", "sum"), first=("code", "min"))
    order = stats.sort_values(["population", "first"], ascending=[False, True]).index
    width = max(3, len(str(len(order))))
    names = {comp: f"TA-{rank:0{width}d}" for rank, comp in enumerate(order, start=1)}
    frame["territoire"] = frame["_comp"].map(names)
    return frame.drop(columns="_comp")


def summarise_groups(groups: Iterable[tuple[Any, pd.DataFrame]], bv_column: str) -> list[dict[str, Any]]:
    """One summary per group of communes: key, sorted codes, count, population, ACI taille, bassins de vie."""
    rows = []
    for key, grp in groups:
        pop = float(grp["population"].sum())
        bvs = sorted(grp[bv_column].dropna().unique()) if bv_column in grp.columns else []
        rows.append(
            {
                "key": key,
                "communes": sorted(grp["code"]),
                "n_communes": len(grp),
                "population": pop,
                "taille": size_band(pop),
                "bassins_vie": bvs,
                "n_bassins_vie": len(bvs),
            }
        )
    return rows


def atone_territories(
    white_communes: gpd.GeoDataFrame,
    crs: Any = LAMBERT93,
    tolerance_m: float = SLIVER_TOLERANCE_M,
    bv_column: str = "bv2022",
) -> pd.DataFrame:
    """Contiguous groups of uncovered communes ("territoires atones"), ranked.

    A commune with no uncovered neighbour (an island, or a white enclave in a
    covered commune) is a territory of its own.

    Returns
    -------
    DataFrame
        territoire, rang (1 = most populated), communes (sorted codes),
        n_communes, population, taille (ACI band), bassins_vie (sorted
        codes touched), n_bassins_vie.
    """
    labelled = atone_components(white_communes, crs, tolerance_m)
    rows = summarise_groups(labelled.groupby("territoire", sort=True), bv_column)
    out = pd.DataFrame(rows).rename(columns={"key": "territoire"})
    if out.empty:
        return pd.DataFrame(
            columns=[
                "territoire",
                "rang",
                "communes",
                "n_communes",
                "population",
                "taille",
                "bassins_vie",
                "n_bassins_vie",
            ]
        )
    out = out.sort_values("territoire").reset_index(drop=True)
    out.insert(1, "rang", np.arange(1, len(out) + 1))
    return out


def held_in_their_holder(units: pd.DataFrame, holders: Mapping[str, str],
                         polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Units without a polygon of their own, placed for contiguity in the polygon that holds their land.

    A commune re-created since the contours' vintage has no polygon: its
    land is inside the commune it was part of (``holders``: code → code of
    the polygon). Left out, such a white commune fell out of every atone
    territory (a review: three communes and 514 inhabitants of the Cantal).
    Its neighbours are not known exactly, so it takes its holder's outline:
    it joins the holder's territory when the holder is uncovered too, and
    otherwise forms one territory with the other communes that polygon holds
    and the uncovered communes it touches.

    Parameters
    ----------
    units
        The units without a polygon: ``code``, ``population`` and any other
        column of the white communes' frame.
    holders
        Code of the polygon holding each re-created commune.
    polygons
        Polygons with ``code`` and a geometry, holders among them.

    Returns
    -------
    GeoDataFrame
        The rows of ``units`` whose holder has a polygon, with that polygon
        as geometry (the others have no place and are left out).
    """
    outline = polygons.drop_duplicates("code").set_index("code").geometry
    placed = units[units["code"].astype(str).map(holders).isin(outline.index)]
    return gpd.GeoDataFrame(placed.reset_index(drop=True),
                            geometry=list(outline.loc[placed["code"].astype(str).map(holders)]), crs=polygons.crs)
