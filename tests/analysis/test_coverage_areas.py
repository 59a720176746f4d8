"""Tests of overlap areas computed from commune sets, against hand-computed answers and polygons.

The units are 1 km squares in Lambert 93 (EPSG:2154) coordinates, so each
has an area of exactly 1 000 000 m²; codes are made up for the tests.

Grid (columns i = 0..2, rows j = 0..1)::

    j=1   u01 u11 u21
    j=0   u00 u10 u20

    A = {u00, u10, u01, u11}   4 km²
    B = {u10, u11, u20, u21}   4 km²   A ∩ B = {u10, u11}: 2 km²
    C = {u21}                  1 km²   B ∩ C = {u21}: 1 km²
    A and C only touch along the edge between u11 and u21: not a pair.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from pipeline.analysis.coverage.overlaps import (
    commune_areas,
    commune_set_overlaps,
    overlay_reference,
    polygon_overlaps,
)

X0, Y0 = 800_000.0, 6_300_000.0  # somewhere in Provence, Lambert 93
KM = 1000.0
KM2 = KM * KM

PERIMETERS = {
    "A": ["u00", "u10", "u01", "u11"],
    "B": ["u10", "u11", "u20", "u21"],
    "C": ["u21"],
}


def cell(i: int, j: int) -> shapely.Polygon:
    return box(X0 + i * KM, Y0 + j * KM, X0 + (i + 1) * KM, Y0 + (j + 1) * KM)


def _grid(columns: int = 3, rows: int = 2) -> gpd.GeoDataFrame:
    cells = [(f"u{i}{j}", cell(i, j)) for i in range(columns) for j in range(rows)]
    return gpd.GeoDataFrame({"code": [c for c, _ in cells]}, geometry=[g for _, g in cells], crs=2154)


def _members(perimeters: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(cid, code) for cid, codes in perimeters.items() for code in codes]
    return pd.DataFrame(rows, columns=["cpts_id", "unit_code"])


def _dissolved(grid: gpd.GeoDataFrame, perimeters: dict[str, list[str]]) -> gpd.GeoDataFrame:
    by_code = grid.set_index("code").geometry
    rows = [(cid, shapely.union_all([by_code[c] for c in codes])) for cid, codes in perimeters.items()]
    return gpd.GeoDataFrame({"cpts_id": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs=2154)


def test_commune_areas_in_lambert93() -> None:
    areas = commune_areas(_grid())
    assert areas.index.tolist() == ["u00", "u01", "u10", "u11", "u20", "u21"]
    assert areas.tolist() == [KM2] * 6
    # the same squares given in WGS84 are projected back to Lambert 93 before measuring
    wgs84 = commune_areas(_grid().to_crs(4326))
    assert np.allclose(wgs84.to_numpy(), KM2, rtol=1e-6)


def test_hand_computed_overlaps() -> None:
    got = commune_set_overlaps(_members(PERIMETERS), commune_areas(_grid()))
    assert got.columns.tolist() == [
        "cpts_id_a", "cpts_id_b", "shared_area_m2", "area_a_m2", "area_b_m2", "share_a", "share_b",
    ]  # fmt: skip
    assert got.to_dict("records") == [
        {"cpts_id_a": "A", "cpts_id_b": "B", "shared_area_m2": 2 * KM2, "area_a_m2": 4 * KM2,
         "area_b_m2": 4 * KM2, "share_a": 0.5, "share_b": 0.5},
        {"cpts_id_a": "B", "cpts_id_b": "C", "shared_area_m2": 1 * KM2, "area_a_m2": 4 * KM2,
         "area_b_m2": 1 * KM2, "share_a": 0.25, "share_b": 1.0},
    ]  # fmt: skip


def test_a_zone_counts_only_its_units_in_the_shared_areas() -> None:
    """A review: a département's overlap row gave one shared commune of 11 km², and the pair's whole 168 km² with
    a share of 1.0. A and B share u10 and u11 (1 km² each); a zone holding u10 only (column i = 1, row 0): the
    shared area is u10's 1 km², each perimeter keeps its whole 4 km², so each share is 1/4; B and C share u21,
    outside the zone: no pair."""
    got = commune_set_overlaps(_members(PERIMETERS), commune_areas(_grid()), within={"u00", "u10", "u20"})
    assert got.to_dict("records") == [
        {"cpts_id_a": "A", "cpts_id_b": "B", "shared_area_m2": 1 * KM2, "area_a_m2": 4 * KM2,
         "area_b_m2": 4 * KM2, "share_a": 0.25, "share_b": 0.25},
    ]  # fmt: skip


def test_a_polygon_holding_a_recreated_commune_counts_only_with_it() -> None:
    """A review: two CPTS sharing Neussargues-en-Pinatelle's polygon, which also holds communes re-created since the
    contours (without a polygon of their own), shared its whole 92 km². Here u10's square also holds « x »: a set
    with u10 but not x (or x without u10) has an unknown area, and so has every share it enters."""
    areas = commune_areas(_grid())
    cut = commune_set_overlaps(_members(PERIMETERS), areas, missing="zero", held={"x": "u10"})
    rows = {(r["cpts_id_a"], r["cpts_id_b"]): r for r in cut.to_dict("records")}
    assert rows.keys() == {("A", "B"), ("B", "C")}
    assert math.isnan(rows["A", "B"]["shared_area_m2"]) and math.isnan(rows["A", "B"]["share_a"])
    assert math.isnan(rows["A", "B"]["area_a_m2"]) and math.isnan(rows["B", "C"]["area_a_m2"])  # A and B hold u10
    assert rows["B", "C"]["shared_area_m2"] == 1 * KM2 and rows["B", "C"]["area_b_m2"] == 1 * KM2  # u21, C = u21
    assert math.isnan(rows["B", "C"]["share_a"]) and rows["B", "C"]["share_b"] == 1.0
    # Sharing only the re-created commune (no area of its own, inside u10's square): unknown, never 0 (a review).
    only = commune_set_overlaps(_members({"A": ["u00", "x"], "D": ["u20", "x"]}), areas, missing="zero",
                                held={"x": "u10"})
    assert only[["cpts_id_a", "cpts_id_b"]].values.tolist() == [["A", "D"]]
    assert math.isnan(only.loc[0, "shared_area_m2"]) and math.isnan(only.loc[0, "area_a_m2"])  # x without u10
    whole = {cid: [*codes, "x"] if "u10" in codes else codes for cid, codes in PERIMETERS.items()}
    known = commune_set_overlaps(_members(whole), areas, missing="zero", held={"x": "u10"})
    assert known.to_dict("records") == commune_set_overlaps(_members(PERIMETERS), areas).to_dict("records")


def test_same_as_polygon_methods_on_the_same_geometry() -> None:
    grid = _grid()
    sets = commune_set_overlaps(_members(PERIMETERS), commune_areas(grid))
    perimeters = _dissolved(grid, PERIMETERS)
    for polygons in (polygon_overlaps(perimeters), overlay_reference(perimeters)):
        assert polygons.columns.tolist() == sets.columns.tolist()
        assert polygons[["cpts_id_a", "cpts_id_b"]].values.tolist() == sets[["cpts_id_a", "cpts_id_b"]].values.tolist()
        for column in ("shared_area_m2", "area_a_m2", "area_b_m2", "share_a", "share_b"):
            assert np.allclose(polygons[column].to_numpy(float), sets[column].to_numpy(float), rtol=1e-9, atol=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_perimeters_agree_with_polygons(seed: int) -> None:
    """Random commune sets on a 6 × 6 grid: same pairs and areas as polygon_overlaps."""
    rng = np.random.default_rng(seed)
    grid = _grid(6, 6)
    codes = grid["code"].to_numpy()
    perimeters = {f"P{k}": sorted(rng.choice(codes, size=int(rng.integers(1, 10)), replace=False)) for k in range(8)}
    sets = commune_set_overlaps(_members(perimeters), commune_areas(grid))
    polygons = polygon_overlaps(_dissolved(grid, perimeters), min_area=1.0)  # drop floating-point slivers
    assert sets[["cpts_id_a", "cpts_id_b"]].values.tolist() == polygons[["cpts_id_a", "cpts_id_b"]].values.tolist()
    for column in ("shared_area_m2", "area_a_m2", "area_b_m2"):
        assert np.allclose(sets[column].to_numpy(float), polygons[column].to_numpy(float), rtol=1e-9, atol=1e-3)
    # every shared area is a whole number of squares
    assert np.allclose(sets["shared_area_m2"] / KM2, np.round(sets["shared_area_m2"] / KM2))


def test_duplicates_count_once_and_missing_codes_ignored() -> None:
    members = _members(PERIMETERS)
    members = pd.concat([members, members.head(3), pd.DataFrame({"cpts_id": ["A"], "unit_code": [None]})])
    got = commune_set_overlaps(members, commune_areas(_grid()))
    assert got["shared_area_m2"].tolist() == [2 * KM2, 1 * KM2]
    assert got["area_a_m2"].tolist() == [4 * KM2, 4 * KM2]


def test_unit_without_area_is_reported() -> None:
    members = pd.concat([_members(PERIMETERS), pd.DataFrame({"cpts_id": ["C", "B"], "unit_code": ["u99", "u99"]})])
    areas = commune_areas(_grid())
    with pytest.raises(ValueError, match="u99"):
        commune_set_overlaps(members, areas)
    # knowingly counted with no area: B and C share u99 but it adds nothing
    got = commune_set_overlaps(members, areas, missing="zero")
    assert got["shared_area_m2"].tolist() == [2 * KM2, 1 * KM2]
    with pytest.raises(ValueError):
        commune_set_overlaps(members, areas, missing="ignore")


def test_min_area_and_integer_ids() -> None:
    members = _members(PERIMETERS)
    members["cpts_id"] = members["cpts_id"].map({"A": 30, "B": 20, "C": 10})
    got = commune_set_overlaps(members, commune_areas(_grid()), min_area=1.5 * KM2)
    # ids are ordered a < b: B (20) before A (30)
    assert got[["cpts_id_a", "cpts_id_b", "shared_area_m2", "share_a", "share_b"]].values.tolist() == [
        [20, 30, 2 * KM2, 0.5, 0.5]
    ]


def test_no_overlap() -> None:
    got = commune_set_overlaps(_members({"A": ["u00"], "B": ["u10"]}), commune_areas(_grid()))
    assert got.empty
    assert got.columns.tolist() == polygon_overlaps(_dissolved(_grid(), {"A": ["u00"]})).columns.tolist()


def test_units_of_zero_area_make_no_pair() -> None:
    areas = pd.Series({"x": 0.0, "y": 5.0})
    got = commune_set_overlaps(_members({"A": ["x", "y"], "B": ["y"], "C": ["x"]}), areas, min_area=-1.0)
    assert got[["cpts_id_a", "cpts_id_b", "shared_area_m2", "share_a", "share_b"]].values.tolist() == [
        ["A", "B", 5.0, 1.0, 1.0]
    ]  # A and C share only x, of no area
