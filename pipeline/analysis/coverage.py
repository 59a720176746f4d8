"""Regional coverage of CPTS perimeters: overlaps, white zones, atone territories.

The DGOS/CNAM instruction (seed ``003``) asks ARS and Assurance maladie to
prevent both *zones blanches* (communes in no CPTS project) and overlaps
between competing projects (one approved CPTS per territory), and to identify
*territoires atones* (uncovered areas with no project) for proactive work.

Everything here is a pure function of DataFrames / GeoDataFrames.

Units
    The analysis unit is the commune, except for Paris, Lyon and Marseille
    where it is the arrondissement municipal: the city's own code is replaced
    by its arrondissements (see :func:`analysis_units`). ``units`` frames have
    the columns of the store's ``communes`` table: code, nom, type, parent,
    departement, region, population.

Members
    ``members`` frames are :attr:`pipeline.sources.cpts_listing.ListingResult.members`
    (at least cpts, cpts_id, unit_code). When several listings are combined, a
    CPTS present in two listings counts once (claims are distinct by
    ``cpts_id``).

Geometry
    Areas and contiguity are computed in a projected CRS: Lambert 93
    (EPSG:2154) for metropolitan France by default; pass the local CRS for a
    DROM (e.g. EPSG:2975 for La Réunion).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import connected_components

from pipeline.analysis.aci import size_band

LAMBERT93 = 2154

#: Gap bridged between neighbouring polygons, in metres (see :func:`contiguity`).
SLIVER_TOLERANCE_M = 50.0

#: Label put on every regionalisation output: these are proposals, not decisions.
PROPOSAL_LABEL = "proposition"


# --------------------------------------------------------------------------- commune sets


def analysis_units(units: pd.DataFrame) -> pd.DataFrame:
    """The units of the zone: communes, with cities replaced by their arrondissements.

    Parameters
    ----------
    units
        Communes and arrondissements municipaux of the zone (code, nom, type,
        parent, population, ...).

    Returns
    -------
    DataFrame
        ``units`` without the communes that are the parent of an
        arrondissement present in ``units``.
    """
    parents = set(units.loc[units["parent"].notna(), "parent"])
    return units[~units["code"].isin(parents)].reset_index(drop=True)


def _claims(members: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Distinct (cpts_id, cpts, unit_code), a city's code expanded to its arrondissements."""
    claims = members[["cpts_id", "cpts", "unit_code"]].drop_duplicates(["cpts_id", "unit_code"])
    arr = units.loc[units["parent"].notna(), ["code", "parent"]]
    expanded = claims.merge(arr, left_on="unit_code", right_on="parent", how="left")
    expanded["unit_code"] = expanded["code"].where(expanded["code"].notna(), expanded["unit_code"])
    out = expanded[["cpts_id", "cpts", "unit_code"]].drop_duplicates(["cpts_id", "unit_code"])
    # one name per id (the first seen), so that a renamed CPTS is not split
    names = out.drop_duplicates("cpts_id").set_index("cpts_id")["cpts"]
    out = out.assign(cpts=out["cpts_id"].map(names))
    return out.reset_index(drop=True)


