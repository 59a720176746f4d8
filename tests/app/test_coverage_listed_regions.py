"""White zones only where the loaded listings speak for a région (a review of the coverage, as an ARS planner).

The coverage of a département no listing covers said « zones blanches : 0 unités » and « population couverte »
equal to its whole population; one commune of the Drôme claimed by a PACA CPTS made all of Auvergne-Rhône-Alpes
white zones, without a note. A région counts as listed when its claimed units hold at least
``MIN_LISTED_SHARE`` of its population; elsewhere its white zones are « non disponible ».

Known answers: populations of the 2026 COG package (raw file), and the hand-made listing below.
"""

from __future__ import annotations

import html
import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from pipeline import config
from pipeline.analysis.coverage.claims import MIN_LISTED_SHARE, known_units, listed_regions
from pipeline.app.diagnostic import compute
from pipeline.app.sections.perimeter_data import known_claims
from pipeline.model import DiagnosticOptions
from pipeline.render.report import format_number
from pipeline.render.sections.members import unsearched_regions
from pipeline.store.territory import resolve_territory
from tests.app.test_coverage_names import _raw_populations
from tests.render.documents_runs import database_with_listing, run_in, writable_database

UNITS = pd.DataFrame({"code": ["a1", "a2", "a3", "b1", "b2"], "region": ["A", "A", "A", "B", "B"],
                      "departement": ["a", "a", "a", "b", "b"], "population": [500, 300, 200, 30, 970]})


#: The reason of a zone no loaded listing speaks for, as the user reads it.
WHY = ("dans aucun département de cette zone, ni deux CPTS des listes chargées au moins n'ont l'essentiel de leur "
       "territoire, ni ces listes ne revendiquent la moitié des habitants et le quart des unités")


def test_a_region_is_listed_when_its_claimed_units_hold_a_fifth_of_its_inhabitants() -> None:
    # A: 800 of 1 000 claimed (0.8); B: 30 of 1 000 (0.03), a CPTS of A reaching across the border.
    regions = listed_regions(["a1", "a2", "b1"], UNITS).set_index("region")
    assert regions["unites_revendiquees"].to_dict() == {"A": 2, "B": 1}
    assert regions["part"].to_dict() == pytest.approx({"A": 0.8, "B": 0.03})
    assert regions["listee"].to_dict() == {"A": True, "B": False}
    # Exactly the threshold counts as listed; a région without any claim is not in the table.
    at = listed_regions(["b1", "b2"], UNITS.assign(population=[1, 1, 1, 200, 800]), min_share=MIN_LISTED_SHARE)
    assert at.set_index("region")["listee"].to_dict() == {"B": True}
    # The units whose claims are known: those of A's département (80 %, 2 of 3 units); not B's, for a stray claim.
    assert known_units(["a1", "a2", "b1"], UNITS) == {"a1", "a2", "a3"}


def test_a_listing_of_one_departement_speaks_for_it_not_for_its_region() -> None:
    """A review: a Drôme listing (357 of its 362 communes, 6.4 % of Auvergne-Rhône-Alpes) made the coverage of
    the Drôme « non disponible (aucune liste … ne couvre cette zone) » and its 5 unclaimed communes unknown. Région
    C: département c1, 900 of its 1 000 inhabitants claimed; c2, 9 000 inhabitants, none claimed."""
    units = pd.DataFrame({"code": ["x1", "x2", "y1"], "region": ["C", "C", "C"], "departement": ["c1", "c1", "c2"],
                          "population": [900, 100, 9_000]})
    assert listed_regions(["x1"], units)["listee"].tolist() == [False]  # 900 of 10 000: under a fifth
    assert known_units(["x1"], units) == {"x1", "x2"}  # c1 (900 of 1 000, 1 unit of 2) known, x2 a white zone
    departements = listed_regions(["x1"], units, level="departement").set_index("departement")
    assert departements["part"].to_dict() == pytest.approx({"c1": 0.9})


