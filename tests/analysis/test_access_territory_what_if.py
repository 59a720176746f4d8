"""The territory's APL approchée before and after a what-if: population-weighted mean of its units."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analysis.access import territory_what_if


def test_population_weighted_before_and_after() -> None:
    scenario = pd.DataFrame({"code": ["A", "B", "C"], "groupe": ["MG"] * 3, "before": [10.0, 20.0, 40.0],
                             "after": [10.0, 30.0, 40.0]})
    population = pd.Series({"A": 100, "B": 300, "C": 0})
    out = territory_what_if(scenario, population)
    # (10×100 + 20×300) / 400 = 17.5 before; (10×100 + 30×300) / 400 = 25 after; C has no inhabitant.
    assert out.to_dict("records") == [{"groupe": "MG", "avant": 17.5, "apres": 25.0, "ecart": 7.5}]


def test_one_row_per_group_and_missing_values_left_out() -> None:
    scenario = pd.DataFrame({"code": ["A", "B", "A", "B"], "groupe": ["MG", "MG", "IDE", "IDE"],
                             "before": [1.0, float("nan"), 4.0, 2.0], "after": [3.0, 5.0, 4.0, 2.0]})
    out = territory_what_if(scenario, pd.Series({"A": 1, "B": 3}))
    assert list(out["groupe"]) == ["MG", "IDE"]
    mg = out.iloc[0]
    assert mg["avant"] == pytest.approx(1.0)  # B has no « before »: only A counts
    assert mg["apres"] == pytest.approx((3 * 1 + 5 * 3) / 4)
    assert out.iloc[1]["ecart"] == pytest.approx(0.0)


def test_no_inhabitant_gives_no_figure_not_zero() -> None:
    scenario = pd.DataFrame({"code": ["A"], "groupe": ["MG"], "before": [5.0], "after": [6.0]})
    out = territory_what_if(scenario, pd.Series({"A": 0}))
    assert math.isnan(out.iloc[0]["avant"]) and math.isnan(out.iloc[0]["apres"])
