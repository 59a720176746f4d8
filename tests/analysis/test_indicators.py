"""Indicators on hand-made data with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import indicators as ind


def test_evolution_and_annual_rate() -> None:
    # 10 000 → 12 100 over two years is +10 % a year: 10 000 × 1.1² = 12 100.
    frame = ind.evolution(pd.Series({2019: 10_000, 2020: 11_000, 2021: 12_100}))
    assert frame["evolution"].tolist() == [0, 1_000, 2_100]
    assert frame["taux_annuel_pct"].iloc[-1] == pytest.approx(10.0)
    assert np.isnan(frame["taux_annuel_pct"].iloc[0])


def test_weighted_apl() -> None:
    apl = pd.DataFrame({"code": ["a", "b", "c"], "apl": [2.0, 4.0, 9.0], "population_standardisee": [300, 100, 0]})
    # Weights are standardised populations (DREES workbook): (2 × 300 + 4 × 100) / 400 = 2.5;
    # commune c has no standardised population and no weight.
    assert ind.weighted_apl(apl, ["a", "b", "c"]) == pytest.approx(2.5)
    assert ind.weighted_apl(apl, ["b"]) == pytest.approx(4.0)
    # One published APL without weight (a commune re-created since the workbook's COG: population 0 there) is
    # that commune's APL, not « non disponible »; beside weighted ones it still weighs nothing.
    assert ind.weighted_apl(apl, ["c"]) == pytest.approx(9.0)


# Head counts of a territory of 5 000 inhabitants, as pipeline.store.queries.supply.offre_territoire gives them:
# 2 distinct GPs (one of them with two sites, share 1.5 in all), 4 nurses, 1 MSP.
SUPPLY = pd.DataFrame(
    [
        {"groupe": g, "praticiens": {"Médecins généralistes": 2, "Infirmiers": 4}.get(g, 0),
         "praticiens_etp": {"Médecins généralistes": 1.5, "Infirmiers": 4.0}.get(g, 0.0), "unite": "professionnels"}
        for g in ind.TRAME_GROUPS
    ]
    + [{"groupe": "MSP", "praticiens": 1, "praticiens_etp": np.nan, "unite": "structures"}]
)


def test_supply_density_on_head_counts() -> None:
    table = ind.supply_by_group(SUPPLY, population=5_000).set_index("groupe")
    assert table.at["Médecins généralistes", "densite_10000"] == pytest.approx(4.0)  # 2 / 5 000 × 10 000
    assert table.at["Infirmiers", "densite_10000"] == pytest.approx(8.0)
    assert table.at["Psychologues", "densite_10000"] == 0
    assert np.isnan(table.at["MSP", "densite_10000"])  # structures have no density
    assert np.isnan(ind.supply_by_group(SUPPLY, population=0).at[0, "densite_10000"])


def test_population_years_collapse_packages_with_the_same_legal_population() -> None:
    # COG 2022 and 2023 packages both carry the legal populations 2020: one data point, the latest kept.
    series = pd.Series({2019: 100, 2022: 110, 2023: 111, 2026: 121})
    years = {2019: 2016, 2022: 2020, 2023: 2020, 2026: 2022}
    keyed = ind.by_population_year(series, years)
    assert keyed.to_dict() == {2016: 100, 2020: 111, 2022: 121}
    # The annual rate runs over legal-population years: 100 → 121 in 6 years is (1.21)^(1/6) − 1.
    assert ind.annual_rate(keyed) == pytest.approx((1.21 ** (1 / 6) - 1) * 100)


@pytest.mark.parametrize(("codes", "expected"), [
    (["A", "B"], 3.0),  # every unit has its own polygon
    (["A", "H"], None),  # H's polygon also holds R and S, re-created since: H's own area is unknown
    (["H", "R"], None),  # S, held by H too, is missing
    (["H", "R", "S"], 10.0),  # all three: their polygon's whole area
    (["A", "H", "R", "S"], 11.0),
    (["R"], None),  # R alone: its land is inside H's polygon, its own area unknown
    (["A", "Z"], None),  # Z has no polygon at all (a collectivité d'outre-mer)
    ([], 0.0),
])
def test_units_area_counts_a_shared_polygon_only_with_all_its_communes(codes: list[str],
                                                                       expected: float | None) -> None:
    areas = pd.Series({"A": 1.0, "B": 2.0, "H": 10.0})
    got = ind.units_area(codes, areas, {"R": "H", "S": "H"})
    if expected is None:
        assert np.isnan(got)
    else:
        assert got == expected
