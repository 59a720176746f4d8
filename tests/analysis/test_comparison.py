"""Comparing the CPTS of a listing: dominant territory type, ranks within groups, uncovered population nearby.

Every expected value is worked out by hand from the small tables below.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.analysis.comparison import dominant_type, group_ranks, uncovered_population_near
from pipeline.analysis.coverage.claims import known_units


def test_dominant_type_is_the_class_with_most_population() -> None:
    units = pd.DataFrame({
        "code": ["a", "b", "c", "d"],
        "population": [100, 30, 80, None],
        "aav_classe_libelle": ["rural", "pôle", "pôle", "pôle"],
    })
    assert dominant_type(units, ["a", "b", "c"]) == "pôle"  # 110 against 100
    assert dominant_type(units, ["a", "b"]) == "rural"
    assert dominant_type(units, ["d"]) == "non disponible"  # unknown population: not counted
    tie = pd.DataFrame({"code": ["x", "y"], "population": [5, 5], "aav_classe_libelle": ["zeta", "alpha"]})
    assert dominant_type(tie, ["x", "y"]) == "alpha"


def test_ranks_within_groups_highest_first_missing_not_ranked() -> None:
    table = pd.DataFrame({
        "taille": ["1", "1", "1", "2", "2"],
        "type": ["r", "r", "r", "r", "u"],
        "figure": [10.0, 30.0, None, 5.0, 7.0],
        "other": [1.0, 1.0, 2.0, 3.0, 3.0],
    })
    ranks = group_ranks(table, ["figure", "other"], by=["taille", "type"])
    assert ranks["rang_figure"].tolist() == [2, 1, pd.NA, 1, 1]
    assert ranks["rang_other"].tolist() == [2, 2, 1, 1, 1]  # ties share the best rank
    assert ranks["groupe_comparaison"].tolist() == [3, 3, 3, 1, 1]
    # Out of how many: the group's rows ranked on that figure (a review read « rang 8/10 » for the last of 8).
    assert ranks["classees_figure"].tolist() == [2, 2, 2, 1, 1]
    assert ranks["classees_other"].tolist() == [3, 3, 3, 1, 1]


def test_uncovered_population_touching_the_perimeter() -> None:
    # Unit squares of 1 km: the perimeter is the square at the origin.
    perimeter = box(0, 0, 1000, 1000)
    units = gpd.GeoDataFrame(
        {"code": ["in", "east", "north", "far", "claimed"], "population": [50, 10, 20, 40, 80]},
        geometry=[perimeter, box(1000, 0, 2000, 1000), box(0, 1100, 1000, 2100), box(5000, 0, 6000, 1000),
                  box(-1000, 0, 0, 1000)], crs=2154)
    # « north » lies 100 m away: near within 200 m, not within 50 m; « claimed » touches but is covered.
    assert uncovered_population_near(perimeter, units, {"in", "claimed"}, 200) == 30
    assert uncovered_population_near(perimeter, units, {"in", "claimed"}, 50) == 10
    assert uncovered_population_near(perimeter, units, {"in", "claimed", "east", "north"}, 200) == 0
    unknown = units.assign(population=[50, None, 20, 40, 80])
    assert math.isnan(uncovered_population_near(perimeter, unknown, {"in", "claimed"}, 200))
    assert math.isnan(uncovered_population_near(None, units, {"in"}, 200))


@pytest.mark.parametrize("figure", [[1.0, 1.0], [None, None]])
def test_group_of_equal_or_missing_values(figure: list[float | None]) -> None:
    table = pd.DataFrame({"g": ["a", "a"], "figure": figure})
    ranks = group_ranks(table, ["figure"], by=["g"])
    expected = [1, 1] if figure[0] is not None else [pd.NA, pd.NA]
    assert ranks["rang_figure"].tolist() == expected


def test_unknown_type_is_not_a_group() -> None:
    # « CPTS de la Riviera Française » (a review): 72 717 inhabitants in the cross-border aire of Monaco (class
    # « non disponible »), 6 539 in its largest known class: its type is not known, and it is compared with no
    # one, never ranked first in a group of one. A minority of unknown class does not hide the known majority.
    units = pd.DataFrame({"code": ["m", "n", "r", "z"], "population": [72_717, 6_539, 5_652, 90_000],
                          "aav_classe_libelle": ["non disponible", "pôle", "rural", None]})
    assert dominant_type(units, ["m", "n", "r"]) == "non disponible"
    assert dominant_type(units, ["m"]) == "non disponible"
    assert dominant_type(units, ["n", "r", "z"]) == "non disponible"  # a missing class is unknown too
    assert dominant_type(units.assign(population=[5_000, 6_539, 5_652, 0]), ["m", "n", "r"]) == "pôle"
    table = pd.DataFrame({"taille": ["2", "2", "2"], "type_territoire": ["pôle", "pôle", "non disponible"],
                          "population": [10.0, 20.0, 30.0]})
    ranks = group_ranks(table, ["population"], by=["taille", "type_territoire"])
    assert ranks["rang_population"].tolist()[:2] == [2, 1] and ranks["rang_population"].isna().iloc[2]
    assert ranks["groupe_comparaison"].tolist()[:2] == [2, 2] and ranks["groupe_comparaison"].isna().iloc[2]


def test_uncovered_only_in_the_regions_of_the_listings() -> None:
    # Arles (PACA, 93) is claimed; Beaucaire (Gard, 76) touches it but no Occitanie listing is loaded.
    units = pd.DataFrame({"code": ["13004", "13097", "30032"], "region": ["93", "93", "76"],  # 76 %, 1 of 2 in 13
                          "departement": ["13", "13", "30"], "population": [52_000, 16_000, 16_000]})
    assert known_units(["13004"], units) == {"13004", "13097"}
