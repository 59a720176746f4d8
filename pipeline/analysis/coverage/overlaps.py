"""Overlaps between CPTS perimeters: pairs sharing units, shared areas from unit sets or polygons.

One approved CPTS per territory (seed ``003``, §6.1: « Un seul projet de santé
de CPTS pourra être approuvé sur un territoire donné »): every pair of
perimeters that share a unit is reported with the shared population, and,
when areas are known, the shared area.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.analysis.coverage.claims import distinct_claims
from pipeline.analysis.coverage.projection import LAMBERT93, projected

__all__ = ["commune_areas", "commune_set_overlaps", "overlap_pairs", "overlay_reference", "polygon_overlaps"]


def overlap_pairs(members: pd.DataFrame, units: pd.DataFrame, within: Collection[str] | None = None) -> pd.DataFrame:
    """Every pair of CPTS sharing at least one unit.

    Parameters
    ----------
    members
        CPTS membership (cpts, cpts_id, unit_code).
    units
        Units with their population; units absent from it count with no
        population.
    within
        The units of the zone analysed: a pair sharing units only outside it
        does not overlap there (a review: two CPTS of the 04 sharing Gap, in
        the 05, counted among the 04's overlaps). None: everywhere.

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
    claims = distinct_claims(members, units)
    pop = units.drop_duplicates("code").set_index("code")["population"]
    claims["population"] = claims["unit_code"].map(pop).fillna(0).astype("float64")
    sizes = claims.groupby("cpts_id").agg(n_units=("unit_code", "size"), population=("population", "sum"))
    pairs = claims.merge(claims, on="unit_code", suffixes=("_a", "_b"))
    pairs = pairs[pairs["cpts_id_a"] < pairs["cpts_id_b"]].sort_values("unit_code")
    if within is not None:
        pairs = pairs[pairs["unit_code"].astype(str).isin({str(c) for c in within})]
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


def _one_per_id(perimeters: gpd.GeoDataFrame, id_column: str, crs: Any) -> gpd.GeoDataFrame:
    frame = projected(perimeters[[id_column, perimeters.geometry.name]], crs)
    frame = frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
    if frame[id_column].duplicated().any():
        frame = frame.dissolve(by=id_column, as_index=False)
    return frame.reset_index(drop=True)


def polygon_overlaps(
    perimeters: gpd.GeoDataFrame,
    id_column: str = "cpts_id",
    crs: Any = LAMBERT93,
    min_area: float = 0.0,
    within: shapely.Geometry | None = None,
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
    within
        The zone analysed, in the perimeters' CRS: only the shared area inside
        it counts, each perimeter's area staying whole, as in
        :func:`commune_set_overlaps` (a review: a département's sheet gave two
        squares' 79 km² shared outside it). None: everywhere.

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
    common = shapely.intersection(geoms[left], geoms[right])
    if within is not None:
        zone = gpd.GeoSeries([within], crs=perimeters.crs)
        common = shapely.intersection(common, (zone if crs is None else zone.to_crs(crs)).iloc[0])
    shared = shapely.area(common)
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
    frame = projected(polygons[[code_column, polygons.geometry.name]], crs)
    areas = pd.Series(shapely.area(np.asarray(frame.geometry.array, dtype=object)), index=frame[code_column])
    return areas.groupby(level=0, sort=True).sum().astype("float64").rename("area_m2")


def commune_set_overlaps(
    members: pd.DataFrame,
    areas: pd.Series | dict[str, float],
    id_column: str = "cpts_id",
    unit_column: str = "unit_code",
    min_area: float = 0.0,
    missing: str = "raise",
    within: Collection[str] | None = None,
    held: Mapping[str, str] | None = None,
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
    within
        The units of the zone analysed, as in :func:`overlap_pairs`: only
        they count in the shared areas (a review: a département's row gave
        one shared commune of 11 km² and the pair's whole 168 km²), while
        each perimeter's area stays whole, as its population does there.
        None: everywhere.
    held
        Communes re-created since the contours' vintage, without a polygon
        of their own, and the code of the polygon holding their land: that
        polygon's area is theirs too, so a shared area, or a perimeter's
        area, that holds the polygon without all of them (or them without
        it) is unknown (NaN), and so is the share it enters (a review: 92 km²
        shared where two CPTS shared the holder only).

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
    perimeter = membership @ unit_areas.to_numpy()  # M · a: each perimeter's whole area
    counted = unit_areas.to_numpy() if within is None else \
        unit_areas.to_numpy() * unit_areas.index.astype(str).isin({str(c) for c in within})
    product = membership @ sparse.diags(counted) @ membership.T  # M · diag(a) · Mᵀ: shared areas (upper triangle)
    shared = sparse.triu(product, k=1).tocoo()
    ids = ids.to_numpy()
    keep = shared.data > min_area
    left, right, value = shared.row[keep], shared.col[keep], shared.data[keep]
    if len(value) == 0 and not held:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c.startswith("cpts_id") else "float64") for c in _AREA_OVERLAP_COLUMNS}
        )
    out = pd.DataFrame(
        {
            "cpts_id_a": pd.Series(ids[left], dtype=object),
            "cpts_id_b": pd.Series(ids[right], dtype=object),
            "shared_area_m2": value,
            "area_a_m2": perimeter[left],
            "area_b_m2": perimeter[right],
            "share_a": value / perimeter[left],  # shared > 0, so both perimeters have an area
            "share_b": value / perimeter[right],
        }
    )
    if held:
        out = _unknown_where_held(out, members[valid], id_column, unit_column, held, within,
                                  pd.Series(perimeter, index=ids))
    return out.sort_values(["shared_area_m2", "cpts_id_a", "cpts_id_b"], ascending=[False, True, True],
                           na_position="first").reset_index(drop=True)


def _unknown_where_held(out: pd.DataFrame, members: pd.DataFrame, id_column: str, unit_column: str,
                        held: Mapping[str, str], within: Collection[str] | None, perimeters: pd.Series) -> pd.DataFrame:
    """``out`` with NaN where a set of units cuts a polygon from the communes it holds (see ``held``), and with the
    pairs that share only such communes (no area of their own: left out of ``out``), their shared area unknown, not
    0 (a review: two CPTS sharing L'Oie, whose land is inside Essarts-en-Bocage's polygon, shared « 0 km² »).
    ``perimeters``: each perimeter's whole area by id."""
    groups: dict[str, set[str]] = {}
    for code, holder in held.items():
        groups.setdefault(str(holder), {str(holder)}).add(str(code))
    units = members.groupby(id_column)[unit_column].agg(lambda s: set(map(str, s)))
    zone = None if within is None else {str(c) for c in within}

    def cut(codes: set[str]) -> bool:
        return any(codes & group and not group <= codes for group in groups.values())

    recreated = members[members[unit_column].astype(str).isin({str(c) for c in held})]
    if zone is not None:
        recreated = recreated[recreated[unit_column].astype(str).isin(zone)]
    listed = set(zip(out["cpts_id_a"], out["cpts_id_b"], strict=True))
    extra = sorted({(a, b) for ids in recreated.groupby(unit_column)[id_column].agg(lambda s: sorted(set(s)))
                    for i, a in enumerate(ids) for b in ids[i + 1:] if (a, b) not in listed})
    if extra:
        out = pd.concat([out, pd.DataFrame({
            "cpts_id_a": [a for a, _ in extra], "cpts_id_b": [b for _, b in extra], "shared_area_m2": float("nan"),
            "area_a_m2": [float(perimeters[a]) for a, _ in extra],
            "area_b_m2": [float(perimeters[b]) for _, b in extra]})], ignore_index=True)
    out = out.copy()
    for side in ("a", "b"):
        whole = out[f"cpts_id_{side}"].map(lambda i: not cut(units[i]))
        out[f"area_{side}_m2"] = out[f"area_{side}_m2"].where(whole)
    shared = [units[a] & units[b] if zone is None else units[a] & units[b] & zone
              for a, b in zip(out["cpts_id_a"], out["cpts_id_b"], strict=True)]
    out["shared_area_m2"] = out["shared_area_m2"].where([not cut(codes) for codes in shared])
    out["share_a"] = out["shared_area_m2"] / out["area_a_m2"]
    out["share_b"] = out["shared_area_m2"] / out["area_b_m2"]
    return out