def test_one_city_s_cpts_does_not_speak_for_its_departement() -> None:
    """A review of the rule above at a fifth of a département: one listing of Lyon (27 % of the Rhône) made the
    Rhône's other 265 units white zones (1.4 million inhabitants). A département is spoken for when its claimed
    units hold half of its inhabitants and half of its units: département d, a city of 2 700 inhabitants among
    ten units of 10 000 in all; its région E has 100 000."""
    units = pd.DataFrame({"code": [f"d{i}" for i in range(10)] + ["e0"], "region": ["E"] * 11,
                          "departement": ["d"] * 10 + ["e"], "population": [2_700] + [811] * 9 + [90_000 - 1]})
    assert known_units(["d0"], units) == frozenset()  # 27 % of d's inhabitants, 1 of its 10 units
    assert known_units([f"d{i}" for i in range(5)], units) == {f"d{i}" for i in range(10)}  # 59 %, 5 of 10 units
    # A metropolis: most of the inhabitants in a tenth of the units (the Métropole de Lyon, 73 % of the Rhône).
    metropolis = units.assign(population=[6_000] + [444] * 9 + [90_000])
    assert known_units(["d0"], metropolis) == frozenset()  # 60 % of the inhabitants, 1 unit of 10
    assert known_units(["d0", "d1", "d2"], metropolis) == {f"d{i}" for i in range(10)}  # 69 %, 3 of 10


def test_one_departement_s_listing_does_not_speak_for_its_region() -> None:
    """A review: a listing of the Nord (43.7 % of the Hauts-de-France) made the région « listed » and the
    Pas-de-Calais's 887 units white zones. Région F: département f1 all claimed (60 000 inhabitants), f2 none."""
    units = pd.DataFrame({"code": ["f1a", "f1b", "f2a", "f2b"], "region": ["F"] * 4,
                          "departement": ["f1", "f1", "f2", "f2"], "population": [30_000, 30_000, 20_000, 20_000]})
    assert listed_regions(["f1a", "f1b"], units)["listee"].tolist() == [True]  # 60 % of F: the old rule's « listed »
    assert known_units(["f1a", "f1b"], units) == {"f1a", "f1b"}  # f2's units stay of unknown coverage
    assert known_units([], units) == frozenset()  # no listing loaded (it failed on the empty table)


def test_a_partly_loaded_cpts_is_rooted_by_its_population_beyond_the_load() -> None:
    """A review: a CPTS of Périgueux (29 055 inhabitants, Dordogne, not loaded) and two small communes of the
    Gironde (41 and 49) was rooted in the Gironde by its units (2 of 3), which with one Gironde CPTS made the
    Gironde's unclaimed units white zones. By its population it is the Dordogne's: one CPTS rooted in the Gironde,
    whose claims hold 4 of its 20 units, under a quarter: coverage unknown."""
    units = pd.DataFrame({"code": [f"g{i}" for i in range(1, 21)], "departement": ["33"] * 20,
                          "region": ["75"] * 20, "population": [100_000, 50_000, 41, 49] + [1_000] * 16})
    claims = pd.DataFrame({"cpts_id": ["a", "a", "b", "b", "b"], "unit_code": ["g1", "g2", "g3", "g4", "24322"]})
    claimed = ["g1", "g2", "g3", "g4"]
    assert known_units(claimed, units, claims) == frozenset(units["code"])  # by units: two CPTS rooted in 33
    beyond = pd.DataFrame({"code": ["24322"], "departement": ["24"], "population": [29_055]})
    assert known_units(claimed, units, claims, beyond) == frozenset()
    # The other way: a CPTS with 2 old codes of the Dordogne (2 units, 17 085 inhabitants) and 17 644 in the
    # Gironde is rooted in the Gironde by its population.
    claims = pd.DataFrame({"cpts_id": ["a", "a", "b", "b", "b"], "unit_code": ["g1", "g2", "g3", "24053", "24253"]})
    units.loc[units["code"] == "g3", "population"] = 17_644
    beyond = pd.DataFrame({"code": ["24053", "24253"], "departement": ["24", "24"], "population": [8_500, 8_585]})
    assert known_units(["g1", "g2", "g3"], units, claims) == frozenset()  # by units: the Dordogne's
    assert known_units(["g1", "g2", "g3"], units, claims, beyond) == frozenset(units["code"])


