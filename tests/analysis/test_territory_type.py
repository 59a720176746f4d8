"""Territory type: unité urbaine, aire d'attraction des villes (INSEE classes) and density, hand-computed."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analysis.population.territory_type import (
    AAV_CLASSES,
    aav_class,
    aav_populations,
    outside_unite_urbaine,
    territory_type_by_unit,
    territory_type_shares,
    zones_of_units,
)


@pytest.mark.parametrize(
    ("population", "expected"),
    [(49_999, 1), (50_000, 2), (199_999, 2), (200_000, 3), (699_999, 3), (700_000, 4), (5_000_000, 4)],
)
def test_aav_classes_bounds(population: int, expected: int) -> None:
    # INSEE classes of the AAV 2020: « moins de 50 000 », « 50 000 à moins de 200 000 »,
    # « 200 000 à moins de 700 000 », « 700 000 ou plus (hors Paris) »
    assert aav_class("101", population) == expected


def test_aav_special_codes_and_cross_border_aires() -> None:
    assert aav_class("000", math.nan) == 0  # « Commune hors attraction des villes »
    assert aav_class("001", math.nan) == 5  # Paris
    assert aav_class(None, 10.0) is None
    assert aav_class("101", math.nan) is None
    # French part only: a lower bound, known only when already the highest class
    assert aav_class("GEN", 300_000, cross_border=True) is None
    assert aav_class("LUX", 800_000, cross_border=True) == 4


def test_outside_unite_urbaine_is_coded_dd000() -> None:
    assert outside_unite_urbaine("01000") is True
    assert outside_unite_urbaine("2A000") is True
    assert outside_unite_urbaine("00851") is False  # Paris
    assert outside_unite_urbaine("01101") is False
    assert outside_unite_urbaine(None) is None
    assert outside_unite_urbaine(pd.NA) is None


def test_aire_population_sums_its_communes_and_unknown_stays_unknown() -> None:
    table = pd.DataFrame({"code": ["c1", "c2", "c3", "c4", "c5"], "aav2020": ["101", "101", "000", "202", "202"]})
    population = pd.Series({"c1": 30_000, "c2": 30_000, "c3": 10, "c4": 5})  # c5 unknown
    out = aav_populations(table, population)
    assert out["101"] == 60_000.0
    assert math.isnan(out["202"])
    assert "000" not in out.index


def test_arrondissements_take_their_city_zones() -> None:
    table = pd.DataFrame({"code": ["75056", "01001"], "uu2020": ["00851", "01000"], "aav2020": ["001", "524"]})
    out = zones_of_units(table, ["75101", "01001", "99999"])
    assert out["uu2020"].tolist()[:2] == ["00851", "01000"]
    assert pd.isna(out.loc[2, "uu2020"])


def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["U1", "U2", "U3"],
            "population": [10_000, 500, 2_000],
            "area_km2": [10.0, 50.0, 20.0],
            "uu2020": ["01101", "01000", None],
            "aav2020": ["101", "000", "GEN"],
        }
    )


def test_type_by_unit() -> None:
    labels = pd.Series({"101": "Bourg", "000": "Commune hors attraction des villes",
                        "GEN": "Genève - Annemasse (partie française)"})  # fmt: skip
    out = territory_type_by_unit(units(), pd.Series({"101": 60_000.0, "GEN": 300_000.0}), labels).set_index("code")
    assert out["densite_hab_km2"].tolist() == [1000.0, 10.0, 100.0]
    assert out["hors_unite_urbaine"].tolist()[:2] == [False, True]
    assert pd.isna(out.loc["U3", "hors_unite_urbaine"])
    assert out["aav_classe"].tolist()[:2] == [2, 0]
    assert pd.isna(out.loc["U3", "aav_classe"])
    assert out.loc["U3", "aav_classe_libelle"] == "non disponible"
    assert out.loc["U1", "aav_classe_libelle"] == AAV_CLASSES[2]


def test_shares_of_the_population_and_density() -> None:
    # No label for GEN: a code of letters is an aire centred abroad all the same
    by_unit = territory_type_by_unit(units(), pd.Series({"101": 60_000.0, "GEN": 300_000.0}), pd.Series())
    shares = territory_type_shares(by_unit).set_index(["dimension", "categorie"])
    uu = shares.loc["unité urbaine"]
    # total 12 500: U1 10 000 in an unité urbaine, U2 500 outside, U3 2 000 unknown
    assert uu.loc["dans une unité urbaine", "part_population"] == pytest.approx(0.8)
    assert uu.loc["hors unité urbaine", "part_population"] == pytest.approx(0.04)
    assert uu.loc["non disponible", "part_population"] == pytest.approx(0.16)
    aav = shares.loc["aire d'attraction des villes"]
    assert aav.loc[AAV_CLASSES[2], "population"] == 10_000.0
    assert aav.loc[AAV_CLASSES[0], "n_unites"] == 1
    assert aav.loc["non disponible", "part_population"] == pytest.approx(0.16)
    density = shares.xs("densité", level="dimension").iloc[0]
    assert density["valeur"] == pytest.approx(12_500 / 80)  # Σ population / Σ area, not a mean of densities


@pytest.mark.mirror
def test_insee_codes_outside_unite_urbaine_as_dd000(mirror: Path) -> None:
    # The rule read from INSEE's zone labels: « Communes hors unité urbaine du département dd » ⇔ code dd000.
    labels = pd.read_csv(mirror / "insee" / "libelles-zonages-supracommunaux-2024.csv", dtype=str)
    uu = labels[labels["NIVGEO"] == "UU2020"]
    hors = uu["LIBGEO"].str.startswith("Communes hors unité urbaine")
    assert hors.sum() == 96
    assert (uu["CODGEO"].map(outside_unite_urbaine) == hors).all()
    aav = labels[labels["NIVGEO"] == "AAV2020"].set_index("CODGEO")["LIBGEO"]
    assert aav["000"] == AAV_CLASSES[0]


def test_national_aire_populations_add_up_every_commune_of_the_table() -> None:
    from pipeline.analysis.population.territory_type import national_aire_populations

    # Aire 101: communes a (1 000) and b (2 500) of the table's COG; aire 102: c, whose population is unknown;
    # d is outside any aire (000); e, a commune déléguée of that COG, is not a commune of the table.
    table = pd.DataFrame({"code": ["a", "b", "c", "d"], "aav2020": ["101", "101", "102", "000"]})
    communes = pd.DataFrame({"code": ["a", "b", "c", "d", "e"], "population": [1_000, 2_500, None, 40, 7],
                             "type": ["commune-actuelle"] * 4 + ["commune-deleguee"]})
    out = national_aire_populations(table, communes)
    assert out["code"].tolist() == ["101", "102"]
    assert out["population"].iloc[0] == 3_500 and pd.isna(out["population"].iloc[1])
    assert out["communes"].tolist() == [2, 1]
