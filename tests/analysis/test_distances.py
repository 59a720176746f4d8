"""Closed-form tests of the sparse distance table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis.distances import EARTH_RADIUS_KM, distance_table, great_circle_km, intra_commune_km
from pipeline.errors import DataError

KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0  # 111.195 km per degree of great circle


def _pairs(df: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(str(o), str(d)): km for o, d, km in df.itertuples(index=False)}


def test_equator_degree_with_detour_and_cutoff() -> None:
    pts = pd.DataFrame({"code": ["01001", "01002"], "lon": [0.0, 1.0], "lat": [0.0, 0.0]})
    kept = distance_table(pts, cutoff_km=1.3 * KM_PER_DEG + 0.01, detour=1.3, area_col=None)
    pairs = _pairs(kept)
    assert pairs[("01001", "01002")] == pytest.approx(1.3 * KM_PER_DEG, rel=1e-9)
    assert pairs[("01002", "01001")] == pytest.approx(1.3 * KM_PER_DEG, rel=1e-9)
    # The cutoff applies to road km (after detour): just below, the pair is gone.
    cut = distance_table(pts, cutoff_km=1.3 * KM_PER_DEG - 0.01, detour=1.3, area_col=None)
    assert set(_pairs(cut)) == {("01001", "01001"), ("01002", "01002")}


def test_meridian_quarter_circle() -> None:
    d = great_circle_km(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([90.0]))
    assert d[0] == pytest.approx(EARTH_RADIUS_KM * math.pi / 2, rel=1e-12)


def test_self_pairs_from_area_and_default() -> None:
    pts = pd.DataFrame(
        {"code": ["01001", "01002"], "lon": [0.0, 5.0], "lat": [0.0, 0.0], "area_km2": [math.pi, 4 * math.pi]}
    )
    pairs = _pairs(distance_table(pts, cutoff_km=10, intra_factor=0.5))
    # radius of the equal-area disc = 1 and 2 km; intra distance = 0.5 radius; no detour applied
    assert pairs == {("01001", "01001"): pytest.approx(0.5), ("01002", "01002"): pytest.approx(1.0)}
    no_area = _pairs(distance_table(pts.drop(columns="area_km2"), cutoff_km=10, default_intra_km=0.7))
    assert no_area[("01001", "01001")] == pytest.approx(0.7)
    assert intra_commune_km(np.array([9 * math.pi]), 2 / 3)[0] == pytest.approx(2.0)


def test_self_pair_kept_beyond_cutoff() -> None:
    pts = pd.DataFrame({"code": ["97352"], "lon": [-54.0], "lat": [3.6], "area_km2": [10_000 * math.pi]})
    df = distance_table(pts, cutoff_km=5)
    assert _pairs(df) == {("97352", "97352"): pytest.approx(50.0)}


def test_matches_brute_force_on_random_points() -> None:
    rng = np.random.default_rng(0)
    n = 250
    pts = pd.DataFrame(
        {
            "code": [f"{i:05d}" for i in range(1000, 1000 + n)],
            "lon": rng.uniform(4.0, 5.0, n),
            "lat": rng.uniform(44.0, 45.0, n),
        }
    )
    cutoff, detour = 25.0, 1.3
    df = distance_table(pts, cutoff_km=cutoff, detour=detour, area_col=None, default_intra_km=0.0)
    lon, lat = pts["lon"].to_numpy(), pts["lat"].to_numpy()
    full = great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :]) * detour
    expected = {
        (pts["code"][i], pts["code"][j]): full[i, j]
        for i in range(n)
        for j in range(n)
        if i != j and full[i, j] <= cutoff
    }
    got = {k: v for k, v in _pairs(df).items() if k[0] != k[1]}
    assert set(got) == set(expected)
    assert np.allclose([got[k] for k in expected], list(expected.values()), rtol=1e-9)
    assert len(df) == len(expected) + n  # both directions + one self pair each
    # sorted by origin then destination in input order
    oc, dc = df["origin"].cat.codes.to_numpy(), df["destination"].cat.codes.to_numpy()
    assert np.all(np.diff(oc * n + dc) > 0)


def test_lambert93_close_to_great_circle_in_metropole() -> None:
    pts = pd.DataFrame({"code": ["04070", "04001"], "lon": [3.0, 3.1], "lat": [46.5, 46.5]})
    gc = _pairs(distance_table(pts, cutoff_km=50, detour=1.0))[("04070", "04001")]
    l93 = _pairs(distance_table(pts, cutoff_km=50, detour=1.0, metric="lambert93"))[("04070", "04001")]
    # Lambert 93 scale factor near 46.5°N is about 0.999: agreement within 0.2 %.
    assert l93 == pytest.approx(gc, rel=2e-3)
    assert gc == pytest.approx(0.1 * KM_PER_DEG * math.cos(math.radians(46.5)), rel=1e-4)


def test_lambert93_rejects_drom() -> None:
    pts = pd.DataFrame({"code": ["97411", "04070"], "lon": [55.45, 6.0], "lat": [-20.88, 44.0]})
    with pytest.raises(DataError, match=r"Lambert 93.*97411"):
        distance_table(pts, metric="lambert93")


@pytest.mark.parametrize(
    ("points", "pattern"),
    [
        (pd.DataFrame({"code": ["01001"], "lon": [1.0]}), "colonne\\(s\\) manquante\\(s\\) lat"),
        (pd.DataFrame({"code": ["01001", "01001"], "lon": [1.0, 2.0], "lat": [1.0, 1.0]}), "codes en double"),
        (pd.DataFrame({"code": ["01001"], "lon": [1.0], "lat": [95.0]}), "hors bornes pour : 01001"),
        (
            pd.DataFrame({"code": ["01001"], "lon": [1.0], "lat": [45.0], "area_km2": [-1.0]}),
            "surface \\(area_km2\\) absente ou négative",
        ),
    ],
)
def test_validation_errors_are_french(points: pd.DataFrame, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        distance_table(points)
