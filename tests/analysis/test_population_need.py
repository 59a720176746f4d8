"""Age-related need index from the DREES APL standardised population: ratio of sums, hand-computed."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analysis.population.need import AGE_NEED_EXPLANATION, age_need_by_unit, age_need_of


def apl_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["A", "B", "C", "A", "B"],
            "annee": [2023, 2023, 2023, 2022, 2022],
            "population_standardisee": [120.0, 270.0, 0.0, 100.0, 100.0],
            "population_totale": [100.0, 300.0, 0.0, 100.0, 100.0],
        }
    )


def test_index_per_unit_is_standardised_over_total() -> None:
    out = age_need_by_unit(apl_rows(), year=2023).set_index("code")["indice_besoin_age"]
    assert out["A"] == pytest.approx(1.2)
    assert out["B"] == pytest.approx(0.9)
    assert math.isnan(out["C"])  # no inhabitant: undefined, not 0


def test_index_of_a_set_is_a_ratio_of_sums_not_a_mean_of_ratios() -> None:
    need = age_need_of(apl_rows(), ["A", "B"], year=2023)
    # (120 + 270) / (100 + 300) = 0.975, whereas the mean of 1.2 and 0.9 would be 1.05
    assert need.index == pytest.approx(0.975)
    assert (need.population_standardisee, need.population_totale) == (390.0, 400.0)
    assert need.units_missing == []


def test_units_without_apl_row_are_listed_and_left_out() -> None:
    need = age_need_of(apl_rows(), ["A", "Mayotte"], year=2023)
    assert need.index == pytest.approx(1.2)
    assert need.units_missing == ["Mayotte"]
    nothing = age_need_of(apl_rows(), ["Mayotte"], year=2023)
    assert math.isnan(nothing.index)


def test_years_are_never_mixed() -> None:
    with pytest.raises(ValueError, match="plusieurs années"):
        age_need_of(apl_rows(), ["A"])
    assert age_need_of(apl_rows(), ["A", "B"], year=2022).index == pytest.approx(1.0)


def test_explanation_is_one_french_sentence_about_age_and_consultations() -> None:
    assert AGE_NEED_EXPLANATION.count(".") == 1 and AGE_NEED_EXPLANATION.endswith(".")
    assert "population standardisée" in AGE_NEED_EXPLANATION and "au-dessus de 1" in AGE_NEED_EXPLANATION


@pytest.mark.mirror
def test_france_as_a_whole_has_index_one(mirror: Path) -> None:
    # The DREES standardisation keeps the national total: the index of France is 1, which makes
    # « au-dessus de 1 » mean « more need than the national age structure ».
    from pipeline.sources.apl import stage_apl

    apl = stage_apl(mirror / "apl" / "drees-apl-medecins-generalistes-2022-2023.xlsx")
    for year in (2022, 2023):
        codes = apl.loc[apl["annee"] == year, "code"]
        assert age_need_of(apl, codes, year=year).index == pytest.approx(1.0, abs=1e-6)
