"""The main département and the main région of a territory: each the one holding most of its population."""

from __future__ import annotations

import pandas as pd

from pipeline.app.sections.population import main_area


def _units(rows: list[tuple[str, str, str, int | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_code", "departement", "region", "population"])


def test_main_region_is_chosen_on_its_own_population_not_through_the_main_departement() -> None:
    # Pessac (Gironde, 67 339) is the largest département share; Arles (51 811) and Manosque (22 718) make
    # Provence-Alpes-Côte d'Azur the largest région share (74 529 > 67 339): legal populations 2023.
    units = _units([("33318", "33", "75", 67_339), ("13004", "13", "93", 51_811), ("04112", "04", "93", 22_718)])
    assert main_area(units) == ("33", "93")


def test_ties_go_to_the_lower_code_and_missing_populations_count_zero() -> None:
    units = _units([("04070", "04", "93", 100), ("33063", "33", "75", 100), ("97611", "976", "06", None)])
    assert main_area(units) == ("04", "75")
    assert main_area(units.iloc[::-1]) == ("04", "75")


def test_a_collectivite_is_the_main_region_only_of_a_territory_with_no_other() -> None:
    # Saint-Martin (31 160) outweighs Basse-Terre (9 417), but the COG's « région 978 » is the collectivité itself:
    # the supply and APL « région » columns compare with Guadeloupe.
    units = _units([("97801", "978", "978", 31_160), ("97105", "971", "01", 9_417)])
    assert main_area(units) == ("978", "01")
    assert main_area(units.iloc[:1]) == ("978", "978")
