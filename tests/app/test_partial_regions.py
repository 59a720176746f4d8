"""A région of which the database holds some départements only (``make data DEPARTEMENTS=…``).

Its figures are those of the loaded départements: the territory, the coverage and the editor say so in their
title and name the missing départements with the command that adds them, instead of presenting 04 and 13 as
« Provence-Alpes-Côte d'Azur ». The fixture database holds 04, 13, 33, 75 and 976.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from pipeline.app.coverage import zone_of
from pipeline.errors import TerritoryError
from pipeline.geography import DEPARTEMENTS, REGION_DEPARTEMENTS, REGION_NAMES
from pipeline.model import CoverageOptions
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw
from tests.app.robust_support import Workspace, cli, error_line

ADD_PACA = ("ajoutez-les avec « make data DEPARTEMENTS=04,05,06,13,33,75,83,84,976 », ou chargez toute la France "
            "avec « make data FRANCE=1 »")


def test_regions_and_their_departements_are_those_of_the_cog() -> None:
    """The mapping written in the code equals the COG 2026 package's départements.json (mirror)."""
    from_cog: dict[str, set[str]] = defaultdict(set)
    for departement in raw.package("6.0.0", "departements"):
        from_cog[departement["region"]].add(departement["code"])
    regions = {region: codes for region, codes in from_cog.items() if len(region) == 2}  # not the COM (975…)
    assert {r: set(codes) for r, codes in REGION_DEPARTEMENTS.items()} == regions
    assert len(DEPARTEMENTS) == 101
    named = {r["code"]: r["nom"] for r in raw.package("6.0.0", "regions") if len(r["code"]) == 2}
    assert named == REGION_NAMES  # the names a région typed by name outside the load is recognised by


def test_a_region_held_in_part_says_what_its_figures_sum(db: duckdb.DuckDBPyConnection) -> None:
    territory = resolve_territory(db, "region:93")
    assert territory.label == "Provence-Alpes-Côte d'Azur (départements chargés : 04, 13)"
    assert territory.notes == [
        "départements 05, 06, 83, 84 de la région hors des départements chargés : le territoire ne contient que la "
        f"partie chargée, et ses chiffres ne portent que sur elle ; {ADD_PACA}"]
    populations = raw.populations("6.0.0")
    communes = {c["code"]: c for c in raw.package("6.0.0", "communes") if c["type"] == "commune-actuelle"}
    expected = sum(populations[code] for code, c in communes.items() if c["departement"] in ("04", "13"))
    assert territory.population == expected  # 04 and 13 only, as the title says


def test_a_region_held_whole_has_no_note(db: duckdb.DuckDBPyConnection) -> None:
    """Nouvelle-Aquitaine's only loaded département is 33; Île-de-France's 75; Mayotte is a whole région."""
    mayotte = resolve_territory(db, "region:06")
    assert (mayotte.label, mayotte.notes) == ("Mayotte", [])
    assert resolve_territory(db, "region:11").label == "Île-de-France (départements chargés : 75)"


def test_a_region_with_nothing_loaded_gives_the_command(db: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "region:94")
    assert info.value.message == (
        "Région Corse (94) : aucun de ses départements n'est chargé (base limitée à 04, 13, 33, 75, 976 ; "
        "ajoutez-les avec « make data DEPARTEMENTS=04,13,2A,2B,33,75,976 », ou chargez toute la France avec « make "
        "data FRANCE=1 »)")


def test_coverage_zones_of_a_partial_database_are_labelled(db: duckdb.DuckDBPyConnection) -> None:
    slug, label, _, _, notes = zone_of(CoverageOptions("region", "93", 20000), db)
    assert (slug, label) == ("region-93", "Région Provence-Alpes-Côte d'Azur (départements chargés : 04, 13)")
    assert notes == resolve_territory(db, "region:93").notes
    france = zone_of(CoverageOptions("france", None, 20000), db)[1]
    assert france == "France (départements chargés : 04, 13, 33, 75, 976)"
    with pytest.raises(TerritoryError) as info:
        zone_of(CoverageOptions("departement", "83", 20000), db)
    assert info.value.message.startswith("Département 83 : hors des départements chargés (base limitée à 04, 13, 33, "
                                         "75, 976 ; ajoutez-le avec « make data DEPARTEMENTS=04,13,33,75,83,976 »")


@pytest.mark.parametrize(("kind", "typed"), [("region", "PACA"), ("region", "provence-alpes-cote d'azur"),
                                              ("departement", "Alpes-de-Haute-Provence"), ("departement", "4")])
def test_coverage_zones_are_read_as_a_diagnostic_reads_them(db: duckdb.DuckDBPyConnection, kind: str,
                                                            typed: str) -> None:
    """``couverture --region PACA`` was « Région inconnue : PACA » where ``diagnostic region:PACA`` worked."""
    slug = zone_of(CoverageOptions(kind, typed, 20000), db)[0]
    assert slug == ("region-93" if kind == "region" else "departement-04")


@pytest.mark.parametrize("command", [["couverture", "--region", "84"], ["editeur", "--region", "84"],
                                     ["diagnostics", "--region", "84"], ["couverture", "--region", "ARA"],
                                     ["editeur", "--region", "Auvergne-Rhône-Alpes"],
                                     ["diagnostics", "--region", "auvergne rhone alpes"]],
                         ids=["couverture", "editeur", "diagnostics", "couverture-named", "editeur-named",
                              "diagnostics-named"])
def test_commands_on_a_region_not_loaded_give_the_command(ws: Workspace, capsys: pytest.CaptureFixture[str],
                                                          command: list[str]) -> None:
    code, out, err = cli(capsys, *command)
    assert (code, out) == (2, "")
    assert err == error_line(
        "Région Auvergne-Rhône-Alpes (84) : aucun de ses départements n'est chargé (base limitée à 04, 13, 33, 75, "
        "976 ; ajoutez-les avec « make data DEPARTEMENTS=01,03,04,07,13,15,26,33,38,42,43,63,69,73,74,75,976 », ou "
        "chargez toute la France avec « make data FRANCE=1 »)")


def test_coverage_of_a_partial_region_prints_its_label_and_note(ws: Workspace, capsys: pytest.CaptureFixture[str]
                                                                ) -> None:
    code, out, err = cli(capsys, "couverture", "--region", "93")
    assert (code, err) == (0, "")
    assert out.startswith("Couverture par les CPTS – Région Provence-Alpes-Côte d'Azur (départements chargés : 04, "
                          "13)\n")
    assert "  note : départements 05, 06, 83, 84 de la région hors des départements chargés" in out
    assert (Path(ws.maps) / "couverture-region-93" / "carte.html").is_file()
