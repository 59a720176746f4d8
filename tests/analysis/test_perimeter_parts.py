"""The separate parts of a perimeter, on squares whose distances are known by construction.

Rule (``pipeline.analysis.perimeter_parts``): two units are in the same part when their polygons are
within 50 m of each other, the tolerance of the coverage analysis's contiguity; part 1 is the most
populated, ties going to the part holding the smallest code.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.analysis.perimeter_parts import PARTS_TOLERANCE_M, perimeter_parts

LAMBERT93 = 2154


def squares(*cells: tuple[str, float, float, float]) -> gpd.GeoDataFrame:
    """Squares of 1 km with their lower-left corner at (x, y) metres: (code, x, y, population)."""
    return gpd.GeoDataFrame({"code": [c[0] for c in cells], "population": [c[3] for c in cells]},
                            geometry=[box(x, y, x + 1000, y + 1000) for _, x, y, _ in cells], crs=LAMBERT93)


def test_touching_squares_are_one_part_and_a_distant_one_another() -> None:
    units = squares(("A", 0, 0, 100), ("B", 1000, 0, 100), ("C", 5000, 0, 50))
    assert perimeter_parts(units, LAMBERT93).tolist() == [1, 1, 2]


def test_squares_meeting_at_a_corner_are_one_part() -> None:
    assert perimeter_parts(squares(("A", 0, 0, 1), ("B", 1000, 1000, 1)), LAMBERT93).tolist() == [1, 1]


@pytest.mark.parametrize(("gap", "parts"), [(30.0, [1, 1]), (49.0, [1, 1]), (51.0, [1, 2]), (800.0, [1, 2])])
def test_a_gap_under_the_tolerance_is_bridged(gap: float, parts: list[int]) -> None:
    assert PARTS_TOLERANCE_M == 50.0
    units = squares(("A", 0, 0, 10), ("B", 1000 + gap, 0, 5))
    assert perimeter_parts(units, LAMBERT93).tolist() == parts


def test_the_most_populated_part_comes_first_whatever_its_size() -> None:
    # Two squares of 100 inhabitants, against one square of 1 000 further east.
    units = squares(("A", 0, 0, 100), ("B", 1000, 0, 100), ("C", 9000, 0, 1000))
    assert perimeter_parts(units, LAMBERT93).tolist() == [2, 2, 1]


def test_equal_populations_rank_by_smallest_code_and_missing_counts_as_zero() -> None:
    units = squares(("Z", 0, 0, 10), ("M", 5000, 0, 10), ("B", 10_000, 0, float("nan")))
    assert perimeter_parts(units, LAMBERT93).tolist() == [2, 1, 3]


def test_chain_of_neighbours_is_one_part_and_the_index_is_kept() -> None:
    units = squares(("A", 0, 0, 1), ("B", 1000, 0, 1), ("C", 2000, 0, 1), ("D", 3020, 0, 1))
    units.index = [10, 20, 30, 40]
    got = perimeter_parts(units, LAMBERT93)
    assert got.index.tolist() == [10, 20, 30, 40] and got.tolist() == [1, 1, 1, 1]


def test_distances_are_measured_in_the_given_projection() -> None:
    # The same squares given in WGS84: the function projects them back before measuring.
    units = squares(("A", 700_000, 6_600_000, 1), ("B", 701_000 + 30, 6_600_000, 1),
                    ("C", 701_000 + 400, 6_602_000, 1)).to_crs(4326)
    assert perimeter_parts(units, LAMBERT93).tolist() == [1, 1, 2]


def test_no_unit_no_part() -> None:
    empty = squares()
    assert perimeter_parts(empty, LAMBERT93).empty
    assert isinstance(perimeter_parts(empty, LAMBERT93), pd.Series)
