"""A CPTS whose listed communes lie partly outside the départements of a scoped database (make data
--departements) is diagnosed on the loaded ones, and says so: a review found « CPTS Buëch Dévoluy : 1 unités »
with no word that the listing gives it 58 communes, most of them in the Hautes-Alpes (05), not loaded here.

Known answer: the communes of the raw listing file outside the fixture's départements (04, 13, 33, 75, 976).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.analysis import aci
from pipeline.app.diagnostic import compute
from pipeline.app.sections.taille import four_plus_plus_note, taille_section, unknown_when_partial
from pipeline.model import DiagnosticOptions
from pipeline.render.diagnostic_report import context
from pipeline.render.report import format_number
from pipeline.render.sections.taille import taille_section as report_taille_section
from pipeline.render.summary import summary as summary_of
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS, mirror_path

pytestmark = [pytest.mark.mirror]

CPTS = "CPTS Buëch Dévoluy"


def _listed(cpts: str) -> list[str]:
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        return sorted(row["code_insee"] for row in csv.DictReader(handle) if row["cpts"] == cpts)


def test_communes_outside_the_loaded_departements_are_named_and_the_figures_said_partial(
        db: duckdb.DuckDBPyConnection) -> None:
    listed = _listed(CPTS)
    outside = [c for c in listed if c[:2] not in FIXTURE_DEPARTEMENTS and c[:3] not in FIXTURE_DEPARTEMENTS]
    assert len(outside) > 40 and len(outside) < len(listed)  # mostly in the Hautes-Alpes
    d = compute(db, resolve_territory(db, f"cpts:{CPTS}"), DiagnosticOptions(territory=f"cpts:{CPTS}"))
    assert d.listing_anomalies is not None
    flagged = d.listing_anomalies[d.listing_anomalies["kind"] == "hors_departements_charges"]
    assert sorted(flagged["code"]) == outside
    assert "code_inconnu" not in set(d.listing_anomalies["kind"])  # valid communes, only not loaded
    # Counted as communes (a review: 57 codes, 05088 and 05150 merged into 05024, also listed: 55 communes).
    communes = raw.current_communes(outside)
    assert (len(outside), len(communes)) == (57, 55)
    assert (f"{len(communes)} communes de la CPTS dans sa liste ({len(outside)} codes, dont d'anciennes communes "
            "comptées dans leur commune actuelle) sont hors des départements chargés dans la base (make data "
            "DEPARTEMENTS=…) : les chiffres de ce diagnostic ne portent que sur les autres") in d.notes
    assert len(d.territory.units) == len(listed) - len(outside)


def test_territoire_command_says_the_cpts_is_partly_outside_the_load(
        db: duckdb.DuckDBPyConnection, capsys: pytest.CaptureFixture[str]) -> None:
    """A review: « python -m pipeline territoire » listed the loaded units of such a CPTS without a word."""
    from pipeline.app.inspect import print_territory

    listed = _listed(CPTS)
    outside = [c for c in listed if c[:2] not in FIXTURE_DEPARTEMENTS and c[:3] not in FIXTURE_DEPARTEMENTS]
    print_territory(f"cpts:{CPTS}")
    printed = capsys.readouterr().out
    assert (f"  note : {len(raw.current_communes(outside))} communes de la CPTS dans sa liste ({len(outside)} codes, "
            "dont d'anciennes communes comptées dans leur commune actuelle) sont hors des départements chargés dans "
            "la base") in printed
    whole = f"{_whole_population(listed):,}".replace(",", " ")
    assert (f"  note : population du territoire entier : {whole} habitants, d'après le COG (sa taille est établie "
            "sur elle)") in printed


def _whole_population(codes: list[str]) -> int:
    """Known answer: the 2026 package's population of the current communes of ``codes`` (a former commune of the
    Hautes-Alpes counted in its current one), read from the raw tarball."""
    populations = raw.populations("6.0.0")
    return sum(populations[c] for c in raw.current_communes(codes))


def test_the_taille_of_a_partial_cpts_is_that_of_its_whole_population(db: duckdb.DuckDBPyConnection) -> None:
    # An independent review: « CPTS Val Durance » diagnosed on the loaded départements with 38 186 inhabitants,
    # « taille 1 … 185 000 € » with no caveat, while its whole listing holds 41 363 (taille 2); « non disponible »
    # then, while the national COG gives the population of its communes outside the load.
    listed = _listed(CPTS)
    whole = _whole_population(listed)
    d = compute(db, resolve_territory(db, f"cpts:{CPTS}"), DiagnosticOptions(territory=f"cpts:{CPTS}"))
    assert d.population.total < whole
    t = d.taille
    assert (t.band, t.label, t.whole_population, t.unknown_reason, t.lower_bound) == (
        aci.size_band(whole), str(aci.size_band(whole)), whole, None, None)
    assert t.total_possible is not None and not t.funding.empty
    assert (f"taille établie sur la population du territoire entier, {format_number(whole)} habitants, dont "
            f"{format_number(whole - d.population.total)} dans ses communes hors des départements chargés dans la "
            "base (populations légales du COG)") in d.notes
    assert context(d)["key_figures"][0]["label"] == "Population (communes chargées)"  # the report's key figures
    assert {k: summary_of(d)[k] for k in ("taille", "taille_classe", "taille_minimale",
                                          "population_territoire_entier")} == {
        "taille": str(aci.size_band(whole)), "taille_classe": aci.size_band(whole), "taille_minimale": None,
        "population_territoire_entier": whole}


def test_an_arrondissement_beyond_the_load_counts_as_itself(db: duckdb.DuckDBPyConnection) -> None:
    """A re-check: Lyon 1er (69381), listed in a CPTS on a load without the Rhône, counted as the whole of Lyon
    (its current commune in the COG's passage table). Known answers: the 2026 package's populations."""
    from pipeline.app.sections.taille import population_units
    from pipeline.store.queries.beyond_the_load import population_of, population_where

    assert population_units(["69381", "05088", "05024", "13201", "13055"],
                            ["69123", "05024", "05024", "13055", "13055"]) == ["05024", "13055", "69381"]
    populations = raw.populations("6.0.0")
    assert population_of(db, ["69381", "05024"]) == populations["69381"] + populations["05024"]
    # A région's population counts its cities once, not with their arrondissements as well.
    rhone_alpes = [c["code"] for c in raw.package("6.0.0", "communes")
                   if c["type"] == "commune-actuelle" and c.get("region") == "84"]
    assert population_where(db, "region", ["84"]) == sum(populations[c] for c in rhone_alpes)


def test_an_unknown_whole_population_leaves_the_taille_unknown_with_its_floor_said() -> None:
    # Every population is at least taille 1: « au moins en taille 1 » said nothing (a review).
    floor_one = unknown_when_partial(taille_section(38_186, None, None), 38_186, ["05"])
    assert (floor_one.label, floor_one.lower_bound) == ("non disponible", 1)
    assert str(floor_one.unknown_reason).endswith(f"hors des départements chargés dans la base (05) ; ses "
                                                  f"{format_number(38_186)} habitants chargés n'en fixent pas la "
                                                  "taille")
    floor_two = unknown_when_partial(taille_section(59_287, None, None), 59_287, [])
    assert str(floor_two.unknown_reason).endswith(f"ses {format_number(59_287)} habitants chargés le placent au moins "
                                                  "en taille 2")


@pytest.mark.parametrize(("population", "professionals", "possible", "label", "note"), [
    (180_000, None, False, "4", False),      # taille 4 already: no missing commune can change it
    (180_000, 150, True, "4++", False),      # 4++ already
    # More communes could bring more than 100 professionals: the band (and its funding, the same for 4++) stays,
    # whether it is a 4++ is said.
    (180_000, 60, True, "4", True),
    (180_000, 60, False, "4", False),        # the demonstration supply never makes 4++
    (175_001, None, True, "4", False),       # « plus de 175 000 » (seed 001): taille 4 whatever is missing
    (175_000, None, False, "non disponible", False),  # taille 3, which a missing commune could raise
    (174_999, None, False, "non disponible", False),
    (39_999, None, False, "non disponible", False),
])
def test_a_partial_taille_is_kept_only_when_no_missing_commune_can_change_it(
        population: int, professionals: int | None, possible: bool, label: str, note: bool) -> None:
    taille = unknown_when_partial(taille_section(population, professionals, None), population, ["84"])
    assert taille.label == label
    assert (taille.total_possible is None) == (label == "non disponible")
    assert (four_plus_plus_note(taille, possible) is not None) == note


def test_an_epci_crossing_the_loaded_departements_has_the_taille_of_the_whole_epci(
        db: duckdb.DuckDBPyConnection) -> None:
    # The EPCI of Manosque (Durance-Luberon-Verdon Agglomération) has a commune in the Var, not loaded in the
    # fixture database: an independent review found its Trame ticking « taille 2 » with no word of it, a second
    # one « non disponible (au moins 2) » for an EPCI of 63 751 inhabitants.
    epci = "200034700"
    members = next(e["membres"] for e in raw.package("6.0.0", "epci") if e["code"] == epci)
    codes = [m["code"] for m in members]
    outside = [c for c in codes if c[:2] not in FIXTURE_DEPARTEMENTS]
    assert outside and len(outside) < len(codes)
    whole = _whole_population(codes)
    assert whole == 63_751  # the review's sum
    territory = resolve_territory(db, f"epci:{epci}")
    assert territory.beyond_the_load and territory.whole_population == whole
    d = compute(db, territory, DiagnosticOptions(territory=f"epci:{epci}"))
    assert len(d.units) == len(codes) - len(outside)
    assert d.population.total == _whole_population([c for c in codes if c not in outside])
    assert (d.taille.label, d.taille.whole_population) == (str(aci.size_band(whole)), whole)
    assert not resolve_territory(db, "departement:04").beyond_the_load  # a zone wholly loaded
    # The Word Trame's population line says whose it is (a review: « 59 287 habitants », read as the EPCI's).
    from pipeline.render.trame import trame_document

    assert trame_document(d).population_scope == (f"communes des départements chargés seulement ; territoire entier "
                                                  f": {format_number(whole)} habitants (COG), population sur laquelle "
                                                  "la taille est établie")


@pytest.mark.parametrize(("spec", "members"), [
    # Whole zones from the raw files: the bassin de vie of Manosque (10 communes, one in the Var: taille 2 for the
    # 39 670 loaded inhabitants, a review) and Gap-Tallard-Durance (two communes of the 04, the rest in the 05).
    ("bv:04112", lambda: [c for c, r in raw.appartenance().items() if r["BV2022"] == "04112"]),
    ("epci:200067825", lambda: [m["code"] for e in raw.package("6.0.0", "epci") if e["code"] == "200067825"
                                for m in e["membres"]]),
    # A région held in part: the communes of its six départements.
    ("region:93", lambda: [c["code"] for c in raw.package("6.0.0", "communes")
                           if c["type"] == "commune-actuelle" and c.get("region") == "93"]),
])
def test_zones_crossing_the_load_have_the_taille_of_their_whole_population(
        db: duckdb.DuckDBPyConnection, spec: str, members: Callable[[], list[str]]) -> None:
    codes = members()
    whole = _whole_population(codes)
    territory = resolve_territory(db, spec)
    assert territory.beyond_the_load and territory.whole_population == whole
    loaded = _whole_population([c for c in codes if c[:2] in FIXTURE_DEPARTEMENTS])
    assert territory.population == loaded < whole
    d = compute(db, territory, DiagnosticOptions(territory=spec))
    assert (d.taille.band, d.taille.whole_population) == (aci.size_band(whole), whole)
    assert d.taille.bounds.endswith(f"population du territoire entier, {format_number(whole)} habitants, dont "
                                    f"{format_number(whole - loaded)} dans ses communes hors des départements "
                                    "chargés dans la base")


def test_a_taille_not_known_keeps_its_mission_calendar(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # The calendar follows the ACI signature date, not the taille: it stays when the taille is not known (a
    # perimeter drawn over Meyrargues, 13, and Pertuis, 84, not loaded: its communes there are not known).
    crossing = _box_file(tmp_path / "durance.geojson", 5.40, 43.62, 5.56, 43.74)
    options = DiagnosticOptions(territory=f"fichier:{crossing}", signature=date(2025, 8, 31))
    d = compute(db, resolve_territory(db, options.territory), options)
    assert d.taille.label == "non disponible" and d.taille.calendar is not None
    section = report_taille_section(d)
    assert [t["title"] for t in section["tables"]] == ["Calendrier des missions après la signature"]
    assert section["paragraphs"][0].startswith("Taille ACI : non disponible (population du territoire entier")
    # Its Word population line says it is the loaded communes' (a review: « 1 074 habitants » for the whole CPTS).
    from pipeline.render.trame import trame_document

    assert trame_document(d).population_scope.startswith("communes des départements chargés seulement")


def _box_file(path: Path, west: float, south: float, east: float, north: float) -> Path:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}),
        encoding="utf-8")
    return path


def test_a_drawn_file_crossing_the_loaded_departements_has_no_taille(db: duckdb.DuckDBPyConnection,
                                                                     tmp_path: Path) -> None:
    # A review: a box over Meyrargues (13) and Pertuis (84) gave « 3 unités, 15 191 habitants, taille 1 » with
    # funding and no note on a database without the Vaucluse; with it, 10 units and taille 2.
    crossing = _box_file(tmp_path / "durance.geojson", 5.40, 43.62, 5.56, 43.74)
    territory = resolve_territory(db, f"fichier:{crossing}")
    assert territory.beyond_the_load
    # The communes of the Vaucluse it holds are named (a review read « ou en mer » of a perimeter holding Vinon).
    assert any("ne recouvrent aucune commune chargée (base limitée à 04, 13, 33, 75, 976) ; il contient le point "
               "représentatif de " in n and "Pertuis (84089, département 84)" in n for n in territory.notes)
    d = compute(db, territory, DiagnosticOptions(territory=f"fichier:{crossing}"))
    assert d.taille.label == "non disponible"
    # A box inside the Bouches-du-Rhône (around Aix-en-Provence) is whole.
    inside = _box_file(tmp_path / "aix.geojson", 5.38, 43.49, 5.50, 43.56)
    assert not resolve_territory(db, f"fichier:{inside}").beyond_the_load


def test_communes_outside_the_load_are_counted_as_current_communes(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « 57 communes » of Buëch Dévoluy outside the load were 57 listed codes, two of them (05088
    Montmorin, 05150 Sainte-Marie) part of 05024 Valdoule, also listed; Guil Durance's 31 hold 05120 Ristolas,
    part of 05001 Abriès-Ristolas. The database keeps the COG's history of the départements it does not load."""
    from pipeline.app.sections.neighbours import listing_anomalies, outside_the_load
    from pipeline.store.queries.beyond_the_load import current_communes

    assert current_communes(db, ["05088", "05150", "05024", "05120", "04001"]) == {
        "05088": "05024", "05150": "05024", "05024": "05024", "05120": "05001"}  # 04001 is loaded: not there
    for cpts, expected in (("CPTS Buëch Dévoluy", 55), ("CPTS Guil Durance", 30)):
        outside = [c for c in _listed(cpts) if c[:2] not in FIXTURE_DEPARTEMENTS]
        assert len(raw.current_communes(outside)) == expected
        assert outside_the_load(listing_anomalies(db, resolve_territory(db, f"cpts:{cpts}"))) == expected, cpts


def test_an_arrondissement_beside_its_city_is_no_former_commune() -> None:
    """A review: « CPTS Lyon Mixte » (69123 Lyon and 69382 Lyon 2e, beyond the load) read « 2 codes, dont
    d'anciennes communes comptées dans leur commune actuelle »."""
    from pipeline.app.sections.neighbours import _outside_the_load_said
    from pipeline.sources.cpts_listing import OUT_OF_SCOPE

    def said(codes: list[str], current: list[str]) -> str | None:
        return _outside_the_load_said(pd.DataFrame({"kind": OUT_OF_SCOPE, "code": codes, "current_code": current}))

    assert said(["69123", "69382"], ["69123", "69123"]) == (
        "1 commune de la CPTS dans sa liste (2 codes, dont des arrondissements comptés dans leur ville) est hors des "
        "départements chargés dans la base")
    assert said(["69123", "69382", "05088", "05024"], ["69123", "69123", "05024", "05024"]) == (
        "2 communes de la CPTS dans sa liste (4 codes, dont d'anciennes communes comptées dans leur commune actuelle "
        "et des arrondissements comptés dans leur ville) sont hors des départements chargés dans la base")
