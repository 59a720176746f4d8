"""The « France » rows of the APL and income tables are named for what their files cover.

The DREES APL workbook has no row for Mayotte; the Filosofi commune file none for Guadeloupe, Guyane and Mayotte
(tests/app/test_filosofi_field.py): a row called « France (métropole et DROM) » would claim more than it sums.
"""

from __future__ import annotations

import duckdb

from pipeline.app.diagnostic import compute
from pipeline.geography import departement_of
from pipeline.model import DiagnosticOptions
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw


def test_the_apl_workbook_has_no_row_for_mayotte() -> None:
    for year in (2022, 2023):
        departements = {departement_of(r["code"]) for r in raw.apl_sheet(year)}
        assert "976" not in departements and {"971", "972", "973", "974"} <= departements


def test_france_rows_name_their_field(db: duckdb.DuckDBPyConnection) -> None:
    d = compute(db, resolve_territory(db, "communes:04070"), DiagnosticOptions(territory="communes:04070"))
    apl_france = set(d.apl.zones.loc[d.apl.zones["niveau"] == "france", "libelle"])
    assert apl_france == {"France (métropole et DROM hors Mayotte, absente du classeur DREES)"}
    assert d.income is not None
    income_france = set(d.income.zones.loc[d.income.zones["niveau"] == "france", "libelle"])
    assert income_france == {"France (champ de Filosofi : métropole, Martinique, La Réunion)"}
