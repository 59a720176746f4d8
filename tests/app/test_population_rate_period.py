"""The comparison's annual rates say their period when a commune was created or re-created after 2016.

A review: Sannerville (14666, re-created in 2019: 1 906 inhabitants in the 2019 legal population, 1 905 in
2023) had an empty 2016 population and a rate of −0,01 % a year beside rates of 2016 to 2023, under a note on
Mayotte's census. The rate is (1 905 / 1 906) ** (1 / 4) − 1, over 2019 to 2023, and the table says so.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline.app.sections.population import _reference_row
from pipeline.render.sections.population import comparison_note


def test_a_rate_from_a_later_first_population_carries_its_period() -> None:
    row = _reference_row("Territoire", pd.Series({2019: 1906.0, 2020: 1910.0, 2023: 1905.0}), float("nan"))
    assert row["periode_taux"] == "2019 à 2023"
    assert row["taux_annuel_pct"] == pytest.approx(((1905 / 1906) ** (1 / 4) - 1) * 100)
    assert pd.isna(row["population_2016"])
    usual = _reference_row("Département", pd.Series({2016: 100.0, 2023: 121.0}), 10.0)
    assert usual["periode_taux"] == "2016 à 2023"
    assert usual["taux_annuel_pct"] == pytest.approx((1.21 ** (1 / 7) - 1) * 100)
    frozen = _reference_row("Mayotte", pd.Series({2016: 256_518.0, 2023: 256_518.0}), 376.0, frozen_year=2017)
    assert frozen["periode_taux"] is None and pd.isna(frozen["taux_annuel_pct"])


def _note(rows: list[dict[str, object]]) -> str | None:
    return comparison_note(SimpleNamespace(population=SimpleNamespace(references=pd.DataFrame(rows))))  # type: ignore[arg-type]


def test_the_note_says_which_row_runs_over_another_period_and_mayotte_only_when_frozen() -> None:
    territory: dict[str, object] = {"zone": "Territoire", "taux_annuel_pct": -0.01, "periode_taux": "2019 à 2023"}
    others: list[dict[str, object]] = [{"zone": z, "taux_annuel_pct": 0.4, "periode_taux": "2016 à 2023"}
                                       for z in ("Calvados", "France")]
    assert _note([territory, *others]) == (
        "Taux annuel de la ligne « Territoire » calculé de 2019 à 2023 (pas de population légale 2016 pour toutes "
        "ses communes sur leur géographie actuelle : commune créée, fusionnée ou recréée depuis), celui des autres "
        "lignes de 2016 à 2023.")
    assert _note(others) is None
    # A review: the départements, région and France starting in 2019 (communes absorbed in 2019 missing from the
    # 2016 package) made the territory, from 2016, the odd one out, said to lack its 2016 population.
    whole: dict[str, object] = {"zone": "Territoire", "taux_annuel_pct": 0.3, "periode_taux": "2016 à 2023"}
    later: list[dict[str, object]] = [{"zone": z, "taux_annuel_pct": 0.4, "periode_taux": "2019 à 2023"}
                                      for z in ("Gironde", "Nouvelle-Aquitaine")]
    assert _note([whole, *later]) == (
        "Taux annuel des lignes « Gironde » et « Nouvelle-Aquitaine » calculé de 2019 à 2023 (pas de population "
        "légale 2016 pour toutes leurs communes sur leur géographie actuelle : commune créée, fusionnée ou recréée "
        "depuis), celui de l'autre ligne de 2016 à 2023.")
    mayotte: dict[str, object] = {"zone": "Territoire", "taux_annuel_pct": float("nan"), "periode_taux": None,
                                  "annee_population": "2017"}
    assert _note([mayotte, *others]) == ("Taux annuel « non disponible » : pas de population légale plus récente "
                                         "que le recensement (Mayotte, 2017).")
    # A single complete legal population, Mayotte aside (a review: 15141, its four communes re-created in 2025, was
    # said to be Mayotte's case).
    single: dict[str, object] = {**mayotte, "annee_population": "2023"}
    assert _note([single, *others]) == (
        "Taux annuel « non disponible » pour « Territoire » : une seule population légale complète sur la géographie "
        "actuelle (communes fusionnées ou rétablies depuis les précédentes).")


def test_a_territory_without_inhabitants_has_no_share_outside_urban_units() -> None:
    """A review: Cumières (55139, 0 inhabitants) read « non disponible % de la population du territoire vit hors de
    toute unité urbaine »."""
    from pipeline.render.sections.characteristics import territory_type_part

    shares = pd.DataFrame({"dimension": ["unité urbaine", "densité"], "categorie": ["hors unité urbaine", ""],
                           "n_unites": [1, 1], "population": [0, 0], "part_population": [float("nan")] * 2,
                           "valeur": [float("nan"), 0.0]})
    per_unit = pd.DataFrame({"unit_code": ["55139"], "population": [0], "densite_hab_km2": [0.0],
                             "hors_unite_urbaine": [True], "uu_libelle": [None], "aav_libelle": [None],
                             "aav_classe_libelle": [None]})
    d = SimpleNamespace(territory_type=SimpleNamespace(shares=shares, per_unit=per_unit, notes=[]),
                        units=pd.DataFrame({"unit_code": ["55139"], "commune_code": ["55139"], "nom": ["Cumières"]}))
    (text,) = territory_type_part(d)["paragraphs"]  # type: ignore[arg-type]
    assert text.startswith("Part de la population vivant hors de toute unité urbaine 2020 (INSEE, table "
                           "d'appartenance géographique des communes 2024) : non disponible (population du "
                           "territoire nulle ou inconnue) ; densité de population : 0,0 habitants par km².")
    assert "non disponible %" not in text
