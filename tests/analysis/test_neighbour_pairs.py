"""The grid pair search against a brute-force answer and hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.analysis import neighbour_pairs
from pipeline.analysis.neighbour_pairs import pairs_within


def brute_force(points: np.ndarray, radius: float) -> set[tuple[int, int]]:
    """Every pair i < j of the full distance matrix at distance <= radius."""
    gap = points[:, None, :] - points[None, :, :]
    close = (gap ** 2).sum(axis=2) <= radius * radius
    i, j = np.nonzero(np.triu(close, k=1))
    return set(zip(i.tolist(), j.tolist(), strict=True))


def found(points: np.ndarray, radius: float) -> set[tuple[int, int]]:
    i, j = pairs_within(points, radius)
    assert i.dtype == j.dtype == np.int32 and (i < j).all()
    pairs = set(zip(i.tolist(), j.tolist(), strict=True))
    assert len(pairs) == len(i), "a pair was returned twice"
    return pairs


@pytest.mark.parametrize(("n", "dims", "radius"), [
    (300, 2, 0.05), (300, 2, 0.3), (400, 3, 0.2), (200, 1, 0.01), (150, 2, 5.0), (250, 3, 1e-9),
])
def test_same_pairs_as_the_full_distance_matrix(n: int, dims: int, radius: float) -> None:
    rng = np.random.default_rng(n * dims)
    points = rng.random((n, dims))
    points[:5] = points[0]  # coincident points are pairs at distance 0
    assert found(points, radius) == brute_force(points, radius)


def test_pairs_at_exactly_the_radius_are_kept_across_cell_borders() -> None:
    # On a line with spacing 1 and radius 1, each point pairs with its two neighbours only; the grid's
    # cells have side 1, so every kept pair straddles a cell border.
    points = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [3.0, 1.0]])
    assert found(points, 1.0) == {(0, 1), (1, 2), (2, 3), (3, 4)}
    # Diagonal neighbours: sqrt(2) > 1.
    assert (2, 4) not in found(points, 1.0) and (2, 4) in found(points, 1.5)


def test_grid_coarsened_for_a_tiny_radius_over_a_wide_extent_stays_exact() -> None:
    points = np.array([[0.0, 0.0, 0.0], [1e6, 1e6, 1e6], [1e6, 1e6, 1e6 + 1e-7], [5.0, 5.0, 5.0]])
    assert found(points, 1e-6) == {(1, 2)}


def test_chunks_cover_every_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny chunks: cell pairs are split over many chunks, and a cell pair larger than a chunk stays whole.
    monkeypatch.setattr(neighbour_pairs, "_CHUNK", 7)
    rng = np.random.default_rng(3)
    points = rng.random((200, 2))
    assert found(points, 0.2) == brute_force(points, 0.2)


@pytest.mark.parametrize("points", [np.empty((0, 2)), np.zeros((1, 2))])
def test_fewer_than_two_points_have_no_pair(points: np.ndarray) -> None:
    assert found(points, 1.0) == set()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        pairs_within(np.zeros((3, 2)), 0.0)
    with pytest.raises(ValueError, match="finite"):
        pairs_within(np.array([[0.0, 0.0], [np.nan, 1.0]]), 1.0)
    with pytest.raises(ValueError, match="2-D"):
        pairs_within(np.zeros(3), 1.0)