@pytest.mark.mirror
def test_codes_beyond_the_load_are_rooted_as_the_units_they_count(db: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    """A code merged since (05088 Montmorin, in 05024 Valdoule) counts in its current commune, once beside it; an
    arrondissement beside its city listed whole (69382 with 69123), in the city, once. Populations: the COG's."""
    from pipeline.app.sections.taille import claims_beyond

    codes = pd.DataFrame({"cpts_id": ["x", "x", "y", "y"], "unit_code": ["05088", "05024", "69123", "69382"]})
    rows, people = claims_beyond(db, codes)
    assert sorted(map(tuple, rows[["cpts_id", "unit_code"]].values.tolist())) == [("x", "05024"), ("y", "69123")]
    raw = {c["code"]: c for c in _raw_communes(mirror)}
    assert people.set_index("code")[["departement", "population"]].to_dict("index") == {
        code: {"departement": code[:2], "population": int(raw[code]["population"])} for code in ("05024", "69123")}


def test_a_region_s_claimed_share_counts_its_claims_beyond_the_load() -> None:
    """A review: on a load of the Gironde, a listing claiming Bordeaux (267 991 inhabitants, loaded), Périgueux
    (29 055) and Bergerac (27 110) of the Dordogne (not loaded) read « 1 unité (4,4 % de ses habitants) » of
    Nouvelle-Aquitaine (6 150 451 inhabitants in the COG): 3 units, (267 991 + 29 055 + 27 110) / 6 150 451."""
    from pipeline.app.coverage_zone import unlisted_region_notes

    regions = pd.DataFrame({"region": ["75"], "unites_revendiquees": [1], "population_revendiquee": [267_991],
                            "population": [1_690_493], "part": [267_991 / 1_690_493], "listee": [False]})
    units = pd.DataFrame({"code": ["33063"], "region": ["75"], "departement": ["33"]})
    beyond = pd.DataFrame({"region": ["75"], "unites": [2], "population": [29_055 + 27_110]})
    share = format_number(100 * (267_991 + 29_055 + 27_110) / 6_150_451, 1, "%")
    assert share == format_number(5.3, 1, "%")
    notes = unlisted_region_notes({"75": "Nouvelle-Aquitaine"}, regions, units, frozenset(), {"75": 6_150_451},
                                  beyond)
    assert notes == [f"région Nouvelle-Aquitaine (75) : les listes chargées n'y revendiquent que 3 unités ({share} de "
                     "ses habitants) : moins de deux CPTS des listes chargées ont l'essentiel de leur territoire dans "
                     "ses départements et ses unités non revendiquées ne sont pas comptées en zones blanches"]
    # A région loaded whole: its loaded figures, the claims beyond the load are elsewhere.
    whole = unlisted_region_notes({"75": "Nouvelle-Aquitaine"}, regions, units, frozenset(), {"75": 1_690_493},
                                  beyond)
    assert "n'y revendiquent que 1 unité (" + format_number(100 * 267_991 / 1_690_493, 1, "%") in whole[0]


def _raw_communes(mirror: Path) -> list[dict[str, Any]]:
    """The current communes of the 2026 COG package (``region`` and ``population`` among their keys)."""
    tarball = mirror / config.decoupage_file(config.CURRENT_VINTAGE).mirror_path
    with tarfile.open(tarball) as archive:
        handle = archive.extractfile("package/data/communes.json")
        assert handle is not None
        communes = json.load(io.TextIOWrapper(handle, encoding="utf-8"))
    return [c for c in communes if c["type"] == "commune-actuelle" and "population" in c]


@pytest.fixture(scope="module")
def stray(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture database with a listing whose one CPTS holds two communes of the 04 and Abzac (33001)."""
    root = tmp_path_factory.mktemp("stray")
    listing = root / "debordante.csv"
    listing.write_text("cpts,code_insee\nCPTS Débordante,04070\nCPTS Débordante,04001\nCPTS Débordante,33001\n",
                       encoding="utf-8")
    return database_with_listing(fixture_data_dir, root, listing)


@pytest.mark.mirror
def test_a_departement_claimed_by_a_stray_commune_only_has_no_white_zones(stray: Path, mirror: Path) -> None:
    run = run_in(stray, stray.parent / "maps", ["couverture", "--departement", "33"])
    assert run.code == 0, run.stderr
    assert f"  zones blanches : non disponible ({WHY})\n" in run.stdout
    summary = json.loads((stray / "processed" / "coverage" / "departement-33" / "summary.json").read_text("utf-8"))
    assert summary["communes_in_no_cpts"] is None and summary["population_in_no_cpts"] is None
    # Covered: Abzac only, not the Gironde less its white zones.
    assert summary["population_covered"] == _raw_populations(mirror)["33001"]
    note = next(n for n in summary["notes"] if n.startswith("région Nouvelle-Aquitaine (75) : "))
    # Its share of the whole région's inhabitants, from the COG package: not of the loaded Gironde's (a review read
    # 17,3 % for Bordeaux and Bègles, their share of the Gironde, 4,8 % of Nouvelle-Aquitaine).
    region = _raw_communes(mirror)
    whole = sum(int(c["population"]) for c in region if c.get("region") == "75")
    share = format_number(100 * _raw_populations(mirror)["33001"] / whole, 1, "%")
    assert f"les listes chargées n'y revendiquent que 1 unité ({share} de ses habitants) : " in note
    unknown = next(n for n in summary["notes"] if "dont la couverture n'est pas connue" in n)
    assert unknown.endswith("(moins de deux CPTS des listes chargées ont "
                            "l'essentiel de leur territoire dans leur département, "
                            "et ces listes y revendiquent moins de la moitié des habitants ou moins du quart des "
                            "unités) : pas comptées en zones blanches (département : Gironde (33))")
    # Atone territories are made of white zones: not known either (a review read « 0 »). The CPTS of the 04
    # claiming Abzac is a fact: its overlaps are counted (none).
    assert summary["atone_territories"] is None and summary["candidate_perimeters"] is None
    assert summary["overlapping_pairs"] == 0 and summary["units_in_several_cpts"] == 0
    assert (f"  territoires atones : non disponible ; périmètres proposés (seuil {format_number(20000)} hab.) : non "
            "disponible\n") in run.stdout
    communes = pd.read_csv(stray / "processed" / "coverage" / "departement-33" / "communes.csv", dtype=str)
    counts = communes.set_index("unit_code")["n_cpts"]
    assert counts["33001"] == "1" and counts.drop("33001").isna().all()  # unknown, not « 0 »
    # The GeoPackage says the same (a review filtering n_cpts = 0 in a GIS read every unit as a white zone).
    units = gpd.read_file(stray / "processed" / "coverage" / "departement-33" / "couverture.gpkg", layer="units")
    units = units.set_index("code")
    assert units.loc["33001", "n_cpts"] == 1 and bool(units.loc["33001", "couverture_connue"])
    others = units.drop("33001")
    assert len(others) == len(counts) - 1 and others["n_cpts"].isna().all() and others["cpts"].isna().all()
    assert not others["couverture_connue"].any()
    # A count of CPTS: an integer field of the file (a review read 1.0 / 0.0), empty where unknown.
    fields = dict(zip(*[pyogrio.read_info(stray / "processed" / "coverage" / "departement-33" / "couverture.gpkg",
                                          layer="units")[k] for k in ("fields", "dtypes")], strict=True))
    assert fields["n_cpts"] == "int64"
    atone = (stray / "processed" / "coverage" / "departement-33" / "territoires_atones.csv").read_text("utf-8")
    assert f"non disponible : {WHY}" in atone  # not « aucune »
    page = (stray.parent / "maps" / "couverture-departement-33" / "carte.html").read_text("utf-8")
    # Every unit of the zone drawn (a review saw 3 of Mayotte's 17), its coverage unknown, never a white zone.
    assert ("dont la couverture n'est pas connue (moins de deux CPTS des listes chargées ont "
            "l'essentiel de leur territoire "
            "dans leur département, et ces listes y revendiquent moins de la moitié des habitants ou moins du quart "
            "des unités) sont dessinées en gris, jamais en zone blanche" in html.unescape(page))  # why


@pytest.mark.mirror
def test_the_map_counts_the_units_of_unknown_coverage_without_a_polygon_as_the_summary_does(
        stray: Path, tmp_path: Path) -> None:
    """A review read « 3 357 unités dont la couverture n'est pas connue » on a région's map and 3 361 in its
    summary: 4 communes of the Cantal have no polygon. Here one of the Gironde's loses its polygon."""
    data = tmp_path / "data"
    shutil.copytree(stray, data, symlinks=True)
    with writable_database(data) as con:
        con.execute("DELETE FROM commune_polygons WHERE code = '33002'")
    run = run_in(data, tmp_path / "maps", ["couverture", "--departement", "33"])
    assert run.code == 0, run.stderr
    communes = pd.read_csv(data / "processed" / "coverage" / "departement-33" / "communes.csv", dtype=str)
    unknown = int(communes["n_cpts"].isna().sum())
    assert unknown > 500 and "33002" in set(communes.loc[communes["n_cpts"].isna(), "unit_code"])
    page = html.unescape((tmp_path / "maps" / "couverture-departement-33" / "carte.html").read_text("utf-8"))
    drawn = format_number(unknown - 1)
    assert f"{drawn} unités dont la couverture n'est pas connue (" in page
    assert "sont dessinées en gris, jamais en zone blanche ; 1 autre sans contour communal, non dessinée." in page


@pytest.mark.mirror
def test_a_listed_departement_keeps_its_white_zones(stray: Path, mirror: Path) -> None:
    run = run_in(stray, stray.parent / "maps-04", ["couverture", "--departement", "04"])
    assert run.code == 0, run.stderr
    summary = json.loads((stray / "processed" / "coverage" / "departement-04" / "summary.json").read_text("utf-8"))
    assert summary["communes_in_no_cpts"] > 0
    population = _raw_populations(mirror)
    # A zone without arrondissements counts communes (it printed « unités (communes, et arrondissements à Paris, Lyon,
    # Marseille) » for the 04).
    communes = [code for code in population if code.startswith("04")]
    total = format_number(sum(population[code] for code in communes))
    assert f"\n  {len(communes)} communes, {total} habitants, " in run.stdout
    # The listings' anomalies in French words (it printed « code_ancien 6, doublon 6 »).
    (anomalies,) = [line for line in run.stdout.splitlines() if line.startswith("  anomalies des listes : ")]
    assert "plusieurs départements " in anomalies and "_" not in anomalies
    white = pd.read_csv(stray / "processed" / "coverage" / "departement-04" / "zones_blanches.csv", dtype=str)
    assert summary["population_in_no_cpts"] == sum(population[c] for c in white["unit_code"])
    assert summary["population_covered"] == summary["population"] - summary["population_in_no_cpts"]


def test_france_leaves_the_collectivites_d_outre_mer_out() -> None:
    """A review: « couverture --france » counted Polynésie, Nouvelle-Calédonie, Saint-Pierre-et-Miquelon… (no ARS,
    no CPTS) and named 975, 977… among the « régions » without a listing."""
    from pipeline.app.coverage import within_ars_field

    units = pd.DataFrame({"code": ["04070", "97611", "97502", "98735", "98736"],
                          "departement": ["04", "976", "975", "987", "987"]})
    kept, note = within_ars_field(units)
    assert kept["code"].tolist() == ["04070", "97611"]  # Mayotte is a département (DROM): kept
    assert note == ("3 unités des collectivités d'outre-mer, hors du champ des ARS et des CPTS, ne sont pas "
                    "comptées")
    kept, note = within_ars_field(units.iloc[:3])
    assert kept["code"].tolist() == ["04070", "97611"]
    assert note == "1 unité des collectivités d'outre-mer, hors du champ des ARS et des CPTS, n'est pas comptée"
    kept, note = within_ars_field(units.iloc[:2])
    assert kept["code"].tolist() == ["04070", "97611"] and note is None


@pytest.mark.mirror
def test_the_map_of_a_zone_no_listing_speaks_for_draws_its_units_with_their_coverage_unknown(stray: Path) -> None:
    """A review: the map of the Rhône (no listing) was empty, its legend box too. Paris, in the fixture database
    without any listing of Île-de-France: its 20 arrondissements are drawn, each « Couverture : non connue »."""
    run = run_in(stray, stray.parent / "maps-75", ["couverture", "--departement", "75"])
    assert run.code == 0, run.stderr
    page = (stray.parent / "maps-75" / "couverture-departement-75" / "carte.html").read_text("utf-8")
    tooltip = json.dumps(html.escape(
        "non connue : moins de deux CPTS des listes chargées ont "
        "l'essentiel de leur territoire dans son département, et ces "
        "listes y revendiquent moins de la moitié des habitants ou moins du quart des unités"))[1:-1].replace(
        "&", "\\u0026")  # as the page's GeoJSON escapes it
    assert page.count(tooltip) == 20
    assert "Nombre de CPTS" not in page  # not « 0 », which would read as white zones
    # Said on the page as well (a review: a grey map whose only word was in each tooltip), with a legend for the
    # grey communes; no sentence on proposed perimeters where none is drawn.
    text = html.unescape(page)
    assert ("Couverture non connue dans toute la zone (moins de deux CPTS des listes chargées ont l'essentiel de "
            "leur territoire dans leur département, et ces listes y revendiquent moins de la moitié des habitants "
            "ou moins du quart des unités) : ni zone blanche ni chevauchement n'y est montré.") in text
    assert "Couverture non connue (voir la bulle)" in text
    assert "Les périmètres proposés" not in text


@pytest.mark.mirror
def test_a_diagnostic_beside_a_stray_commune_says_its_region_has_no_listing(
        stray: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The diagnostic follows the coverage's rule. Abzac (33001), claimed by a CPTS of the 04, made Nouvelle-Aquitaine
    « listed » for a diagnostic of Bordeaux: it said nothing of the région's missing listing, and its candidates
    were « claimed by none » where nobody can know."""
    population = _raw_populations(mirror)
    gironde = sum(n for code, n in population.items() if code.startswith("33"))
    assert population["33001"] / gironde < MIN_LISTED_SHARE  # the known answer: far below a fifth
    monkeypatch.setenv("CPTS_DATA_DIR", str(stray))
    con = duckdb.connect(str(stray / "processed" / "cpts.duckdb"), read_only=True)
    try:
        d = compute(con, resolve_territory(con, "communes:33063"), DiagnosticOptions(territory="communes:33063"))
    finally:
        con.close()
    assert d.regions_without_listing == ["Nouvelle-Aquitaine"]
    assert d.pertinence is not None and len(d.pertinence.candidates)
    assert d.pertinence.candidates["claimed_by"].isna().all()
    (paragraph,) = unsearched_regions(d)
    assert paragraph.startswith("Aucune liste de CPTS ne semble chargée pour la région Nouvelle-Aquitaine (les "
                                "listes chargées n'y revendiquent aucune commune, ou trop peu pour la couvrir)")


@pytest.mark.mirror
def test_the_editor_marks_the_units_no_listing_speaks_for(stray: Path, mirror: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor follows the coverage's rule: each unit of the Gironde it leaves unclaimed would have been a white
    zone absorbed; those of the 04 (PACA listed) keep theirs."""
    from pipeline.app.editor import editor_data
    from pipeline.model.perimeter import EditorOptions

    gironde = sorted(code for code in _raw_populations(mirror) if code.startswith("33"))
    monkeypatch.setenv("CPTS_DATA_DIR", str(stray))
    con = duckdb.connect(str(stray / "processed" / "cpts.duckdb"), read_only=True)
    try:
        data, _ = editor_data(con, EditorOptions(departement="33"))
        assert sorted(data.unknown_coverage) == gironde
        # Every unit of the Gironde is flagged (its département's coverage is unknown), but the note counts those
        # nobody claims, as the coverage does: Abzac is claimed by the CPTS of the 04, whatever its département.
        assert (f"{len(gironde) - 1} unités non revendiquées (département : Gironde (33)) dont la couverture n'est pas "
                "connue (moins de deux CPTS des listes chargées ont "
                "l'essentiel de leur territoire dans leur département, et "
                "ces listes y revendiquent moins de la moitié des habitants ou moins du quart des unités) : jamais "
                "comptées en zone blanche.") in data.notes
        data, _ = editor_data(con, EditorOptions(departement="04"))
        assert data.unknown_coverage == frozenset()
        assert not any("couverture n'est pas connue" in note for note in data.notes)
    finally:
        con.close()


def test_a_claim_found_is_known_wherever_the_unit_lies() -> None:
    """A review: with a PACA CPTS holding Drôme communes, the diagnostic of Valréas named them « non disponible »
    while its neighbours table listed that CPTS. Only a unit nobody claims, in a région no listing speaks for, is
    unknown; where the listings speak it is claimed by none (an empty list)."""
    units = pd.DataFrame({"code": ["a1", "b1", "b2", "b3"], "region": ["A", "B", "B", "B"]})
    members = pd.DataFrame({"code": ["a1", "b1", "b3"], "cpts": ["CPTS A", "CPTS A", "CPTS B"],
                            "listing": ["l", "l", "l"]})
    found = known_claims(units, members, frozenset({"a1"}))  # the units of A are those the listings speak for
    assert found.tolist() == [["CPTS A"], ["CPTS A"], None, ["CPTS B"]]
    everywhere = frozenset(units["code"])
    assert known_claims(units, members, everywhere).tolist() == [["CPTS A"], ["CPTS A"], [], ["CPTS B"]]


def test_a_city_whole_is_claimed_by_the_cpts_of_its_arrondissements() -> None:
    """A review: a ``FLUX=`` table naming Marseille whole (13055) made it a candidate « revendiquée par aucune »
    CPTS, though the listing splits its 16 arrondissements among CPTS. Here 13201 and 13202 are claimed by two
    CPTS, 13203 by none: the city is claimed by both, once each, sorted; Paris (no arrondissement claimed) by
    none."""
    units = pd.DataFrame({"code": ["13055", "75056", "13201"]})
    members = pd.DataFrame({"code": ["13202", "13201", "13202"], "cpts": ["CPTS Sud", "CPTS Nord", "CPTS Nord"],
                            "listing": ["l", "l", "l"]})
    assert known_claims(units, members, frozenset(units["code"])).tolist() == [
        ["CPTS Nord", "CPTS Sud"], [], ["CPTS Nord"]]
