"""Pure functions of the profile sections, on hand-made frames with closed-form answers.

Legal-population years (Mayotte's 2017 census), both APL variants and the
population under 2.5 (the DREES workbook's aggregation rules), per-unit
Filosofi figures (secret, merged communes, absent rows) and the Trame's
representativeness table.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analysis.apl_levels import apl_figures
from pipeline.analysis.population.income_units import STATUS, unit_income
from pipeline.analysis.population.legal_year import legal_years, years_label
from pipeline.analysis.representativeness import MATCH_STATUS, match_members, trame_table

# --------------------------------------------------------------------------- legal-population years


def test_mayotte_units_carry_the_2017_census() -> None:
    units = pd.DataFrame({"unit_code": ["04070", "97611", "13211"], "departement": ["04", "976", "13"]})
    years = legal_years(units, 2022)
    assert years["annee_population"].tolist() == [2022, 2017, 2022]
    assert years_label(units["departement"], 2022) == "population légale 2022, 2017 pour Mayotte"
    assert years_label(["976"], 2022) == "population légale 2017 (Mayotte, dernier recensement)"
    assert years_label(["04", "13"], 2022) == "population légale 2022"


# --------------------------------------------------------------------------- APL variants


def test_apl_figures_follow_the_workbook_rules() -> None:
    # « l'APL communal doit être pondéré par la population standardisée » ; « pour comptabiliser la
    # population sous un seuil d'APL […], la population non standardisée doit être utilisée ».
    rows = pd.DataFrame({
        "apl": [2.0, 4.0, 3.0, math.nan],
        "apl_moins_65": [1.0, 3.0, 2.4, math.nan],
        "population_standardisee": [100.0, 300.0, 200.0, 50.0],
        "population_totale": [120, 280, 210, 40],
    })
    figures = apl_figures(rows, 2.5)
    assert figures.apl == pytest.approx((2 * 100 + 4 * 300 + 3 * 200) / 600)
    assert figures.apl_moins_65 == pytest.approx((1 * 100 + 3 * 300 + 2.4 * 200) / 600)
    assert figures.population_totale == 610
    assert figures.population_sous_seuil == 120
    assert figures.population_sous_seuil_moins_65 == 120 + 210
    assert figures.part_sous_seuil_moins_65_pct == pytest.approx(330 / 610 * 100)
    assert figures.rows_without_apl == 1


def test_apl_figures_of_an_area_without_apl_are_not_zero() -> None:
    rows = pd.DataFrame({"apl": [math.nan], "apl_moins_65": [math.nan], "population_standardisee": [math.nan],
                         "population_totale": [5000]})
    figures = apl_figures(rows)
    assert math.isnan(figures.apl) and math.isnan(figures.population_sous_seuil)
    assert math.isnan(figures.part_sous_seuil_pct)
    empty = apl_figures(rows.iloc[:0])
    assert math.isnan(empty.population_sous_seuil_moins_65) and empty.rows == 0


# --------------------------------------------------------------------------- Filosofi per unit


def test_unit_income_published_secret_merged_absent() -> None:
    rows = pd.DataFrame({
        "code_source": ["04070", "04001", "05001", "05002"],
        "unite": ["04070", "04001", "05001", "05001"],
        "personnes": [100.0, 50.0, 300.0, 100.0],
        "mediane": [20000.0, 18000.0, 21000.0, 25000.0],
        "d1": [11000.0, math.nan, 12000.0, 13000.0],
        "d9": [35000.0, math.nan, 36000.0, 40000.0],
        "part_minima_sociaux": [3.0, math.nan, 2.0, 1.0],
        "secret": [False, True, False, False],
    })
    out = unit_income(rows, ["04070", "04001", "05001", "04999", "97611"], outside_field={"97611"}) \
        .set_index("unit_code")
    assert out.loc["04070", "d1"] == 11000 and out.loc["04070", "statut"] == STATUS["publie"]
    assert out.loc["04001", "mediane"] == 18000 and math.isnan(out.loc["04001", "d1"])
    assert out.loc["04001", "statut"] == STATUS["secret"]
    # Merged communes: no exact median, the persons-weighted mean of the parts' medians.
    assert math.isnan(out.loc["05001", "mediane"]) and out.loc["05001", "fusion"]
    assert out.loc["05001", "mediane_approchee"] == pytest.approx((21000 * 300 + 25000 * 100) / 400)
    assert out.loc["04999", "statut"] == STATUS["absent"] and math.isnan(out.loc["04999", "mediane"])
    assert out.loc["97611", "statut"] == STATUS["hors_champ"]


def test_unit_income_of_communes_recreated_since_the_files_geography() -> None:
    """The row of a commune of 2021 split since describes it with the communes re-created out of it: they are not
    « trop petites » and its figures are not its own (a review: Essarts-en-Bocage and L'Oie)."""
    rows = pd.DataFrame({"code_source": ["85084"], "unite": ["85084"], "personnes": [9103.0], "mediane": [21680.0],
                         "d1": [14180.0], "d9": [32160.0], "part_minima_sociaux": [1.6], "secret": [False]})
    recreated = pd.DataFrame({"code": ["85084", "85084"], "autre": ["85165", "85212"],
                              "nom": ["Essarts-en-Bocage"] * 2, "nom_autre": ["L'Oie", "Sainte-Florence"]})
    out = unit_income(rows, ["85084", "85165"], recreated=recreated).set_index("unit_code")
    assert out.loc["85084", "mediane"] == 21680.0  # the row, shown with what it covers
    assert out.loc["85084", "statut"] == STATUS["englobe"].format(
        others="L'Oie (85165), Sainte-Florence (85212)", since="rétablies depuis")
    assert out.loc["85165", "statut"] == STATUS["retablie"].format(holder="Essarts-en-Bocage (85084)")
    assert math.isnan(out.loc["85165", "mediane"])


# --------------------------------------------------------------------------- representativeness


TRAME = ("Médecins généralistes", "Infirmiers", "MSP", "Centres de santé", "Autres")


def test_trame_table_counts_grouped_rows_and_unfilled_cells() -> None:
    members = pd.DataFrame({
        "groupe": ["Médecins généralistes", "Médecins généralistes", "Infirmiers", "MSP"],
        "gouvernance": pd.array([True, None, False, True], dtype="boolean"),
        "elaboration": pd.array([True, False, None, False], dtype="boolean"),
        "nombre": pd.array([1, 3, 5, 1], dtype="Int64"),
    })
    supply = pd.DataFrame({"groupe": ["Médecins généralistes", "Infirmiers", "MSP", "Centres de santé", "Autres"],
                           "praticiens": pd.array([20, 0, 2, pd.NA, 7], dtype="Int64"),
                           "unite": ["professionnels", "professionnels", "structures", "structures",
                                     "professionnels"]})
    table = trame_table(members, supply, TRAME).set_index("groupe")
    gp = table.loc["Médecins généralistes"]
    assert (gp["adherents"], gp["gouvernance"], gp["gouvernance_non_renseigne"]) == (4, 1, 3)
    assert (gp["elaboration"], gp["elaboration_non_renseigne"]) == (1, 0)
    assert gp["part_adherents_pct"] == pytest.approx(20.0) and gp["part_gouvernance_pct"] == pytest.approx(5.0)
    # No professional in the territory, or no FINESS: the share is not available, never 0.
    assert table.loc["Infirmiers", "adherents"] == 5 and math.isnan(table.loc["Infirmiers", "part_adherents_pct"])
    assert table.loc["Infirmiers", "elaboration_non_renseigne"] == 5
    assert table.loc["MSP", "part_adherents_pct"] == pytest.approx(50.0) and table.loc["MSP", "unite"] == "structures"
    assert pd.isna(table.loc["Centres de santé", "professionnels_territoire"])
    assert math.isnan(table.loc["Centres de santé", "part_adherents_pct"])
    assert table.loc["Autres", "adherents"] == 0 and table.loc["Autres", "part_adherents_pct"] == 0


def test_members_matched_on_the_national_identifier() -> None:
    members = pd.DataFrame({"ligne": [2, 3, 4, 5], "rpps": pd.array(["10000000001", "10000000002", "10000000003", None],
                                                                   dtype="string"),
                            "groupe": ["Infirmiers", "Infirmiers", "Médecins généralistes", "Infirmiers"]})
    activities = pd.DataFrame({
        "rpps": ["810000000001", "810000000001", "810000000002"],
        "groupe": ["Infirmiers", "Infirmiers", "Masseurs-kinésithérapeutes"],
        "unite": ["04070", "13211", "13201"], "commune": ["04070", "13055", "13055"],
        "commune_nom": ["Digne-les-Bains", "Marseille 11e Arrondissement", "Marseille 1er Arrondissement"],
    })
    out = match_members(members, activities, commune_units={"04070"}, arrondissement_units={"13211"}) \
        .set_index("rpps")
    assert len(out) == 3  # the member without an RPPS is not matched
    assert out.loc["10000000001", "statut"] == MATCH_STATUS["inside"]
    assert out.loc["10000000002", "statut"] == MATCH_STATUS["outside"]
    assert out.loc["10000000002", "lieux"] == "Marseille 1er Arrondissement"
    assert out.loc["10000000002", "profession_differente"]
    assert out.loc["10000000003", "statut"] == MATCH_STATUS["absent"]
