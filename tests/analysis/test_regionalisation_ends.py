"""spopt's simulated annealing ends when no area can move (a review: ``couverture --seuil 5000`` ran for 14 min)."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import numpy as np
import pytest

from pipeline.analysis.coverage.regionalisation import _maxp


@pytest.fixture()
def alarm() -> Iterator[None]:
    """Turn a hang into a failure after 60 s (the annealing of six areas takes milliseconds)."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("the annealing did not end")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_two_regions_whose_movable_areas_have_no_other_region_beside_them(alarm: None) -> None:
    """Two stars, each a centre of 100 inhabitants with two leaves of 1, the centres adjacent; floor 100.

    Two regions (p = 2: each needs a centre). A leaf may leave its region (101 ≥ 100 remain, still connected)
    but touches no other region: no move is possible, and the annealing drew the same two leaves forever. Its
    labels are the construction's: each star a region."""
    population = np.array([100.0, 1.0, 1.0, 100.0, 1.0, 1.0])
    neighbors = {0: [1, 2, 3], 1: [0], 2: [0], 3: [0, 4, 5], 4: [3], 5: [3]}
    xy = np.array([[0.0, 0.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, 0.0], [2.0, 1.0], [2.0, -1.0]])
    labels = _maxp(xy, population, neighbors, 100.0, 0,
                   {"top_n": 2, "max_iterations_construction": 99, "max_iterations_sa": 3})
    assert labels is not None
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
