"""Every pair of points closer than a radius, found on a grid of cells.

The distance table (:mod:`pipeline.analysis.distances`) needs the pairs of
communes within a cutoff among up to 35 000 points, without the 35 000 ×
35 000 matrix. ``scipy.spatial.cKDTree.query_pairs`` does it, but importing
``scipy.spatial`` also imports ``scipy.special`` (about 0.45 s, a fifth of a
diagnostic's imports) for nothing else. This is the classic cell-list
method instead: points are binned into cubes of side ``radius``, so two
points within ``radius`` lie in the same cube or in adjacent ones; each pair
of adjacent cubes is visited once (a half stencil) and its candidate pairs are
filtered on the exact distance, all in numpy.

Candidates are about 9/π ≈ 2.9 times the pairs kept for points spread on a
plane (the 3 × 3 cells around a point against the disc of the radius), so
the work stays proportional to the answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

#: Candidate pairs examined at once (bounds the temporaries: 4 arrays of this length).
_CHUNK = 1 << 21
#: Largest linearised cell key (the cell grid is coarsened beyond it: still exact, more candidates).
_MAX_KEY = 1 << 60


def pairs_within(coords: NDArray[np.float64], radius: float) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Index pairs ``(i, j)``, ``i < j``, of the rows of ``coords`` at Euclidean distance ``<= radius``.

    Parameters
    ----------
    coords
        ``(n, d)`` array of point coordinates, ``d`` ≥ 1 (2 for a plane, 3 for
        unit vectors on a sphere). Must be finite.
    radius
        Distance threshold, in the units of ``coords``; must be positive.

    Returns
    -------
    i, j
        Two ``int32`` arrays of equal length, one entry per unordered pair,
        ``i < j``, in no particular order. Same pairs as
        ``scipy.spatial.cKDTree(coords).query_pairs(radius)``.
    """
    points = np.asarray(coords, dtype=float)
    if points.ndim != 2:
        raise ValueError("coords must be a 2-D array (n points × d dimensions)")
    if not radius > 0:
        raise ValueError("radius must be positive")
    n, dims = points.shape
    empty = np.empty(0, dtype=np.int32)
    if n < 2:
        return empty, empty
    if not np.isfinite(points).all():
        raise ValueError("coords must be finite")

    low = points.min(axis=0)
    extent = float((points.max(axis=0) - low).max())
    # Cells of side radius; coarser when the grid would not fit a 64-bit key (tiny radius, wide extent).
    side = max(float(radius), extent / (_MAX_KEY ** (1.0 / dims) - 3.0))
    cells = np.floor((points - low) / side).astype(np.int64)
    sizes = cells.max(axis=0) + 2  # + 2: a neighbour offset of +1 stays inside the grid
    strides = np.ones(dims, dtype=np.int64)
    for axis in range(dims - 2, -1, -1):
        strides[axis] = strides[axis + 1] * sizes[axis + 1]
    keys = (cells + 1) @ strides  # + 1: a neighbour offset of -1 stays non-negative

    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    axes = [np.ascontiguousarray(points[order, axis]) for axis in range(dims)]  # sorted, one array per axis
    cell_keys, starts, counts = np.unique(sorted_keys, return_index=True, return_counts=True)

    limit = float(radius) * float(radius)
    found_i: list[NDArray[np.int32]] = []
    found_j: list[NDArray[np.int32]] = []
    for offset in _half_stencil(dims):
        shift = int(np.dot(offset, strides))
        if shift == 0:
            first, second = np.arange(len(cell_keys)), np.arange(len(cell_keys))
        else:
            where = np.searchsorted(cell_keys, cell_keys + shift)
            where = np.minimum(where, len(cell_keys) - 1)
            exists = cell_keys[where] == cell_keys + shift
            first, second = np.flatnonzero(exists), where[exists]
        for a, b in _candidate_chunks(starts, counts, first, second):
            if shift == 0:
                keep = a < b  # each pair of the same cell once
                a, b = a[keep], b[keep]
            squared = np.zeros(len(a))
            for values in axes:
                gap = values[a] - values[b]
                squared += gap * gap
            close = squared <= limit
            i, j = order[a[close]], order[b[close]]
            found_i.append(np.minimum(i, j).astype(np.int32))
            found_j.append(np.maximum(i, j).astype(np.int32))
    if not found_i:
        return empty, empty
    return np.concatenate(found_i), np.concatenate(found_j)


def _half_stencil(dims: int) -> list[tuple[int, ...]]:
    """The zero offset and one of each pair ``±o`` of neighbour offsets (each cell pair visited once)."""
    offsets = [o for o in itertools.product((-1, 0, 1), repeat=dims) if o > (0,) * dims]
    return [(0,) * dims, *offsets]


def _candidate_chunks(
    starts: NDArray[np.int64], counts: NDArray[np.int64], first: NDArray[np.int64], second: NDArray[np.int64],
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """Positions (in the sorted order) of every point pair of the cell pairs ``(first[k], second[k])``.

    Yields groups of consecutive cell pairs holding about :data:`_CHUNK` candidate pairs each (one cell
    pair larger than that is yielded alone).
    """
    per_pair = counts[first] * counts[second]
    ends = np.cumsum(per_pair)
    lo = 0
    while lo < len(first):
        base = int(ends[lo - 1]) if lo else 0
        hi = max(int(np.searchsorted(ends, base + _CHUNK, side="right")), lo + 1)
        f, s, sizes = first[lo:hi], second[lo:hi], per_pair[lo:hi]
        total = int(sizes.sum())
        if total:
            pair = np.repeat(np.arange(len(f)), sizes)
            local = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            width = counts[s][pair]
            yield starts[f][pair] + local // width, starts[s][pair] + local % width
        lo = hi
