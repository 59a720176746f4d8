"""Filosofi's field is read from the file: no row at all for Guadeloupe, Guyane and Mayotte.

Their communes are « hors du champ », never « absent du fichier (commune trop petite) », and the France
reference of the income table is named for what it covers.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.analysis.population.income_units import STATUS, unit_income
from pipeline.geography import departement_of
from pipeline.store.queries.characteristics import filosofi_departements
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS


def test_the_file_has_no_row_for_guadeloupe_guyane_mayotte() -> None:
    departements = {departement_of(code) for code in raw.filosofi("COM")}
    assert {"971", "973", "976"}.isdisjoint(departements)
    assert {"972", "974", "04", "13"} <= departements


def test_field_of_the_loaded_file(db: duckdb.DuckDBPyConnection) -> None:
    in_file = {departement_of(code) for code in raw.filosofi("COM")}
    assert filosofi_departements(db) == in_file & set(FIXTURE_DEPARTEMENTS)  # 976 loaded, not in the file


def test_units_outside_the_field_are_not_called_too_small() -> None:
    rows = pd.DataFrame({"code_source": ["97209"], "unite": ["97209"], "personnes": [70_000.0],
                         "mediane": [18_680.0], "d1": [9_060.0], "d9": [37_410.0], "part_minima_sociaux": [7.8],
                         "secret": [False]})
    out = unit_income(rows, ["97101", "97209", "04999"], outside_field={"97101"}).set_index("unit_code")
    assert out.loc["97101", "statut"] == STATUS["hors_champ"] and bool(out.loc["97101", "hors_champ"])
    assert out.loc["04999", "statut"] == STATUS["absent"] and not bool(out.loc["04999", "hors_champ"])
    assert out.loc["97209", "statut"] == STATUS["publie"] and out.loc["97209", "mediane"] == 18_680.0