def claims_per_unit(members: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Number of CPTS claiming each unit of the zone.

    Parameters
    ----------
    members
        CPTS membership (cpts, cpts_id, unit_code).
    units
        Communes and arrondissements of the zone; members outside it are ignored.

    Returns
    -------
    DataFrame
        One row per unit of :func:`analysis_units`: unit_code, nom, type,
        population (plus departement, region when present), n_cpts, cpts
        (sorted list of names), cpts_ids (list, same order).
    """
    zone = analysis_units(units)
    claims = _claims(members, units).sort_values(["unit_code", "cpts", "cpts_id"])
    grouped = claims.groupby("unit_code").agg(cpts=("cpts", list), cpts_ids=("cpts_id", list))
    keep = [c for c in ("code", "nom", "type", "departement", "region", "population") if c in zone.columns]
    out = zone[keep].rename(columns={"code": "unit_code"}).merge(grouped, on="unit_code", how="left")
    out["cpts"] = [v if isinstance(v, list) else [] for v in out["cpts"]]
    out["cpts_ids"] = [v if isinstance(v, list) else [] for v in out["cpts_ids"]]
    out["n_cpts"] = out["cpts"].map(len).astype("int64")
    return out.sort_values("unit_code").reset_index(drop=True)


def overlap_pairs(members: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Every pair of CPTS sharing at least one unit.

    Parameters
    ----------
    members
        CPTS membership (cpts, cpts_id, unit_code).
    units
        Units with their population; units absent from it count with no
        population.

    Returns
    -------
    DataFrame
        cpts_id_a, cpts_a, cpts_id_b, cpts_b (``cpts_id_a < cpts_id_b``),
        shared_units (sorted list), n_shared, shared_population, n_units_a,
        n_units_b, population_a, population_b, share_count_a, share_count_b
        (n_shared / n_units), share_pop_a, share_pop_b (shared_population /
        population; NaN when the perimeter's population is 0). Sorted by
        shared population, then number of shared units, descending.
    """
    claims = _claims(members, units)
    pop = units.drop_duplicates("code").set_index("code")["population"]
    claims["population"] = claims["unit_code"].map(pop).fillna(0).astype("float64")
    sizes = claims.groupby("cpts_id").agg(n_units=("unit_code", "size"), population=("population", "sum"))
    pairs = claims.merge(claims, on="unit_code", suffixes=("_a", "_b"))
    pairs = pairs[pairs["cpts_id_a"] < pairs["cpts_id_b"]].sort_values("unit_code")
    columns = [
        "cpts_id_a", "cpts_a", "cpts_id_b", "cpts_b", "shared_units", "n_shared", "shared_population",
        "n_units_a", "n_units_b", "population_a", "population_b",
        "share_count_a", "share_count_b", "share_pop_a", "share_pop_b",
    ]  # fmt: skip
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    out = (
        pairs.groupby(["cpts_id_a", "cpts_a", "cpts_id_b", "cpts_b"], sort=True)
        .agg(
            shared_units=("unit_code", list),
            n_shared=("unit_code", "size"),
            shared_population=("population_a", "sum"),
        )
        .reset_index()
    )
    for side in ("a", "b"):
        ids = out[f"cpts_id_{side}"]
        out[f"n_units_{side}"] = ids.map(sizes["n_units"]).astype("int64")
        out[f"population_{side}"] = ids.map(sizes["population"])
    for side in ("a", "b"):
        out[f"share_count_{side}"] = out["n_shared"] / out[f"n_units_{side}"]
        total = out[f"population_{side}"].where(out[f"population_{side}"] > 0)
        out[f"share_pop_{side}"] = out["shared_population"] / total
    out = out.sort_values(["shared_population", "n_shared", "cpts_id_a", "cpts_id_b"],
                          ascending=[False, False, True, True])  # fmt: skip
    return out[columns].reset_index(drop=True)


def white_zones(claims: pd.DataFrame, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units claimed by no CPTS ("zones blanches").

    Parameters
    ----------
    claims
        Output of :func:`claims_per_unit`.
    units
        Optional: extra unit columns (e.g. epci, bv2022) are joined on code.

    Returns
    -------
    DataFrame
        The rows of ``claims`` with ``n_cpts == 0`` (without the list
        columns), plus the extra columns of ``units``; sorted by population
        descending then code.
    """
    white = claims[claims["n_cpts"] == 0].drop(columns=["cpts", "cpts_ids", "n_cpts"])
    if units is not None:
        extra = [c for c in units.columns if c not in white.columns and c != "code"]
        if extra:
            white = white.merge(
                units[["code", *extra]].rename(columns={"code": "unit_code"}), on="unit_code", how="left"
            )
    return white.sort_values(["population", "unit_code"], ascending=[False, True]).reset_index(drop=True)


# --------------------------------------------------------------------------- polygons


def _projected(frame: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise ValueError("les géométries n'ont pas de système de coordonnées (CRS)")
    return frame.to_crs(crs) if crs is not None else frame


def _one_per_id(perimeters: gpd.GeoDataFrame, id_column: str, crs: Any) -> gpd.GeoDataFrame:
    frame = _projected(perimeters[[id_column, perimeters.geometry.name]], crs)
    frame = frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
    if frame[id_column].duplicated().any():
        frame = frame.dissolve(by=id_column, as_index=False)
    return frame.reset_index(drop=True)


def polygon_overlaps(
    perimeters: gpd.GeoDataFrame,
    id_column: str = "cpts_id",
    crs: Any = LAMBERT93,
    min_area: float = 0.0,
) -> pd.DataFrame:
    """Pairwise overlaps of perimeters given as polygons, fast.

    Candidate pairs come from one bulk ``STRtree.query(predicate="intersects")``
    (GEOS prepared geometries); pairs that merely touch along a boundary are
    dropped with a vectorised ``shapely.touches``; the remaining pairs are
    intersected in one vectorised ``shapely.intersection`` call.

    Parameters
    ----------
    perimeters
        One row per perimeter (rows sharing an id are dissolved).
    id_column
        Perimeter identifier.
    crs
        Projected CRS for the areas (EPSG:2154 for metropolitan France); None
        keeps the frame's CRS.
    min_area
        Pairs whose shared area is not above this (m²) are dropped.

    Returns
    -------
    DataFrame
        cpts_id_a, cpts_id_b (``a < b``), shared_area_m2, area_a_m2,
        area_b_m2, share_a, share_b (shared area / perimeter area); sorted by
        shared area descending.
    """
    frame = _one_per_id(perimeters, id_column, crs)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    ids = frame[id_column].to_numpy()
    areas = shapely.area(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = ids[left] < ids[right]
    left, right = left[keep], right[keep]
    touching = shapely.touches(geoms[left], geoms[right])
    left, right = left[~touching], right[~touching]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    out = pd.DataFrame(
        {
            "cpts_id_a": ids[left],
            "cpts_id_b": ids[right],
            "shared_area_m2": shared,
            "area_a_m2": areas[left],
            "area_b_m2": areas[right],
        }
    )
    out = out[out["shared_area_m2"] > min_area]
    out["share_a"] = out["shared_area_m2"] / out["area_a_m2"]
    out["share_b"] = out["shared_area_m2"] / out["area_b_m2"]
    return out.sort_values(["shared_area_m2", "cpts_id_a", "cpts_id_b"], ascending=[False, True, True]).reset_index(
        drop=True
    )


def overlay_reference(
    perimeters: gpd.GeoDataFrame,
    id_column: str = "cpts_id",
    crs: Any = LAMBERT93,
    min_area: float = 0.0,
) -> pd.DataFrame:
    """Same output as :func:`polygon_overlaps`, computed with ``geopandas.overlay``.

    The straightforward method (self-overlay, ``how="intersection"``), kept
    as the reference for tests and ``scripts/bench_coverage.py``.
    """
    frame = _one_per_id(perimeters, id_column, crs)
    areas = frame.set_index(id_column).geometry.area
    left = frame.rename(columns={id_column: "cpts_id_a"})
    right = frame.rename(columns={id_column: "cpts_id_b"})
    inter = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    inter = inter[inter["cpts_id_a"] < inter["cpts_id_b"]]
    inter = inter.assign(shared_area_m2=inter.geometry.area)
    out = inter.groupby(["cpts_id_a", "cpts_id_b"], as_index=False)["shared_area_m2"].sum()
    out = out[out["shared_area_m2"] > min_area]
    out["area_a_m2"] = out["cpts_id_a"].map(areas).to_numpy(dtype="float64")
    out["area_b_m2"] = out["cpts_id_b"].map(areas).to_numpy(dtype="float64")
    out["share_a"] = out["shared_area_m2"] / out["area_a_m2"]
    out["share_b"] = out["shared_area_m2"] / out["area_b_m2"]
    out = out[["cpts_id_a", "cpts_id_b", "shared_area_m2", "area_a_m2", "area_b_m2", "share_a", "share_b"]]
    return out.sort_values(["shared_area_m2", "cpts_id_a", "cpts_id_b"], ascending=[False, True, True]).reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- areas from commune sets

_AREA_OVERLAP_COLUMNS = ["cpts_id_a", "cpts_id_b", "shared_area_m2", "area_a_m2", "area_b_m2", "share_a", "share_b"]


def commune_areas(polygons: gpd.GeoDataFrame, code_column: str = "code", crs: Any = LAMBERT93) -> pd.Series:
    """Area of each unit polygon, in m², in a projected CRS.

    Parameters
    ----------
    polygons
        One row per unit (code, geometry); rows sharing a code are summed.
    code_column
        Unit code column.
    crs
        Projected CRS (EPSG:2154 for metropolitan France; the local CRS for a
        DROM); None keeps the frame's CRS.

    Returns
    -------
    Series
        Area in m² (float64) indexed by unit code, for
        :func:`commune_set_overlaps`.
    """
    frame = _projected(polygons[[code_column, polygons.geometry.name]], crs)
    areas = pd.Series(shapely.area(np.asarray(frame.geometry.array, dtype=object)), index=frame[code_column])
    return areas.groupby(level=0, sort=True).sum().astype("float64").rename("area_m2")


def commune_set_overlaps(
    members: pd.DataFrame,
    areas: pd.Series | dict[str, float],
    id_column: str = "cpts_id",
    unit_column: str = "unit_code",
    min_area: float = 0.0,
    missing: str = "raise",
) -> pd.DataFrame:
    """Pairwise overlap areas of perimeters given as sets of units, without any geometry.

    A perimeter made of communes covers the union of its communes; since the
    communes of a tiling do not overlap each other, the area two perimeters
    share is the sum of the areas of the units they share, and a perimeter's
    area is the sum of its units' areas. With the membership matrix ``M``
    (perimeter × unit, 0/1) and the unit areas ``a``, all shared areas at once
    are ``M · diag(a) · Mᵀ``, a sparse product (scipy.sparse): at national
    scale (≈ 1 700 perimeters, 35 000 communes) it takes a few tens of milliseconds.

    This is what :func:`polygon_overlaps` returns on the dissolved perimeters,
    up to the precision of the polygons (see ``scripts/bench_coverage.py``),
    when the unit polygons form a clean tiling (the IGN Admin Express
    polygons, and their topology-preserving simplification in the data
    mirror, do). Units are whatever ``areas`` is indexed by: with commune
    areas, two CPTS that share Paris, Lyon or Marseille only through
    different arrondissements would look as if they shared the whole city, so
    pass arrondissement areas (or the commune codes, knowingly) there.

    Parameters
    ----------
    members
        CPTS membership: one row per (perimeter, unit); duplicates count once.
        Rows with no unit code are ignored.
    areas
        Area of each unit in m² (e.g. :func:`commune_areas`), indexed by the
        codes of ``unit_column``.
    id_column, unit_column
        Perimeter identifier and unit code columns of ``members``.
    min_area
        Pairs whose shared area is not above this (m²) are dropped, as in
        :func:`polygon_overlaps`; pairs that share only units of zero area
        are never reported.
    missing
        Units of ``members`` absent from ``areas``: ``"raise"`` (default)
        raises ``ValueError`` naming them; ``"zero"`` counts them with no area
        (they add nothing to shared or perimeter areas).

    Returns
    -------
    DataFrame
        Same columns as :func:`polygon_overlaps`: cpts_id_a, cpts_id_b
        (``a < b``), shared_area_m2, area_a_m2, area_b_m2, share_a, share_b
        (shared area / perimeter area); sorted by shared area descending,
        then ids.
    """
    from scipy import sparse

    if missing not in ("raise", "zero"):
        raise ValueError(f"missing doit valoir « raise » ou « zero », pas {missing!r}")
    unit_areas = pd.Series(areas, dtype="float64")
    if unit_areas.index.has_duplicates:
        dup = sorted(map(str, unit_areas.index[unit_areas.index.duplicated()].unique()))
        raise ValueError(f"surfaces en double pour {len(dup)} unité(s) : {', '.join(dup[:10])}")
    valid = (members[id_column].notna() & members[unit_column].notna()).to_numpy()
    row, ids = pd.factorize(members[id_column][valid], sort=True)  # ids sorted: row < col means a < b
    units = members[unit_column][valid]
    position = unit_areas.index.get_indexer(units)
    absent = position < 0
    if absent.any() and missing == "raise":
        codes = sorted(map(str, units[absent].unique()))
        raise ValueError(
            f"surface inconnue pour {len(codes)} unité(s) des périmètres : {', '.join(codes[:10])}"
            + (" …" if len(codes) > 10 else "")
        )
    # membership matrix M (perimeter × unit), 0/1: a unit listed twice in a perimeter counts once;
    # units without an area add nothing and are left out
    row, position = row[~absent], position[~absent]
    membership = sparse.csr_matrix(
        (np.ones(len(row)), (row, position)), shape=(len(ids), len(unit_areas)), dtype="float64"
    )
    membership.sum_duplicates()
    membership.data[:] = 1.0
    weighted = membership @ sparse.diags(unit_areas.to_numpy())  # M · diag(a)
    product = weighted @ membership.T  # M · diag(a) · Mᵀ: shared areas, perimeter areas on the diagonal
    perimeter = product.diagonal()
    shared = sparse.triu(product, k=1).tocoo()
    ids = ids.to_numpy()
    keep = shared.data > min_area
    left, right, value = shared.row[keep], shared.col[keep], shared.data[keep]
    if len(value) == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c.startswith("cpts_id") else "float64") for c in _AREA_OVERLAP_COLUMNS}
        )
    out = pd.DataFrame(
        {
            "cpts_id_a": ids[left],
            "cpts_id_b": ids[right],
            "shared_area_m2": value,
            "area_a_m2": perimeter[left],
            "area_b_m2": perimeter[right],
            "share_a": value / perimeter[left],  # shared > 0, so both perimeters have an area
            "share_b": value / perimeter[right],
        }
    )
    return out.sort_values(["shared_area_m2", "cpts_id_a", "cpts_id_b"], ascending=[False, True, True]).reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- contiguity


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

    projected = _projected(gpd.GeoDataFrame(geometry=gdf.geometry.reset_index(drop=True)), crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands are expected and handled by the caller
        return fuzzy_contiguity(projected, buffering=True, buffer=tolerance_m / 2.0, silence_warnings=True)


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


def _summary(groups: Iterable[tuple[Any, pd.DataFrame]], bv_column: str) -> list[dict[str, Any]]:
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
    rows = _summary(labelled.groupby("territoire", sort=True), bv_column)
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


# --------------------------------------------------------------------------- regionalisation


def _connected(neighbors: dict[int, list[int]], members: np.ndarray) -> bool:
    """True when ``members`` form one connected set in the ``neighbors`` graph."""
    inside = set(members.tolist())
    if not inside:
        return False
    start = next(iter(inside))
    seen, stack = {start}, [start]
    while stack:
        for j in neighbors.get(stack.pop(), []):
            if j in inside and j not in seen:
                seen.add(j)
                stack.append(j)
    return seen == inside


def _maxp(
    xy: np.ndarray,
    population: np.ndarray,
    neighbors: dict[int, list[int]],
    floor: float,
    seed: int,
    options: dict[str, int],
) -> np.ndarray | None:
    """Max-p labels (1..p) of areas 0..n-1 with compactness attributes, or None if not conforming.

    The construction phase runs first on its own (``max_iterations_sa=0``) to
    learn p: when p is 1 every area gets label 1 without simulated annealing,
    because spopt 0.7's annealing never ends on a single region that can
    spare an area (every candidate move is rejected and drawn again). The
    labels are checked: every area assigned, every region at least ``floor``
    inhabitants and connected.
    """
    from libpysal.weights import W
    from spopt.region.maxp import maxp

    n = len(population)
    frame = gpd.GeoDataFrame(
        {"_x": xy[:, 0], "_y": xy[:, 1], "_pop": population.astype("float64")},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
    )
    args = (["_x", "_y"], "_pop", floor, options["top_n"], options["max_iterations_construction"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W({i: list(neighbors.get(i, [])) for i in range(n)}, silence_warnings=True)
        state = np.random.get_state()
        try:
            np.random.seed(seed)
            p, _ = maxp(frame, w, *args, 0)
            if p < 2:
                return np.ones(n, dtype=int)
            np.random.seed(seed)
            _, found = maxp(frame, w, *args, options["max_iterations_sa"])
        finally:
            np.random.set_state(state)
    if found is None:
        return None
    labels = np.asarray(found, dtype=int)
    if len(labels) != n or (labels <= 0).any():
        return None
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        if population[idx].sum() < floor or not _connected(neighbors, idx):
            return None
    return labels


def _bv_parts(neighbors: dict[int, list[int]], bv: np.ndarray) -> np.ndarray:
    """Connected pieces of each bassin de vie: communes linked through same-bassin neighbours."""
    part = np.full(len(bv), -1, dtype=int)
    current = 0
    for i in range(len(bv)):
        if part[i] >= 0:
            continue
        part[i] = current
        stack = [i]
        while stack:
            k = stack.pop()
            for j in neighbors.get(k, []):
                if part[j] < 0 and bv[j] == bv[i]:
                    part[j] = current
                    stack.append(j)
        current += 1
    return part


def _sub_neighbors(neighbors: dict[int, list[int]], idx: np.ndarray) -> dict[int, list[int]]:
    """Neighbours restricted to ``idx``, renumbered 0..len(idx)-1."""
    pos = {int(k): n for n, k in enumerate(idx)}
    return {pos[int(k)]: [pos[j] for j in neighbors.get(int(k), []) if j in pos] for k in idx}


def _regionalise(
    xy: np.ndarray,
    population: np.ndarray,
    bv: np.ndarray,
    neighbors: dict[int, list[int]],
    floor: float,
    seed: int,
    options: dict[str, int],
) -> tuple[np.ndarray, str]:
    """Two-level max-p: whole pieces of bassins de vie first, then communes inside large regions."""
    n = len(population)
    note = ""
    # level 1: areas are the connected pieces of bassins de vie
    part = _bv_parts(neighbors, bv)
    n_parts = int(part.max()) + 1
    region = np.zeros(n, dtype=int)
    if n_parts > 1:
        part_pop = np.bincount(part, weights=population, minlength=n_parts)
        part_xy = np.column_stack(
            [np.bincount(part, weights=xy[:, k] * population, minlength=n_parts) / np.maximum(part_pop, 1)
             for k in (0, 1)]
        )  # fmt: skip
        part_nb: dict[int, set[int]] = {p: set() for p in range(n_parts)}
        for i, js in neighbors.items():
            for j in js:
                if part[i] != part[j]:
                    part_nb[int(part[i])].add(int(part[j]))
        lab = _maxp(part_xy, part_pop, {p: sorted(s) for p, s in part_nb.items()}, floor, seed, options)
        if lab is None:
            note = "découpage par bassins de vie non conforme : découpage par communes"
        else:
            region = lab[part]
    # level 2: split regions that can hold two proposals, commune by commune
    labels = np.zeros(n, dtype=int)
    next_label = 1
    for r in np.unique(region):
        idx = np.flatnonzero(region == r)
        sub_labels = None
        if population[idx].sum() >= 2 * floor and len(idx) > 1:
            sub_labels = _maxp(xy[idx], population[idx], _sub_neighbors(neighbors, idx), floor, seed, options)
            if sub_labels is None:
                note = "découpage max-p non conforme : région proposée en entier"
        if sub_labels is None:
            sub_labels = np.ones(len(idx), dtype=int)
        labels[idx] = sub_labels + next_label - 1
        next_label += int(sub_labels.max())
    return labels, note


def candidate_perimeters(
    atone_gdf: gpd.GeoDataFrame,
    floor: float = 20_000,
    crs: Any = LAMBERT93,
    tolerance_m: float = SLIVER_TOLERANCE_M,
    bv_column: str = "bv2022",
    seed: int = 0,
    top_n: int = 2,
    max_iterations_construction: int = 99,
    max_iterations_sa: int = 3,
) -> pd.DataFrame:
    """Propose CPTS perimeters inside each atone territory of at least ``floor`` inhabitants.

    Method: max-p regionalisation (``spopt.region.MaxPHeuristic``, Wei, Rey
    and Knaap 2020): the largest number of contiguous regions each with at
    least ``floor`` inhabitants (seed ``004``: "un ordre de grandeur
    supérieur à 20 000 habitants"), the most compact among them (the
    heterogeneity attributes are the population-weighted centroids).

    Bassins de vie (INSEE BV2022, the reference "territoire vécu") are
    preferred boundaries through a two-level regionalisation:

    1. the areas are the connected pieces of bassins de vie inside the
       territory; max-p groups whole pieces, so proposals never cut a bassin
       de vie at this level;
    2. a resulting region that still holds at least ``2 × floor`` inhabitants
       (a large bassin de vie) is split commune by commune with max-p.

    Alternatives rejected: one-hot bassin de vie attributes in a single
    commune-level max-p (tested: the construction phase rarely grows regions
    along bassin de vie boundaries when the floor is tight, and simulated
    annealing cannot move a commune without breaking the floor), and removing
    the contiguity edges that cross bassins de vie (a bassin de vie below the
    floor could then join no neighbour). Contiguity is :func:`contiguity`. A
    territory below ``2 × floor`` cannot hold two proposals and is proposed
    whole. Every region is checked (all communes assigned, floor, contiguity);
    when the heuristic returns anything else the region is proposed whole,
    with a note.

    Parameters
    ----------
    atone_gdf
        Uncovered communes (code, population, bv2022, geometry), with a
        ``territoire`` column from :func:`atone_components` (computed when
        absent).
    floor
        Minimum population of a proposal.
    seed
        Seed of the heuristic's random draws (the global NumPy random state is
        restored afterwards).
    top_n, max_iterations_construction, max_iterations_sa
        Passed to spopt's max-p. spopt 0.7's simulated annealing is slow (a few
        seconds per iteration even on a handful of areas), hence 3 iterations
        by default rather than spopt's 10.

    Returns
    -------
    DataFrame
        territoire, proposition ("TA-001-P1", by decreasing population),
        statut ("proposition"), communes, n_communes, population, taille,
        bassins_vie, n_bassins_vie, methode, note. Territories below ``floor``
        produce no row (see :func:`atone_territories`).
    """
    frame = atone_gdf if "territoire" in atone_gdf.columns else atone_components(atone_gdf, crs, tolerance_m)
    options = {
        "top_n": top_n,
        "max_iterations_construction": max_iterations_construction,
        "max_iterations_sa": max_iterations_sa,
    }
    method = (
        f"max-p (spopt MaxPHeuristic) à deux niveaux (bassins de vie puis communes), "
        f"seuil {floor:,.0f} hab., contiguïté à {tolerance_m:g} m"
    ).replace(",", " ")
    rows: list[dict[str, Any]] = []
    for territory, grp in frame.groupby("territoire", sort=True):
        total = float(grp["population"].sum())
        if total < floor:
            continue
        sub = grp.reset_index(drop=True).copy()
        labels = np.ones(len(sub), dtype=int)
        note = ""
        if total >= 2 * floor and len(sub) > 1:
            w = contiguity(sub, crs, tolerance_m)
            neighbors = {int(i): [int(j) for j in w.neighbors[i]] for i in w.neighbors}
            centroids = _projected(gpd.GeoDataFrame(geometry=sub.geometry), crs).geometry.centroid
            xy = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()]) / 1000.0
            bv = sub[bv_column].fillna("?").astype(str).to_numpy() if bv_column in sub else np.full(len(sub), "?")
            labels, note = _regionalise(
                xy, sub["population"].to_numpy(dtype="float64"), bv, neighbors, floor, seed, options
            )
        sub["_region"] = labels
        parts = _summary(sub.groupby("_region"), bv_column)
        parts.sort(key=lambda r: (-r["population"], r["communes"][0]))
        for k, part in enumerate(parts, start=1):
            part.pop("key")
            rows.append(
                {
                    "territoire": territory,
                    "proposition": f"{territory}-P{k}",
                    "statut": PROPOSAL_LABEL,
                    **part,
                    "methode": method,
                    "note": note,
                }
            )
    columns = [
        "territoire", "proposition", "statut", "communes", "n_communes", "population", "taille",
        "bassins_vie", "n_bassins_vie", "methode", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def listing_quality(issues: pd.DataFrame) -> pd.DataFrame:
    """Count the defects of each listing by kind (from ``ListingResult.issues``).

    Returns
    -------
    DataFrame
        listing, kind, n (number of issues), sorted by listing then kind.
    """
    if issues.empty:
        return pd.DataFrame(columns=["listing", "kind", "n"])
    return issues.groupby(["listing", "kind"]).size().rename("n").reset_index().sort_values(["listing", "kind"])


__all__ = [
    "LAMBERT93",
    "PROPOSAL_LABEL",
    "SLIVER_TOLERANCE_M",
    "analysis_units",
    "atone_components",
    "atone_territories",
    "candidate_perimeters",
    "claims_per_unit",
    "contiguity",
    "listing_quality",
    "overlap_pairs",
    "overlay_reference",
    "polygon_overlaps",
    "white_zones",
]
