"""Closed-form tests of the Huff flow model and flow indicators (OD tables: tests/sources/test_od_table.py)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis.distances import distance_table
from pipeline.analysis.flows import (
    FLOW_COLUMNS,
    FlowParams,
    huff_flows,
    load_flow_params,
    main_flows,
    split_unserved,
    territory_flow_indicators,
)
from pipeline.errors import DataError

GP = "médecins généralistes"
INF = "infirmiers"
PARAMS = FlowParams(rates={GP: 4.0, INF: 7.0}, decay="exponential", beta_per_km=0.3)


def _dist(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["origin", "destination", "km"])


def _flow(df: pd.DataFrame, o: str, d: str, g: str = GP) -> float:
    m = (df["origin"].astype(str) == o) & (df["destination"].astype(str) == d) & (df["groupe"].astype(str) == g)
    return float(df.loc[m, "volume"].sum())


def test_two_communes_closed_form_exponential() -> None:
    dist = _dist([("A0001", "A0001", 1.0), ("A0001", "B0002", 5.0), ("B0002", "B0002", 2.0), ("B0002", "A0001", 5.0)])
    demand = pd.DataFrame({"code": ["A0001", "B0002"], "population": [1000.0, 500.0]})
    supply = pd.DataFrame({"code": ["A0001", "B0002"], "groupe": GP, "effectif": [1.0, 3.0]})
    f = huff_flows(demand, supply, dist, PARAMS)
    assert list(f.columns) == FLOW_COLUMNS
    wa, wb = 1.0 * math.exp(-0.3 * 1.0), 3.0 * math.exp(-0.3 * 5.0)
    assert _flow(f, "A0001", "A0001") == pytest.approx(4000 * wa / (wa + wb))
    assert _flow(f, "A0001", "B0002") == pytest.approx(4000 * wb / (wa + wb))
    wa2, wb2 = 1.0 * math.exp(-0.3 * 5.0), 3.0 * math.exp(-0.3 * 2.0)
    assert _flow(f, "B0002", "A0001") == pytest.approx(2000 * wa2 / (wa2 + wb2))


def test_power_decay_with_floor() -> None:
    params = FlowParams(rates={GP: 1.0}, decay="power", alpha=2.0, min_km=1.0)
    dist = _dist([("A0001", "A0001", 0.2), ("A0001", "B0002", 2.0), ("B0002", "B0002", 0.2), ("B0002", "A0001", 2.0)])
    demand = pd.DataFrame({"code": ["A0001"], "population": [100.0]})
    supply = pd.DataFrame({"code": ["A0001", "B0002"], "groupe": GP, "effectif": [1.0, 1.0]})
    f = huff_flows(demand, supply, dist, params)
    # f(0.2) = 1 (floored at 1 km), f(2) = 1/4  ->  P(A->A) = 1 / 1.25
    assert _flow(f, "A0001", "A0001") == pytest.approx(80.0)
    assert _flow(f, "A0001", "B0002") == pytest.approx(20.0)


def _grid(n: int = 6, step_deg: float = 0.05) -> pd.DataFrame:
    rows = [
        {"code": f"{10000 + 10 * i + j:05d}", "lon": 4.0 + j * step_deg, "lat": 45.0 + i * step_deg}
        for i in range(n)
        for j in range(n)
    ]
    rows += [
        {"code": "90001", "lon": 8.0, "lat": 45.0},  # isolated, with supply
        {"code": "90002", "lon": 8.0, "lat": 47.0},  # isolated, without supply
    ]
    return pd.DataFrame(rows)


def test_conservation_and_unserved_isolated() -> None:
    pts = _grid()
    dist = distance_table(pts, cutoff_km=60, area_col=None)
    rng = np.random.default_rng(1)
    demand = pd.DataFrame({"code": pts["code"], "population": rng.integers(100, 5000, len(pts)).astype(float)})
    sup_codes = ["10000", "10023", "10055", "90001"]
    supply = pd.concat(
        [
            pd.DataFrame({"code": sup_codes, "groupe": GP, "effectif": [1.0, 2.0, 3.0, 1.0]}),
            pd.DataFrame({"code": ["10011", "10011"], "groupe": INF, "effectif": [2.0, 1.0]}),
        ]
    )
    f = huff_flows(demand, supply, dist, PARAMS)
    total = demand["population"].sum() * (4.0 + 7.0)
    assert f["volume"].sum() == pytest.approx(total, rel=1e-12)
    _served, unserved = split_unserved(f)
    # 90002 has no supply of any group within the cutoff; 90001 has GPs but no nurse.
    assert set(zip(unserved["origin"].astype(str), unserved["groupe"].astype(str), strict=True)) == {
        ("90002", GP),
        ("90002", INF),
        ("90001", INF),
    }
    pop = demand.set_index("code")["population"]
    assert unserved.loc[unserved["origin"].astype(str) == "90002", "volume"].sum() == pytest.approx(pop["90002"] * 11.0)
    # per-origin conservation
    per_origin = f.groupby(f["origin"].astype(str))["volume"].sum()
    assert np.allclose(per_origin.reindex(pop.index).to_numpy(), pop.to_numpy() * 11.0)
    # the isolated commune with supply is fully self-contained and attracts no one
    ind = territory_flow_indicators(f, ["90001"])["synthese"].set_index("groupe")
    assert ind.loc[GP, "auto_confinement"] == pytest.approx(1.0)
    assert ind.loc[GP, "attraction"] == pytest.approx(0.0)
    assert ind.loc[GP, "recours_residents"] == pytest.approx(pop["90001"] * 4.0)
    assert ind.loc[INF, "non_affecte"] == pytest.approx(pop["90001"] * 7.0)
    assert math.isnan(ind.loc[INF, "auto_confinement"])


def test_symmetric_layout_gives_symmetric_flows() -> None:
    # A - B - C on a line, 4 km apart; equal supply at A and C, equal populations.
    dist = _dist(
        [
            ("00001", "00001", 0.5), ("00002", "00002", 0.5), ("00003", "00003", 0.5),
            ("00001", "00002", 4.0), ("00002", "00001", 4.0), ("00002", "00003", 4.0),
            ("00003", "00002", 4.0), ("00001", "00003", 8.0), ("00003", "00001", 8.0),
        ]
    )  # fmt: skip
    demand = pd.DataFrame({"code": ["00001", "00002", "00003"], "population": [1000.0, 1000.0, 1000.0]})
    supply = pd.DataFrame({"code": ["00001", "00003"], "groupe": GP, "effectif": [2.0, 2.0]})
    f = huff_flows(demand, supply, dist, PARAMS)
    assert _flow(f, "00001", "00003") == pytest.approx(_flow(f, "00003", "00001"))
    assert _flow(f, "00001", "00001") == pytest.approx(_flow(f, "00003", "00003"))
    assert _flow(f, "00002", "00001") == pytest.approx(2000.0)
    assert _flow(f, "00002", "00003") == pytest.approx(2000.0)
    p_self = math.exp(-0.15) / (math.exp(-0.15) + math.exp(-2.4))
    assert _flow(f, "00001", "00001") == pytest.approx(4000.0 * p_self)


def test_bad_inputs() -> None:
    dist = _dist([("00001", "00001", 0.5)])
    demand = pd.DataFrame({"code": ["00001"], "population": [-1.0]})
    supply = pd.DataFrame({"code": ["00001"], "groupe": "sages-femmes", "effectif": [1.0]})
    with pytest.raises(DataError, match=r"population absente ou négative[\s\S]*sans taux de recours"):
        huff_flows(demand, supply, dist, PARAMS)
    with pytest.raises(DataError, match="colonne\\(s\\) manquante\\(s\\) effectif"):
        huff_flows(demand.assign(population=1.0), supply.drop(columns="effectif"), dist, PARAMS)


def test_packaged_params_are_sourced(tmp_path: Path) -> None:
    p = load_flow_params()
    assert set(p.rates) >= {
        "Médecins généralistes",
        "Infirmiers",
        "Masseurs-kinésithérapeutes",
        "Chirurgiens-dentistes",
    }
    assert all(p.sources[g].strip() for g in p.rates)
    assert p.rates["Médecins généralistes"] == pytest.approx(3.3)
    # groups match the packaged rates case-insensitively (nomenclature spelling or lower case)
    dist = _dist([("00001", "00001", 0.5)])
    demand = pd.DataFrame({"code": ["00001"], "population": [10.0]})
    supply = pd.DataFrame({"code": ["00001", "00001"], "groupe": [GP, "Infirmiers"], "effectif": [1.0, 1.0]})
    f = huff_flows(demand, supply, dist, p)
    assert f.groupby(f["groupe"].astype(str))["volume"].sum().to_dict() == pytest.approx({GP: 33.0, "Infirmiers": 70.0})
    bad = tmp_path / "p.toml"
    bad.write_text("[distance\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"TOML invalide.*p\.toml"):
        load_flow_params(bad)


# ----------------------------------------------------------------- indicators on a hand-made table

HAND = pd.DataFrame(
    {
        "origin": ["0000A", "0000A", "0000B", "0000C", "0000C", "0000B"],
        "destination": ["0000A", "0000C", "0000B", "0000A", "0000C", None],
        "groupe": [GP] * 6,
        "volume": [60.0, 40.0, 50.0, 30.0, 70.0, 10.0],
    }
)


def test_territory_indicators_closed_form() -> None:
    bv = pd.Series({"0000A": "BV1", "0000C": "BV1", "0000B": "BV2"})
    res = territory_flow_indicators(HAND, ["0000A", "0000B"], bv, top=5)
    syn = res["synthese"].set_index("groupe").loc[GP]
    assert syn["recours_residents"] == pytest.approx(150.0)
    assert syn["recours_internes"] == pytest.approx(110.0)
    assert syn["auto_confinement"] == pytest.approx(110.0 / 150.0)
    assert syn["fuites"] == pytest.approx(40.0)
    assert syn["recours_realises"] == pytest.approx(140.0)
    assert syn["attraction"] == pytest.approx(30.0 / 140.0)
    assert syn["non_affecte"] == pytest.approx(10.0)
    dest = res["destinations_exterieures"]
    assert dest[["destination", "volume"]].values.tolist() == [["0000C", 40.0]]
    assert dest["part_des_residents"].iloc[0] == pytest.approx(40.0 / 150.0)
    bvt = res["bassins_de_vie"].set_index("bassin_de_vie")
    assert bool(bvt.loc["BV1", "coupe"]) and not bool(bvt.loc["BV2", "coupe"])
    assert bvt.loc["BV1", "n_communes_dans_territoire"] == 1
    assert bvt.loc["BV1", "recours_residents_bv"] == pytest.approx(200.0)
    assert bvt.loc["BV1", "part_residents_dans_territoire"] == pytest.approx(0.5)
    assert bvt.loc["BV1", "auto_confinement_bv"] == pytest.approx(1.0)
    assert bvt.loc["BV1", "flux_interieur_vers_exterieur"] == pytest.approx(40.0)
    assert bvt.loc["BV1", "flux_exterieur_vers_interieur"] == pytest.approx(30.0)


def test_main_flows_in_and_out() -> None:
    mf = main_flows(HAND, ["0000A", "0000B"], top=5)
    assert mf[["origin", "destination", "volume", "sens"]].values.tolist() == [
        ["0000A", "0000C", 40.0, "sortant"],
        ["0000C", "0000A", 30.0, "entrant"],
    ]
    assert main_flows(HAND, ["0000A", "0000B"], groupe=INF).empty


def test_flows_far_from_the_territory_change_no_indicator() -> None:
    """Flows between units outside the territory and its bassins de vie leave every figure unchanged,
    and a group present only there keeps its row (zeros, no ratio)."""
    from pipeline.analysis.flow_indicators import main_flows, territory_flow_indicators

    rng = np.random.default_rng(3)
    near = [f"0400{i}" for i in range(1, 7)]  # territory 04001-04003; 04004-04006 share their bassin de vie
    far = [f"0500{i}" for i in range(1, 7)]
    bv = pd.Series(["B1"] * 6 + ["B2"] * 6, index=near + far)
    rows = [(o, d, "médecins généralistes", float(rng.integers(1, 100))) for o in near for d in near + far[:2]]
    rows += [(o, None, "médecins généralistes", 5.0) for o in near[:2]]
    base = pd.DataFrame(rows, columns=["origin", "destination", "groupe", "volume"])
    noise = pd.DataFrame([(o, d, g, float(rng.integers(1, 100))) for o in far for d in far
                          for g in ("médecins généralistes", "infirmiers")],
                         columns=["origin", "destination", "groupe", "volume"])
    territory = near[:3]
    alone = territory_flow_indicators(base, territory, bv)
    mixed = territory_flow_indicators(pd.concat([base, noise], ignore_index=True), territory, bv)
    # The modelled table's categorical columns give the same figures as plain strings.
    both = pd.concat([base, noise], ignore_index=True)
    categorical = both.assign(**{c: both[c].astype("category") for c in ("origin", "destination", "groupe")})
    for key, frame in territory_flow_indicators(categorical, territory, bv).items():
        pd.testing.assert_frame_equal(frame, mixed[key], check_dtype=False)
    syn = mixed["synthese"].set_index("groupe")
    assert syn.loc["infirmiers", "recours_residents"] == 0 and np.isnan(syn.loc["infirmiers", "auto_confinement"])
    pd.testing.assert_frame_equal(alone["synthese"], mixed["synthese"][mixed["synthese"]["groupe"] != "infirmiers"]
                                  .reset_index(drop=True))
    pd.testing.assert_frame_equal(alone["destinations_exterieures"], mixed["destinations_exterieures"])
    b_alone, b_mixed = alone["bassins_de_vie"], mixed["bassins_de_vie"]
    pd.testing.assert_frame_equal(b_alone, b_mixed[b_mixed["groupe"] != "infirmiers"].reset_index(drop=True))
    pd.testing.assert_frame_equal(main_flows(base, territory), main_flows(pd.concat([base, noise]), territory))
    # Independently of the code under test: the bassin de vie B1's residents' served consultations, and the
    # share of them made inside B1.
    served = base[base["destination"].notna()]
    b1 = b_mixed.set_index(["bassin_de_vie", "groupe"]).loc[("B1", "médecins généralistes")]
    assert b1["recours_residents_bv"] == pytest.approx(served["volume"].sum())
    assert b1["auto_confinement_bv"] == pytest.approx(
        served.loc[served["destination"].isin(near), "volume"].sum() / served["volume"].sum())
