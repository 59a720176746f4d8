"""Coverage map colours: CPTS perimeters that touch or overlap never share a colour."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from pipeline.render.maps.colouring import adjacency, colour_graph, perimeter_colors
from pipeline.render.palette import COVERAGE_COLORS, distinct_colors
from tests.render.map_data import grid_perimeters, paca_coverage, synthetic_coverage


def brute_force_neighbours(perimeters: gpd.GeoDataFrame, name: str = "cpts", metres: float = 1.0) -> set:
    """Pairs of names whose perimeters are within ``metres`` (Lambert 93), by comparing every pair."""
    projected = perimeters.to_crs(2154)
    geoms = dict(zip(projected[name], projected.geometry, strict=True))
    return {(a, b) for a, b in itertools.combinations(sorted(geoms), 2) if geoms[a].distance(geoms[b]) <= metres}


def test_queen_grid_adjacency_is_known() -> None:
    # 3 x 3 squares: 6 horizontal + 6 vertical + 8 diagonal (corner) contacts.
    grid = grid_perimeters(3, 3)
    assert len(adjacency(grid)) == 20
    # Separate squares 0.02° apart (about 1.6 km) are not neighbours.
    apart = gpd.GeoDataFrame(geometry=[box(0, 45, 0.1, 45.1), box(0.12, 45, 0.2, 45.1)], crs=4326)
    assert adjacency(apart) == []


def test_colour_graph_separates_every_edge() -> None:
    # The 4-cycle with one chord, and a triangle hanging off it (known chromatic number 3).
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (3, 4), (4, 5), (5, 3)]
    colours = colour_graph(6, edges)
    assert all(colours[a] != colours[b] for a, b in edges)
    assert len(set(colours)) == 3


@pytest.mark.parametrize("cols, rows", [(2, 2), (4, 4), (7, 5)])
def test_grid_perimeters_get_different_colours_from_each_neighbour(cols: int, rows: int) -> None:
    grid = grid_perimeters(cols, rows)
    colors = perimeter_colors(grid)
    assert set(colors) == set(grid["cpts"])
    for a, b in brute_force_neighbours(grid):
        assert colors[a] != colors[b], (a, b)
    # Four squares meeting at a corner all touch each other: at least four colours.
    assert len(set(colors.values())) >= 4
    assert set(colors.values()) <= set(distinct_colors(len(COVERAGE_COLORS)))


def test_overlapping_perimeters_differ_and_duplicate_rows_share_one_colour() -> None:
    data = synthetic_coverage()["perimeters"]
    doubled = gpd.GeoDataFrame(
        {"cpts": ["CPTS A", "CPTS B", "CPTS A"]},
        geometry=[*data.geometry, box(6.0, 44.0, 6.01, 44.01)],  # a second, distant piece of CPTS A
        crs=4326,
    )
    colors = perimeter_colors(doubled)
    assert set(colors) == {"CPTS A", "CPTS B"} and colors["CPTS A"] != colors["CPTS B"]


def test_isolated_perimeters_are_spread_over_several_colours() -> None:
    far = gpd.GeoDataFrame({"cpts": ["A", "B", "C"]},
                           geometry=[box(0, 45, 0.1, 45.1), box(1, 45, 1.1, 45.1), box(2, 45, 2.1, 45.1)], crs=4326)
    assert len(set(perimeter_colors(far).values())) == 3


@pytest.mark.mirror
def test_real_paca_perimeters_never_share_a_colour_with_a_neighbour(mirror: Path) -> None:
    _, perimeters = paca_coverage(mirror)
    colors = perimeter_colors(perimeters)
    assert len(colors) == len(perimeters) > 60
    pairs = brute_force_neighbours(perimeters)
    assert len(pairs) > 100  # 71 CPTS covering a région touch each other a lot
    clashes = [(a, b) for a, b in pairs if colors[a] == colors[b]]
    assert clashes == []
    assert 4 <= len(set(colors.values())) <= len(COVERAGE_COLORS)
