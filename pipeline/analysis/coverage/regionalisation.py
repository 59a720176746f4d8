"""Candidate CPTS perimeters inside large territoires atones (two-level max-p regionalisation)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.analysis.coverage.atone import SLIVER_TOLERANCE_M, atone_components, contiguity, summarise_groups
from pipeline.analysis.coverage.projection import LAMBERT93, projected

__all__ = ["PROPOSAL_LABEL", "candidate_perimeters"]

#: Label put on every regionalisation output: these are proposals, not decisions.
PROPOSAL_LABEL = "proposition"


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


@contextlib.contextmanager
def _annealing_that_ends() -> Iterator[None]:
    """spopt 0.7's simulated annealing, stopped when no area can move.

    Its loop draws the areas that may leave their region, drops each one no
    region can take, and draws the same list again: with none movable it
    never ends (a review: ``couverture --region 93 --seuil 5000`` ran for
    14 minutes). Two draws in a row without any possible move leave nothing
    to try: the annealing then returns its current labels, which are valid.
    """
    import spopt.region.maxp as module

    pick, check = module._pick_move_area, module._check_move
    draws = [0]

    def counted_pick(*args: Any, **kwargs: Any) -> Any:
        draws[0] += 1
        return [] if draws[0] > 2 else pick(*args, **kwargs)

    def counted_check(*args: Any, **kwargs: Any) -> Any:
        result = check(*args, **kwargs)
        if result[2] is not None:
            draws[0] = 0
        return result

    module._pick_move_area, module._check_move = counted_pick, counted_check
    try:
        yield
    finally:
        module._pick_move_area, module._check_move = pick, check


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
            with _annealing_that_ends():
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
    floor_text = f"{floor:,.0f}".replace(",", "\u202f")  # the thousands only: the sentence keeps its commas
    method = (f"max-p (spopt MaxPHeuristic) à deux niveaux (bassins de vie puis communes), seuil {floor_text} hab., "
              f"contiguïté à {tolerance_m:g} m")
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
            centroids = projected(gpd.GeoDataFrame(geometry=sub.geometry), crs).geometry.centroid
            xy = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()]) / 1000.0
            bv = sub[bv_column].fillna("?").astype(str).to_numpy() if bv_column in sub else np.full(len(sub), "?")
            labels, note = _regionalise(
                xy, sub["population"].to_numpy(dtype="float64"), bv, neighbors, floor, seed, options
            )
            if len(np.unique(labels)) == 1 and not note:
                # At least twice the floor and one proposal: the heuristic found no split, which does not prove
                # that none exists (a review found two halves of 8 178 and 8 202 inhabitants at a floor of 8 000).
                note = ("un seul périmètre proposé : la méthode n'a pas trouvé de découpage en périmètres d'un seul "
                        "tenant atteignant chacun le seuil, ce qui ne prouve pas qu'il n'en existe pas")
        sub["_region"] = labels
        parts = summarise_groups(sub.groupby("_region"), bv_column)
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
