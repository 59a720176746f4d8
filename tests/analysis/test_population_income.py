"""Income of a territory from Filosofi 2019: exact EPCI row or labelled approximation, secrecy kept.

SOURCES.md: « small communes carry only NBMEN19, NBPERS19, NBUC19 and Q219; every other column is
empty there ("non diffusé", never zero) ». Communes X, Y, Z, W and V are made up.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analysis.population.income import (
    APPROXIMATION_LABEL,
    EPCI_LABEL,
    approximate_income,
    exact_epci,
    territory_income,
)
from pipeline.geography import arrondissements_of

NAN = math.nan


def filosofi() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["X", "Y", "Z", "V"],
            "personnes": [900.0, 400.0, 80.0, 1000.0],
            "mediane": [20_000.0, 30_000.0, 25_000.0, 99_000.0],
            # Z is under secrecy; its file wrote 0 for d1, which must not count as a value
            "d1": [10_000.0, 15_000.0, 0.0, 1.0],
            "d9": [40_000.0, 50_000.0, NAN, 1.0],
            "part_minima_sociaux": [2.0, 1.0, NAN, 50.0],
            "secret": [False, False, True, False],
        }
    )


def territory() -> pd.DataFrame:
    # W is absent from the file (too small to be published)
    return pd.DataFrame({"code": ["X", "Y", "Z", "W"], "population": [1000, 500, 100, 50]})


def test_approximate_median_is_the_person_weighted_mean_of_communal_medians() -> None:
    result = approximate_income(filosofi(), territory())
    assert result.method == "approximation" and result.label == APPROXIMATION_LABEL
    median = result.figures["mediane"]
    # (900 × 20 000 + 400 × 30 000 + 80 × 25 000) / (900 + 400 + 80) = 32 000 000 / 1 380
    assert median.value == pytest.approx(32_000_000 / 1_380)
    assert (median.n_communes, median.n_non_diffusees, median.population_non_diffusee) == (4, 1, 50.0)


def test_secret_values_are_never_counted_as_zero() -> None:
    figures = approximate_income(filosofi(), territory()).figures
    # d1 over X and Y only: (900 × 10 000 + 400 × 15 000) / 1 300; Z (secret) and W (absent) left out
    assert figures["d1"].value == pytest.approx(15_000_000 / 1_300)
    assert (figures["d1"].n_non_diffusees, figures["d1"].population_non_diffusee) == (2, 150.0)
    assert figures["part_minima_sociaux"].value == pytest.approx(2_200 / 1_300)


def test_a_unit_whose_households_are_in_another_units_row_is_hidden_as_that_unit_is() -> None:
    """W re-created since the file, inside X then (published) or Z (secret): covered by their rows, never
    « non diffusé » beside a published X; hidden with Z."""
    under_x = approximate_income(filosofi(), territory(), covered_by={"W": "X"}).figures
    assert (under_x["d1"].n_non_diffusees, under_x["d1"].population_non_diffusee) == (1, 100.0)  # Z alone
    assert (under_x["mediane"].n_non_diffusees, under_x["mediane"].population_non_diffusee) == (0, 0.0)
    assert under_x["d1"].value == pytest.approx(15_000_000 / 1_300)  # the values do not change
    under_z = approximate_income(filosofi(), territory(), covered_by={"W": "Z"}).figures
    assert (under_z["d1"].n_non_diffusees, under_z["d1"].population_non_diffusee) == (2, 150.0)
    assert (under_z["mediane"].n_non_diffusees, under_z["mediane"].population_non_diffusee) == (0, 0.0)
    # A holder outside the territory covers nothing here: W is left out whole, as before.
    outside = approximate_income(filosofi(), territory(), covered_by={"W": "V"}).figures
    assert (outside["mediane"].n_non_diffusees, outside["mediane"].population_non_diffusee) == (1, 50.0)


def test_nothing_published_gives_nan() -> None:
    result = approximate_income(filosofi(), pd.DataFrame({"code": ["W"], "population": [50]}))
    assert math.isnan(result.figures["mediane"].value)
    assert result.figures["mediane"].n_non_diffusees == 1


def test_exact_epci_requires_the_same_communes() -> None:
    members = {"E1": ["X", "Y", "Z", "W"], "E2": ["V"]}
    assert exact_epci(["W", "Z", "Y", "X"], members) == "E1"
    assert exact_epci(["X", "Y"], members) is None
    assert exact_epci([], members) is None


def test_arrondissements_count_as_their_city_only_when_all_are_present() -> None:
    members = {"T1": ["75056", "92012"]}
    assert exact_epci([*arrondissements_of("75056"), "92012"], members) == "T1"
    assert exact_epci([*arrondissements_of("75056")[:-1], "92012"], members) is None


def test_territory_income_uses_the_epci_row_when_the_territory_is_exactly_that_epci() -> None:
    epci_rows = pd.DataFrame(
        {"code": ["E1"], "mediane": [22_500.0], "d1": [11_000.0], "d9": [41_000.0], "part_minima_sociaux": [1.9]}
    )
    members = {"E1": ["X", "Y", "Z", "W"]}
    exact = territory_income(filosofi(), territory(), epci_rows, members)
    assert (exact.method, exact.epci, exact.label) == ("epci", "E1", EPCI_LABEL)
    assert exact.figures["mediane"].value == 22_500.0
    assert exact.figures["d1"].n_non_diffusees == 0
    table = exact.table()
    assert list(table["indicateur"]) == ["mediane", "d1", "d9", "part_minima_sociaux"]
    # Not exactly the EPCI, or no row for it: the labelled approximation
    partial = territory_income(filosofi(), territory().iloc[:2], epci_rows, members)
    assert partial.method == "approximation"
    no_row = territory_income(filosofi(), territory(), epci_rows.iloc[:0], members)
    assert no_row.method == "approximation"
    assert no_row.table()["methode"].eq(APPROXIMATION_LABEL).all()


def test_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="personnes"):
        approximate_income(filosofi().drop(columns="personnes"), territory())


def test_a_merged_commune_with_former_communes_under_secrecy_is_said_partly_hidden() -> None:
    """A review: Hesdin-la-Forêt (62447) merges four former communes; only Hesdin (2 005 of 4 192 persons)
    publishes D1 (8 750), the others are under secrecy. The territory's D1 was 8 750 with « 0 unité non
    diffusée »: it describes 2 005 / 4 192 of the commune. The unit counts as non diffused, with its population
    (4 480 in the COG) in the proportion of the hidden persons: 4 480 × 2 187 / 4 192 = 2 337,3. Its median,
    published by every former commune, is whole: nothing hidden."""
    income = pd.DataFrame({
        "code": ["62447"] * 4, "personnes": [2005, 1200, 600, 387],
        "mediane": [15210.0, 19270.0, 22210.0, 20000.0], "d1": [8750.0, None, None, None],
        "d9": [28450.0, None, None, None], "part_minima_sociaux": [8.5, None, None, None],
        "secret": [False, True, True, True]})
    territory = pd.DataFrame({"code": ["62447", "62001"], "population": [4480, 1000]})
    result = approximate_income(income, territory)
    d1 = result.figures["d1"]
    assert d1.value == 8750.0 and d1.n_non_diffusees == 2  # 62001 has no row at all
    assert d1.population_non_diffusee == pytest.approx(4480 * 2187 / 4192 + 1000)
    median = result.figures["mediane"]
    assert median.n_non_diffusees == 1 and median.population_non_diffusee == 1000
    expected = (2005 * 15210 + 1200 * 19270 + 600 * 22210 + 387 * 20000) / 4192
    assert median.value == pytest.approx(expected)
