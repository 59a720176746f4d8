"""Which départements a registry extraction covers: national file, one-département file with strays,
regional file with strays all around; hand-made counts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analysis.registry_coverage import area_coverage, registry_coverage
from pipeline.app.sections.registry_coverage import MIN_CORE_DENSITY, MIN_CORE_ROWS

# 101 départements of made-up populations (100 000 to 1 090 000 inhabitants)
DEPARTEMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974"]
POPULATION = {d: 100_000 + 10_000 * i for i, d in enumerate(DEPARTEMENTS)}


def frame(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"departement": DEPARTEMENTS, "praticiens": [counts.get(d, 0) for d in DEPARTEMENTS],
         "population": [POPULATION[d] for d in DEPARTEMENTS]}
    )  # fmt: skip


def test_national_file_covers_every_departement() -> None:
    # densities spread from 5 to 13 per 10 000 (a factor 2.6), as between real départements
    density = {d: 5 + 8 * (i % 9) / 8 for i, d in enumerate(DEPARTEMENTS)}
    counts = {d: round(density[d] * POPULATION[d] / 10_000) for d in DEPARTEMENTS}
    result = registry_coverage(frame(counts))
    assert result.covered == frozenset(DEPARTEMENTS)
    assert area_coverage(result, DEPARTEMENTS).complete


def test_one_departement_file_with_three_strays_next_door() -> None:
    # 13 (220 000 inhabitants here): 190 practitioners; 84 and 83 hold 3 and 1 strays
    result = registry_coverage(frame({"13": 190, "84": 3, "83": 1}))
    assert result.covered == frozenset({"13"})
    table = result.table.set_index("departement")
    assert table.loc["13", "noyau"] and not table.loc["84", "noyau"]
    assert POPULATION["13"] == 220_000 and POPULATION["84"] == 920_000
    # reference = 190 / 220 000 × 10 000; 84: 3 / 920 000 × 10 000, i.e. 0.004 of the reference
    assert result.reference_density == pytest.approx(190 / 220_000 * 10_000)
    assert table.loc["84", "rapport_reference"] == pytest.approx((3 / 920_000) / (190 / 220_000))
    assert not area_coverage(result, ["13", "84"]).complete
    assert area_coverage(result, ["13", "84"]).missing == ["84"]


def test_regional_file_with_strays_in_every_neighbour() -> None:
    region = ["04", "05", "06", "13", "83", "84"]
    counts = {d: round(9 * POPULATION[d] / 10_000) for d in region}
    # every neighbouring département holds 1 to 40 practitioners with a secondary site
    counts |= {"26": 40, "07": 12, "30": 25, "38": 5, "73": 2, "48": 1, "2A": 3}
    result = registry_coverage(frame(counts))
    assert result.covered == frozenset(region)
    assert area_coverage(result, region).complete
    assert area_coverage(result, DEPARTEMENTS).missing == sorted(set(DEPARTEMENTS) - set(region))


def test_threshold_is_a_fraction_of_the_core_density() -> None:
    # 01 (core, 100 000 inhabitants) at 10 per 10 000; 02 (110 000) at exactly a quarter of it
    counts = frame({"01": 100, "02": 27}).iloc[:2]
    counts.loc[1, "population"] = 108_000  # 27 / 108 000 × 10 000 = 2.5 = 0.25 × 10
    result = registry_coverage(counts)
    assert result.covered == frozenset({"01", "02"})  # the bound is inclusive
    assert registry_coverage(counts, min_fraction=0.3).covered == frozenset({"01"})


def test_unknown_population_and_empty_file() -> None:
    counts = pd.DataFrame({"departement": ["01", "02"], "praticiens": [100, 50], "population": [100_000, None]})
    table = registry_coverage(counts).table.set_index("departement")
    assert math.isnan(table.loc["02", "densite_10000"]) and not table.loc["02", "couvert"]
    empty = registry_coverage(counts.assign(praticiens=0))
    assert empty.covered == frozenset() and math.isnan(empty.reference_density)
    assert not area_coverage(empty, []).complete


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="deux fois"):
        registry_coverage(pd.DataFrame({"departement": ["01", "01"], "praticiens": [1, 1], "population": [1, 1]}))
    with pytest.raises(ValueError, match="parts"):
        registry_coverage(frame({}), min_fraction=0)


def test_a_handful_of_rows_covers_nothing_below_the_floor() -> None:
    """A sample of a few activity lines, as the mirror's (22 lines over three départements): its core is 01
    (3 lines), and 02 (110 000 inhabitants, 2 lines) reaches the same order of magnitude, so that without a
    floor both are « covered » and their densities shown as if measured. The diagnostic's floor
    (MIN_CORE_ROWS) covers nothing there, and says why."""
    counts = {"01": 3, "02": 2}
    assert registry_coverage(frame(counts)).covered == frozenset({"01", "02"})  # the relative test alone
    floor = MIN_CORE_ROWS["activites"]
    floored = registry_coverage(frame(counts), min_core_rows=floor)
    assert floored.covered == frozenset() and floored.too_small and not floored.table["couvert"].any()
    # A CPTS-level extraction: 180 lines in a département of 2.6 million (0.7 per 10 000): covered, its core
    # holding more than the floor whatever the département's population.
    nord = {"59": 180}
    result = registry_coverage(frame(nord), min_core_rows=floor)
    assert result.covered == frozenset({"59"}) and not result.too_small


def test_a_few_establishments_for_a_large_population_cover_nothing() -> None:
    """FINESS: the mirror's sample, the first 100 establishments of the Ain (679 344 inhabitants in 2026), all in
    its one département, holds 3 of the anchor groups (1 EHPAD, 2 SSIAD: 0.044 per 10 000 inhabitants): the
    relative test alone calls it covered; under the diagnostic's floor (MIN_CORE_DENSITY, 0.5 per 10 000) it
    covers nothing. The demonstration extraction cut to the 04 (27 for 166 000 inhabitants, 1.6) and a real
    one (about 2.2) stay covered, whatever their other establishments."""
    ain = pd.DataFrame({"departement": ["01", "38"], "praticiens": [100, 0], "reperes": [3, 0],
                        "population": [679_344, 1_290_000]})
    assert registry_coverage(ain).covered == frozenset({"01"})
    floor = MIN_CORE_DENSITY["n"]
    sample = registry_coverage(ain, min_core_density=floor)
    assert math.isclose(sample.core_density, 3 / 679_344 * 10_000)
    assert sample.covered == frozenset() and sample.too_small
    for anchors in (110, 150):  # 1.6 and 2.2 per 10 000
        enough = registry_coverage(ain.assign(reperes=[anchors, 0]), min_core_density=floor)
        assert enough.covered == frozenset({"01"}) and not enough.too_small
    # Without the anchor column the floor reads the rows themselves (100 for 679 344: 1.47 per 10 000).
    assert not registry_coverage(ain.drop(columns="reperes"), min_core_density=floor).too_small
