"""The « France » and « Région » rows are named for what their figures sum.

The DREES APL workbook has no row for Mayotte; the Filosofi commune file none for Guadeloupe, Guyane and Mayotte
(tests/app/test_filosofi_field.py): a row called « France (métropole et DROM) » would claim more than it sums.
On a database loaded for some départements only (``make data --departements``), the « France » and « Région »
figures sum those départements: the rows say so in every table (CSV and XLSX are read without the report's note).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.app.diagnostic import compute
from pipeline.geography import DEPARTEMENTS, france_label, zone_label
from pipeline.model import DiagnosticOptions
from pipeline.render.sections.access import access_section
from pipeline.render.summary import summary
from pipeline.render.trame import trame_document
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS


def test_the_apl_workbook_has_no_row_for_mayotte() -> None:
    for year in (2022, 2023):
        departements = {departement_of(r["code"]) for r in raw.apl_sheet(year)}
        assert "976" not in departements and {"971", "972", "973", "974"} <= departements


def departement_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def test_a_database_of_all_france_gets_the_names_of_the_fields() -> None:
    everything = [*sorted(DEPARTEMENTS), "975", "977"]  # collectivités d'outre-mer are in the COG too
    assert france_label(everything) == "France (métropole et DROM)"
    assert france_label(everything, "champ de Filosofi", {"976"}, "de Filosofi") == "France (champ de Filosofi)"
    assert zone_label("region", "94", "Corse") == "Région : Corse"


def test_a_restricted_database_names_what_it_sums() -> None:
    assert france_label(["75", "04"]) == "France (départements chargés : 04, 75)"
    assert (france_label(["04", "976", "973"], "x", {"973", "976"}, "de Filosofi")
            == "France (départements chargés : 04, 973, 976 ; sans 973, 976, absents de Filosofi)")
    assert (france_label(["04", "976"], "x", {"976"}, "du classeur DREES")
            == "France (départements chargés : 04, 976 ; sans 976, absent du classeur DREES)")
    assert zone_label("region", "94", "Corse", ["2B"]) == "Région : Corse (départements chargés : 2B)"
    assert zone_label("departement", "2B", "Haute-Corse", ["2B"]) == "Département : Haute-Corse"


def test_rows_of_the_fixture_database_name_its_departements(db: duckdb.DuckDBPyConnection) -> None:
    """The fixture database holds 04, 13, 33, 75 and 976; PACA's loaded départements are 04 and 13."""
    assert FIXTURE_DEPARTEMENTS == ("04", "13", "33", "75", "976")
    d = compute(db, resolve_territory(db, "communes:04070"), DiagnosticOptions(territory="communes:04070"))
    loaded = "départements chargés : 04, 13, 33, 75, 976"
    paca = "Région : Provence-Alpes-Côte d'Azur (départements chargés : 04, 13)"

    def labels(zones: pd.DataFrame, level: str) -> set[str]:
        return set(zones.loc[zones["niveau"] == level, "libelle"])

    assert d.areas is not None and d.age_need is not None
    assert labels(d.areas.zones, "france") == {f"France ({loaded})"}
    assert labels(d.areas.zones, "region") == {paca}
    assert set(d.population.references.loc[d.population.references["niveau"] == "france", "zone"]) == {
        f"France ({loaded})"}
    assert labels(d.apl.zones, "france") == {f"France ({loaded} ; sans 976, absent du classeur DREES)"}
    assert labels(d.apl.zones, "region") == {paca}
    assert labels(d.age_need.zones, "france") == {f"France ({loaded} ; sans 976, absent du classeur DREES)"}
    assert d.income is not None
    assert labels(d.income.zones, "france") == {f"France ({loaded} ; sans 976, absent de Filosofi)"}
    # The APL's « territoire et références » table (report and Word Trame) heads its France column the same way
    # (a review: « départements chargés : 04, 13, 33, 75, 976 » above a figure without 976).
    section = access_section(d)
    synthesis = next(t for t in section["tables"] if t["title"] == "APL aux médecins généralistes : territoire et "
                                                                   "références")
    assert f"France ({loaded} ; sans 976, absent du classeur DREES)" in synthesis["data"].columns
    apl_table = next(b for b in trame_document(d).care_supply if getattr(b, "key", None) == "apl_synthese")
    assert apl_table.columns[-1].label == f"France ({loaded} ; sans 976, absent du classeur DREES)"
    # summary.json names what its reference figures sum (its « france » values alone read as France's).
    assert summary(d)["zones_de_reference"] == {
        "departement": "Alpes-de-Haute-Provence", "region": "Provence-Alpes-Côte d'Azur, départements chargés : 04, 13",
        "france": f"France ({loaded})", "france_apl": f"France ({loaded} ; sans 976, absent du classeur DREES)"}


@pytest.mark.parametrize("level", ["departement", "region"])
def test_zone_labels_outside_the_database_keep_their_plain_form(level: str) -> None:
    assert zone_label(level, "978", "Saint-Martin", ["978"]) == "Collectivité d'outre-mer : Saint-Martin"
