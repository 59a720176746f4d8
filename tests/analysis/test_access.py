"""Closed-form tests of the « APL approchée » (E2SFCA via pysal access)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis.access import (
    APL_COLUMN,
    APL_LABEL,
    DEFAULT_SPEED_KMH,
    DREES_APL_STEPS_MINUTES,
    UNIT_CONSULTATIONS,
    UNIT_PER_100K,
    approx_apl,
    check_what_if_groups,
    rank_correlation,
    steps_minutes_to_km,
    what_if,
)
from pipeline.analysis.distances import distance_table
from pipeline.errors import DataError
from pipeline.model import WhatIfChange, WhatIfSyntaxError, parse_what_if
from pipeline.params import load_access_params

GP = "médecins généralistes"
UNBOUNDED = {1e9: 1.0}  # every pair of the table has weight 1


def _line(n: int, spacing_km: float) -> pd.DataFrame:
    """Distance table of ``n`` communes on a line, ``spacing_km`` apart, self pair 0.5 km."""
    codes = [f"{i + 1:05d}" for i in range(n)]
    rows = [(codes[i], codes[j], abs(i - j) * spacing_km if i != j else 0.5) for i in range(n) for j in range(n)]
    return pd.DataFrame(rows, columns=["origin", "destination", "km"])


def _as_dict(df: pd.DataFrame, col: str = APL_COLUMN) -> dict[str, float]:
    return dict(zip(df["code"], df[col], strict=True))


def test_unbounded_catchment_is_global_ratio() -> None:
    rng = np.random.default_rng(3)
    pts = pd.DataFrame(
        {"code": [f"{i:05d}" for i in range(1, 41)], "lon": rng.uniform(4, 4.3, 40), "lat": rng.uniform(45, 45.3, 40)}
    )
    dist = distance_table(pts, cutoff_km=200)
    demand = pd.DataFrame({"code": pts["code"], "population": rng.integers(50, 3000, 40).astype(float)})
    supply = pd.DataFrame({"code": pts["code"][:7], "groupe": GP, "effectif": rng.integers(1, 5, 7).astype(float)})
    out = approx_apl(demand, supply, dist, steps=UNBOUNDED, groupe=GP)
    expected = supply["effectif"].sum() / demand["population"].sum() * 1e5
    assert np.allclose(out[APL_COLUMN], expected, rtol=1e-12)
    assert out.attrs["unite"] == UNIT_PER_100K
    assert "APL approchée" in out.attrs["label"] and "pas l'APL officielle" in out.attrs["label"]


def test_drees_steps_closed_form() -> None:
    # speed 60 km/h -> minutes == km. B is 12 km (12 min) from A: weight 2/3; C is 25 km: weight 0.
    dist = pd.DataFrame(
        [
            ("0000A", "0000A", 0.5), ("0000B", "0000B", 0.5), ("0000C", "0000C", 0.5),
            ("0000A", "0000B", 12.0), ("0000B", "0000A", 12.0),
            ("0000A", "0000C", 25.0), ("0000C", "0000A", 25.0),
        ],
        columns=["origin", "destination", "km"],
    )  # fmt: skip
    demand = pd.DataFrame({"code": ["0000A", "0000B", "0000C"], "population": [1000.0, 500.0, 200.0]})
    supply = pd.DataFrame({"code": ["0000A"], "effectif": [1.0]})
    out = _as_dict(approx_apl(demand, supply, dist, speed_kmh=60.0))
    r_a = 1.0 / (1000.0 + 500.0 * 2.0 / 3.0)
    assert out["0000A"] == pytest.approx(r_a * 1e5)
    assert out["0000B"] == pytest.approx(r_a * 2.0 / 3.0 * 1e5)
    assert out["0000C"] == 0.0
    # in consultations per inhabitant per year when an activity per GP is given
    cons = _as_dict(approx_apl(demand, supply, dist, speed_kmh=60.0, activity_per_professional=5000.0))
    assert cons["0000A"] == pytest.approx(r_a * 5000.0)


def test_step_bounds_are_inclusive_and_use_speed() -> None:
    km = steps_minutes_to_km(DREES_APL_STEPS_MINUTES, 50.0)
    assert list(km) == pytest.approx([50 / 6, 12.5, 50 / 3])
    assert list(km.values()) == pytest.approx([1.0, 2 / 3, 1 / 3])
    dist = _line(2, 50 / 6)  # exactly 10 minutes at 50 km/h
    demand = pd.DataFrame({"code": ["00001", "00002"], "population": [100.0, 100.0]})
    supply = pd.DataFrame({"code": ["00001"], "effectif": [1.0]})
    out = _as_dict(approx_apl(demand, supply, dist, speed_kmh=50.0))
    assert out["00001"] == pytest.approx(out["00002"])  # weight 1 at exactly 10 min


def test_packaged_access_params_are_the_drees_steps() -> None:
    # DREES, APL methodology (recast of 2015): full weight under 10 minutes, 2/3 from 10 to 15, 1/3 from
    # 15 to 20, nothing beyond.
    steps, speed = load_access_params()
    assert steps == pytest.approx({10.0: 1.0, 15.0: 2 / 3, 20.0: 1 / 3})
    assert speed > 0


def test_access_parameters_of_the_file_are_the_ones_used(tmp_path: Path) -> None:
    from pipeline.params import PARAMS_PATH, load_params

    text = PARAMS_PATH.read_text(encoding="utf-8").replace("speed_kmh = 50.0", "speed_kmh = 25.0")
    custom = tmp_path / "parametres.toml"
    custom.write_text(text, encoding="utf-8")
    assert load_params(custom).access.speed_kmh == 25.0
    # At half the speed the 20-minute catchment halves: a commune 12 km away drops out.
    dist = _line(2, 12.0)
    demand = pd.DataFrame({"code": ["00001", "00002"], "population": [100.0, 100.0]})
    supply = pd.DataFrame({"code": ["00001"], "effectif": [1.0]})
    fast = _as_dict(approx_apl(demand, supply, dist, speed_kmh=50.0))
    slow = _as_dict(approx_apl(demand, supply, dist, speed_kmh=load_params(custom).access.speed_kmh))
    assert fast["00002"] > 0 and slow["00002"] == 0.0


def test_matches_numpy_reference_on_grid() -> None:
    rng = np.random.default_rng(7)
    n = 60
    pts = pd.DataFrame(
        {"code": [f"{i:05d}" for i in range(1, n + 1)], "lon": rng.uniform(4, 4.4, n), "lat": rng.uniform(45, 45.4, n)}
    )
    dist = distance_table(pts, cutoff_km=40)
    pop = rng.integers(0, 4000, n).astype(float)
    pop[0] = 10.0
    sup = np.where(rng.random(n) < 0.3, rng.integers(1, 4, n), 0).astype(float)
    demand = pd.DataFrame({"code": pts["code"], "population": pop})
    supply = pd.DataFrame({"code": pts["code"], "effectif": sup})
    got = approx_apl(demand, supply, dist)[APL_COLUMN].to_numpy()
    # independent dense implementation of E2SFCA with the DREES steps
    t = np.full((n, n), np.inf)
    oc, dc = dist["origin"].cat.codes.to_numpy(), dist["destination"].cat.codes.to_numpy()
    t[oc, dc] = dist["km"].to_numpy() / DEFAULT_SPEED_KMH * 60.0
    np.fill_diagonal(t, 0.0)
    w = np.select([t <= 10, t <= 15, t <= 20], [1.0, 2 / 3, 1 / 3], 0.0)
    r = np.divide(sup, w.T @ pop, out=np.zeros(n), where=(w.T @ pop) > 0)
    expected = w @ r * 1e5
    assert np.allclose(got, expected, rtol=1e-10)


def test_what_if_only_changes_catchment() -> None:
    # 8 communes, 5 km apart; at 50 km/h the 20-min catchment is 16.7 km: 3 steps.
    dist = _line(8, 5.0)
    codes = [f"{i + 1:05d}" for i in range(8)]
    demand = pd.DataFrame({"code": codes, "population": 1000.0})
    supply = pd.DataFrame({"code": ["00001", "00008"], "groupe": GP, "effectif": [1.0, 1.0]})
    res = what_if(demand, supply, dist, [(GP, 2.0, "00002")])
    d = dict(zip(res["code"], res["delta"], strict=True))
    assert list(res.columns) == ["code", "groupe", "before", "after", "delta"]
    for c in ["00001", "00002", "00003", "00004", "00005"]:  # within 15 km of 00002
        assert d[c] > 0
    for c in ["00006", "00007", "00008"]:  # 20 km or more from 00002
        assert d[c] == 0.0


def test_what_if_matches_groupe_case_insensitively() -> None:
    dist = _line(2, 1.0)
    demand = pd.DataFrame({"code": ["00001", "00002"], "population": 100.0})
    supply = pd.DataFrame({"code": ["00001"], "groupe": "Médecins généralistes", "effectif": [2.0]})
    changes = check_what_if_groups(parse_what_if("médecins généralistes:-1@00001"), ["Médecins généralistes"])
    assert changes == [WhatIfChange("Médecins généralistes", -1.0, "00001")]
    res = what_if(demand, supply, dist, [(GP, -1.0, "00001")])
    assert res["before"].tolist() == pytest.approx([1000.0, 1000.0])
    assert res["after"].tolist() == pytest.approx([500.0, 500.0])


def test_what_if_errors() -> None:
    dist = _line(3, 5.0)
    demand = pd.DataFrame({"code": ["00001", "00002", "00003"], "population": 100.0})
    supply = pd.DataFrame({"code": ["00001"], "groupe": GP, "effectif": [1.0]})
    with pytest.raises(DataError, match="offre négative après modification pour médecins généralistes@00001") as info:
        what_if(demand, supply, dist, [WhatIfChange(GP, -2.0, "00001")])
    # What the model holds there, and in which unit (a review read « (-0.5) » alone).
    assert "(le modèle y compte 1 ; après modification : -1) ; l'offre du modèle est en parts de présence" in str(
        info.value)
    with pytest.raises(DataError, match="commune 04070 absente de la table des distances"):
        what_if(demand, supply, dist, [WhatIfChange(GP, 1.0, "04070")])


def test_several_groups_require_choice() -> None:
    dist = _line(2, 1.0)
    demand = pd.DataFrame({"code": ["00001", "00002"], "population": 100.0})
    supply = pd.DataFrame({"code": ["00001", "00002"], "groupe": [GP, "infirmiers"], "effectif": [1.0, 1.0]})
    with pytest.raises(DataError, match="plusieurs groupes"):
        approx_apl(demand, supply, dist)
    only = approx_apl(demand, supply, dist, groupe="infirmiers")
    assert only[APL_COLUMN].tolist() == pytest.approx([1 / 200 * 1e5] * 2)


def test_zero_population_catchment_is_nan_not_inf() -> None:
    dist = pd.DataFrame([("00001", "00001", 0.5), ("00002", "00002", 0.5)], columns=["origin", "destination", "km"])
    demand = pd.DataFrame({"code": ["00001", "00002"], "population": [0.0, 100.0]})
    supply = pd.DataFrame({"code": ["00001", "00002"], "effectif": [1.0, 1.0]})
    out = _as_dict(approx_apl(demand, supply, dist))
    assert math.isnan(out["00001"])
    assert out["00002"] == pytest.approx(1000.0)


def test_large_commune_keeps_its_own_supply() -> None:
    # self distance 38 km (> 20 min) still counts with the first-step weight
    dist = pd.DataFrame([("97352", "97352", 38.0)], columns=["origin", "destination", "km"])
    out = approx_apl(
        pd.DataFrame({"code": ["97352"], "population": [5000.0]}),
        pd.DataFrame({"code": ["97352"], "effectif": [2.0]}),
        dist,
    )
    assert out[APL_COLUMN].iloc[0] == pytest.approx(40.0)
    assert out.attrs["offre_hors_distancier"] == []


def test_what_if_group_must_be_a_loaded_one() -> None:
    with pytest.raises(WhatIfSyntaxError, match="élément 1, groupe inconnu « sorciers »"):
        check_what_if_groups(parse_what_if("sorciers:1@04001"), [GP, "infirmiers"])


def test_rank_correlation() -> None:
    approx = pd.DataFrame({"code": ["00001", "00002", "00003", "00004", "00005"], APL_COLUMN: [1, 2, 3, 4, 5.0]})
    official = pd.DataFrame({"code": ["00005", "00004", "00003", "00002", "09999"], "apl": [50, 40, 30, 20, 1.0]})
    assert rank_correlation(approx, official) == (pytest.approx(1.0), 4)
    rev = official.assign(apl=-official["apl"])
    rho, n = rank_correlation(approx, rev)
    assert (rho, n) == (pytest.approx(-1.0), 4)
    series = pd.Series([3.0, 1.0], index=["00001", "00002"])
    rho2, n2 = rank_correlation(series, official.set_index("code")["apl"])
    assert n2 == 1 and math.isnan(rho2)


def test_label_constant() -> None:
    assert APL_LABEL == "APL approchée"
    assert UNIT_CONSULTATIONS.endswith("(APL approchée)")


def test_rank_correlation_with_ties_matches_the_closed_form() -> None:
    # Ranks a = (1, 2.5, 2.5, 4), b = (1, 3, 2, 4); centred: (-1.5, 0, 0, 1.5) and (-1.5, 0.5, -0.5, 1.5);
    # rho = 4.5 / sqrt(4.5 × 5) = 0.948683...
    approx = pd.DataFrame({"code": ["1", "2", "3", "4"], APL_COLUMN: [1.0, 2.0, 2.0, 3.0]})
    official = pd.DataFrame({"code": ["1", "2", "3", "4"], "apl": [10.0, 30.0, 20.0, 40.0]})
    rho, n = rank_correlation(approx, official)
    assert n == 4 and rho == pytest.approx(4.5 / math.sqrt(22.5))
    constant = official.assign(apl=5.0)
    assert math.isnan(rank_correlation(approx, constant)[0])
