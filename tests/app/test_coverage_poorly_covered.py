"""A poorly covered département shows its white zones; the listings' statut and date reach the outputs; communes
are counted as communes (a hostile review of ``couverture``).

The review loaded a listing of two CPTS holding 3 of Mayotte's 17 communes (35 % of its inhabitants): the coverage
of the 976 said « zones blanches : non disponible (aucune liste de CPTS chargée ne couvre cette zone) » and drew 3
communes; seed 003 asks planners to find exactly those white zones. A département counts as told by the listings
where two of their CPTS at least are rooted (more than half of each lies there), as well as where they claim most
of it. The
same listing's statut and date were in no output (seed 003: « Un seul projet de santé de CPTS pourra être approuvé
sur un territoire »: a signed/signed conflict is not a project overlapping a signed CPTS), and with Paris's
arrondissements 1 to 16 claimed, ``communes_in_no_cpts`` said 4 for a zone of one commune.

Known answers: the hand-made listing below, and the populations of the 2026 COG package (raw file).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from pipeline.analysis.coverage.claims import cpts_roots, known_units, rooted_departements
from pipeline.app.sections.perimeter_data import PerimeterData
from tests.app.test_coverage_listed_regions import WHY
from tests.app.test_diagnostic_e2e import raw_json
from tests.render.documents_runs import Run, database_with_listing, run_in

MAYOTTE = [f"976{i:02d}" for i in range(1, 18)]
GRAND_NORD = ["97601", "97602", "97611"]
PARIS_CLAIMED = [f"751{i:02d}" for i in range(1, 17)]
LISTING = ("cpts,code_insee,cpts_id,statut,date\n"
           "CPTS Mamoudzou,97611,mam,ACI signé,2022-01-01\n"
           "CPTS Grand Nord,97601,gn,,\nCPTS Grand Nord,97602,gn,,\nCPTS Grand Nord,97611,gn,,\n"
           + "".join(f"CPTS Paris Centre,{code},pc,projet de santé validé,2023-05-05\n" for code in PARIS_CLAIMED[:8])
           + "".join(f"CPTS Paris Ouest,{code},po,projet,2024-02-01\n" for code in PARIS_CLAIMED[7:]))


def raw_population() -> dict[str, int]:
    """2026 legal population of each current commune and arrondissement municipal, from the raw package."""
    return {c["code"]: int(c.get("population") or 0) for c in raw_json("6.0.0", "communes")
            if c["type"] in ("commune-actuelle", "arrondissement-municipal")}


# -- the rule, on hand-made units ------------------------------------------------------------------------------------

#: Département m: 10 units of 100 inhabitants; n: 5 units of 100; o: 4 units of 1 000.
UNITS = pd.DataFrame({"code": [f"m{i}" for i in range(10)] + [f"n{i}" for i in range(5)]
                      + ["84001", "84002", "84003", "84004"],
                      "departement": ["m"] * 10 + ["n"] * 5 + ["84"] * 4,
                      "population": [100] * 15 + [1_000] * 4})


def claims(rows: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame([(cpts, code) for cpts, codes in rows.items() for code in codes],
                        columns=["cpts_id", "unit_code"])


def test_two_cpts_rooted_in_a_departement_tell_its_white_zones() -> None:
    # p and p2 hold 2 of m's 10 units (20 % of both): the shares alone leave m unknown; both lie all in m, so m is
    # told. One CPTS alone is what a CPTS team loads for itself: it says nothing of the communes around it.
    p = claims({"p": ["m0"], "p2": ["m1"]})
    assert known_units(["m0", "m1"], UNITS) == frozenset()
    assert known_units(["m0", "m1"], UNITS, p) == {f"m{i}" for i in range(10)}
    assert rooted_departements(p, UNITS) == {"m"}
    alone = claims({"p": ["m0", "m1"]})
    assert rooted_departements(alone, UNITS) == frozenset() and known_units(["m0", "m1"], UNITS, alone) == frozenset()


def test_a_cpts_spilling_across_a_border_tells_its_own_departement_only() -> None:
    # q: the 5 units of n and m9 (500 of its 600 inhabitants in n): m gains nothing from m9.
    q = claims({"q": [*(f"n{i}" for i in range(5)), "m9"]})
    assert set(cpts_roots(q, UNITS).values()) == {"n"}
    assert known_units(set(q["unit_code"]), UNITS, q) == {f"n{i}" for i in range(5)}
    # Exactly half is not « most »: a CPTS of 5 units in n and 5 in m is rooted in neither, and the shares decide.
    half = claims({"h": ["n0", "n1", *(f"m{i}" for i in range(4))]})  # 200 in n, 400 in m: m only
    assert set(cpts_roots(half, UNITS).values()) == {"m"}
    even = claims({"e": ["n0", "n1", "m0", "m1"]})
    assert set(cpts_roots(even, UNITS).values()) == set()


def test_a_cpts_partly_beyond_the_load_is_rooted_where_most_of_its_units_are() -> None:
    # A CPTS of the Drôme (26, not loaded) with one commune of the Vaucluse: its loaded part is all in the 84, but
    # its population beyond is unknown, so its units decide: 2 of 3 in the 26. The 84 (1 of 4 units) stays unknown.
    r = claims({"r": ["84001", "26001", "26002"]})
    assert set(cpts_roots(r, UNITS).values()) == {"26"}
    assert known_units(["84001"], UNITS, r) == frozenset()
    # A unit without a population: counted by units too (1 of 2 in n, 1 of 2 in m: neither).
    missing = UNITS.assign(population=UNITS["population"].where(UNITS["code"] != "m0"))
    assert set(cpts_roots(claims({"s": ["m0", "n0"]}), missing).values()) == set()
    assert set(cpts_roots(claims({"s": ["m0", "n0", "n1"]}), missing).values()) == {"n"}


# -- the command, on the fixture database ----------------------------------------------------------------------------

def test_only_the_coverage_map_opens_on_the_mainland() -> None:
    """A code review: every map took the mainland-first view, so a territory of La Réunion with a FLUX= destination
    in Paris would open on Paris. A territory's maps frame all their layers, without « Aller à » buttons."""
    from pipeline.render.maps.base import PageLayout, PlaceButtons, base_map

    reunion = gpd.GeoDataFrame({"code": ["97411"]}, geometry=[square(55.4, -21.0)], crs=4326)
    paris = gpd.GeoDataFrame({"code": ["75056"]}, geometry=[square(2.3, 48.8)], crs=4326)

    def layout(mainland_first: bool) -> tuple[list[list[float]], bool]:
        m = base_map([reunion, paris], "t", False, "s", False, mainland_first=mainland_first)
        kids = list(m._children.values())
        fitted = next(k for k in kids if isinstance(k, PageLayout))
        return fitted.bounds, any(isinstance(k, PlaceButtons) for k in kids)

    bounds, buttons = layout(False)
    assert [*bounds[0], *bounds[1]] == pytest.approx([-21.0, 2.3, 48.9, 55.5]) and not buttons
    bounds, buttons = layout(True)
    assert [*bounds[0], *bounds[1]] == pytest.approx([48.8, 2.3, 48.9, 2.4]) and buttons


@pytest.fixture(scope="module")
def loaded(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("poorly-covered")
    listing = root / "hostile.csv"
    listing.write_text(LISTING, encoding="utf-8")
    return database_with_listing(fixture_data_dir, root, listing)


@pytest.fixture(scope="module")
def mayotte(loaded: Path) -> Run:
    return run_in(loaded, loaded.parent / "maps", ["couverture", "--departement", "976"])


@pytest.fixture(scope="module")
def paris(loaded: Path) -> Run:
    return run_in(loaded, loaded.parent / "maps", ["couverture", "--departement", "75"])


def in_features(page: str, text: str) -> int:
    """How many times ``text`` is in the page, its GeoJSON's escapes (``\\u00e9``, then HTML) read back."""
    return html.unescape(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)).count(text)


def outputs(run: Run, zone: str) -> Path:
    return run.data / "processed" / "coverage" / zone


@pytest.mark.mirror
def test_mayotte_s_fourteen_unclaimed_communes_are_white_zones(mayotte: Run) -> None:
    assert mayotte.code == 0, mayotte.stderr
    population = raw_population()
    white = sorted(set(MAYOTTE) - set(GRAND_NORD))
    assert len(white) == 14
    people = sum(population[code] for code in white)
    assert people == 165_900  # by hand: 256 518 in all, less Acoua 5 192, Bandraboua 13 989, Mamoudzou 71 437
    assert "  zones blanches : 14 communes, 165 900 habitants\n" in mayotte.stdout.replace("\u202f", " ")
    table = pd.read_csv(outputs(mayotte, "departement-976") / "zones_blanches.csv", dtype={"unit_code": str})
    assert sorted(table["unit_code"]) == white
    assert table["population"].sum() == people
    summary = json.loads((outputs(mayotte, "departement-976") / "summary.json").read_text("utf-8"))
    assert summary["communes_in_no_cpts"] == 14 and summary["units_in_no_cpts"] == 14
    assert summary["population_in_no_cpts"] == people
    assert not any("couverture n'est pas connue" in note for note in summary["notes"])
    # Its 256 518 inhabitants are the 2017 census in every package, never « 2023 » (a review).
    assert summary["population_vintage"] == 2017
    # Only the two rooted CPTS make these white zones (35 % of the inhabitants, 3 of 17 units claimed): said.
    assert ("département(s) 976 : unités non revendiquées comptées en zones blanches parce qu'au moins deux CPTS des "
            "listes chargées y ont l'essentiel de leur territoire") in "\n".join(summary["notes"])
    # Every commune drawn, each with its tooltip (the review saw 3 of 17).
    page = (mayotte.maps_root / "couverture-departement-976" / "carte.html").read_text("utf-8")
    assert all(in_features(page, f"({code})") for code in MAYOTTE)
    assert in_features(page, "population légale 2017 (Mayotte, dernier recensement)") == 1
    assert in_features(page, "populations légales 2023") == in_features(page, "population légale 2023") == 0
    readme = openpyxl.load_workbook(outputs(mayotte, "departement-976") / "couverture.xlsx").worksheets[0]
    sources = [str(cell.value) for row in readme.iter_rows() for cell in row if cell.value]
    assert any("population légale 2017 (Mayotte, dernier recensement)" in text for text in sources)
    assert not any("légales 2023" in text or "légale 2023" in text for text in sources)


@pytest.mark.mirror
def test_a_zone_no_rooted_cpts_tells_says_why_and_draws_every_commune(fixture_data_dir: Path,
                                                                       tmp_path_factory: pytest.TempPathFactory
                                                                       ) -> None:
    """A CPTS of Mayotte spilling onto one arrondissement of Paris (the rule ignores such a stray claim): the 75 is
    « non disponible » with the true reason, and its 20 arrondissements are drawn, 19 of them unknown."""
    root = tmp_path_factory.mktemp("stray-75")
    listing = root / "stray.csv"
    listing.write_text("cpts,code_insee\n" + "".join(f"CPTS Sud,{code}\n" for code in MAYOTTE[:5]) + "CPTS Sud,75101\n",
                       encoding="utf-8")
    data = database_with_listing(fixture_data_dir, root, listing)
    run = run_in(data, root / "maps", ["couverture", "--departement", "75"])
    assert run.code == 0, run.stderr
    assert f"  zones blanches : non disponible ({WHY})\n" in run.stdout
    white = (data / "processed" / "coverage" / "departement-75" / "zones_blanches.csv").read_text("utf-8")
    assert f"non disponible : {WHY}" in white
    raw = (root / "maps" / "couverture-departement-75" / "carte.html").read_text("utf-8")
    assert all(in_features(raw, f"({75100 + i})") for i in range(1, 21))
    tooltip = ("non connue : moins de deux CPTS des listes chargées ont "
               "l'essentiel de leur territoire dans son département, "
               "et ces listes y revendiquent moins de la moitié des habitants ou moins du quart des unités")
    assert in_features(raw, tooltip) == 19  # 75101 is claimed: a fact, whatever the département's coverage
    page = html.unescape(raw)
    assert ("19 unités dont la couverture n'est pas connue (moins de deux CPTS des listes chargées ont l'essentiel de "
            "leur territoire dans leur département, et ces listes y revendiquent moins de la moitié des habitants "
            "ou moins du quart des unités) sont dessinées en gris, jamais en zone blanche.") in page


@pytest.mark.mirror
def test_overlaps_and_perimeters_carry_the_listing_s_statut_and_date(mayotte: Run) -> None:
    folder = outputs(mayotte, "departement-976")
    overlaps = pd.read_csv(folder / "chevauchements.csv", dtype=str, keep_default_na=False)
    (row,) = overlaps.to_dict("records")
    # Grand Nord (gn) and Mamoudzou (mam), in identifier order; Grand Nord's listing gives neither statut nor date.
    assert (row["cpts_id_a"], row["cpts_id_b"]) == ("gn", "mam")
    assert (row["statut_a"], row["statut_b"]) == ("non renseigné", "ACI signé")
    assert (row["date_a"], row["date_b"]) == ("", "2022-01-01")
    sheet = pd.read_excel(folder / "couverture.xlsx", sheet_name="Chevauchements", header=None, dtype=str,
                          engine="openpyxl")
    labels = sheet.apply(lambda r: " | ".join(str(v) for v in r), axis=1)
    assert labels.str.contains("Statut de la CPTS A").any() and labels.str.contains("ACI signé").any()
    layer = gpd.read_file(folder / "couverture.gpkg", layer="overlaps")
    assert layer.iloc[0][["statut_a", "statut_b"]].tolist() == ["non renseigné", "ACI signé"]
    perimeters = gpd.read_file(folder / "couverture.gpkg", layer="perimeters").set_index("cpts_id")
    assert perimeters.loc["mam", "statut"] == "ACI signé" and str(perimeters.loc["mam", "date"]) == "2022-01-01"
    assert perimeters.loc["gn", "statut"] == "non renseigné"
    page = (mayotte.maps_root / "couverture-departement-976" / "carte.html").read_text("utf-8")
    assert in_features(page, "Statut") and in_features(page, "ACI signé") and in_features(page, "01/01/2022")
    assert in_features(page, "non renseigné / ACI signé")  # the overlap's tooltip


@pytest.mark.mirror
def test_a_city_with_some_arrondissements_claimed_is_not_a_commune_in_no_cpts(paris: Run) -> None:
    assert paris.code == 0, paris.stderr
    summary = json.loads((outputs(paris, "departement-75") / "summary.json").read_text("utf-8"))
    assert summary["communes"] == 1 and summary["unites"] == 20
    assert summary["units_in_no_cpts"] == 4  # the 17th to the 20th
    assert summary["communes_in_no_cpts"] == 0  # Paris has arrondissements claimed
    population = raw_population()
    assert summary["population_in_no_cpts"] == sum(population[f"751{i}"] for i in range(17, 21))


# -- the first view of a map spanning metropolitan France and Mayotte ------------------------------------------------

def square(lon: float, lat: float, side: float = 0.1) -> Any:
    from shapely.geometry import box

    return box(lon, lat, lon + side, lat + side)


def test_the_first_view_is_metropolitan_france_the_overseas_departements_listed() -> None:
    from pipeline.render.maps.geometry import ELSEWHERE, view_bounds

    mainland = gpd.GeoDataFrame({"code": ["04070", "33063"]}, geometry=[square(6.2, 44.1), square(-0.6, 44.8)],
                                crs=4326)
    overseas = gpd.GeoDataFrame({"code": ["97611", "97411", "x"]},
                                geometry=[square(45.2, -12.8), square(55.4, -21.0), square(-56.3, 46.8)], crs=4326)
    def flat(bounds: list[list[float]]) -> list[float]:
        return [*bounds[0], *bounds[1]]

    bounds, places = view_bounds([mainland, overseas])
    assert flat(bounds) == pytest.approx([44.1, -0.6, 44.9, 6.3])
    assert [name for name, _ in places] == ["La Réunion", "Mayotte", ELSEWHERE]  # Saint-Pierre: elsewhere
    assert flat(places[1][1]) == pytest.approx([-12.8, 45.2, -12.7, 45.3])
    # One side only: the whole, nothing listed.
    alone, none = view_bounds([overseas.iloc[:1]])
    assert flat(alone) == pytest.approx([-12.8, 45.2, -12.7, 45.3]) and none == []
    assert view_bounds([mainland])[1] == []


@pytest.fixture(scope="module")
def france(loaded: Path) -> Run:
    return run_in(loaded, loaded.parent / "maps", ["couverture", "--france"])


@pytest.mark.mirror
@pytest.mark.browser
def test_the_map_of_france_opens_on_metropolitan_france(france: Run) -> None:
    """A review: with Mayotte loaded, the map of France opened on a view from the Atlantic to the Indian Ocean, the
    mainland a dot. The first view is fitted to content within metropolitan France (lon −5.5 to 10, lat 41 to
    51.5); the window around it, wider for the legend's column, stays over metropolitan France and its seas; a
    button brings Mayotte (lon 44.9 to 45.4, lat −13.1 to −12.5) on screen, another the mainland back."""
    from tests.browser import close_page, open_page, screenshot

    assert france.code == 0, france.stderr
    page, errors, console = open_page(france.maps_root / "couverture-france" / "carte.html")
    try:
        assert not errors and not console
        bounds_js = ("(() => { const b = Object.values(window).find(v => v instanceof L.Map).getBounds(); "
                     "return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()")
        south, west, north, east = page.evaluate(bounds_js)
        assert -10 <= west < east <= 16 and 38 <= south < north <= 54  # not Mayotte (45° E, 13° S)
        assert -5.5 <= (west + east) / 2 <= 10 and 41 <= (south + north) / 2 <= 51.5
        fitted = json.loads(page.get_by_role("button", name="France métropolitaine").get_attribute("data-bounds"))
        (south, west), (north, east) = fitted
        assert -5.5 <= west < east <= 10 and 41 <= south < north <= 51.5
        in_view = ("(() => { const m = Object.values(window).find(v => v instanceof L.Map); "
                   "return m.getBounds().contains(L.latLngBounds(" + json.dumps(fitted) + ")); })()")
        assert page.evaluate(in_view)
        screenshot(page, "/tmp/cpts_screenshots/couverture-france-metropole.png")
        page.get_by_role("button", name="Mayotte").click()
        page.wait_for_timeout(400)
        south, west, north, east = page.evaluate(bounds_js)
        assert 44.5 <= west < east <= 45.8 and -13.5 <= south < north <= -12.2
        screenshot(page, "/tmp/cpts_screenshots/couverture-france-mayotte.png")
        page.get_by_role("button", name="France métropolitaine").click()
        page.wait_for_timeout(400)
        assert page.evaluate(in_view)
        south, west, north, east = page.evaluate(bounds_js)
        assert -10 <= west < east <= 16 and 38 <= south < north <= 54
    finally:
        close_page(page)


def test_one_cpts_named_in_two_listings_is_one_cpts_rooted_there() -> None:
    """A code review: the diagnostic counted a CPTS per (listing, name), so one CPTS of 2 of m's 10 units named in
    two listings made m spoken for (its 8 other units « claimed by none ») while the coverage said « non
    disponible ». The listings' own ``cpts_id`` counts it once; a second CPTS rooted in m makes m spoken for."""
    units = UNITS.assign(type="commune-actuelle", commune=None, region="r")
    one = pd.DataFrame({"listing": ["a", "a", "b", "b"], "cpts": ["CPTS P"] * 4, "cpts_id": ["p"] * 4,
                        "unit_code": ["m0", "m1", "m0", "m1"]})
    assert PerimeterData(units=units, members=one).known_units() == frozenset()
    two = pd.concat([one, pd.DataFrame({"listing": ["b"], "cpts": ["CPTS Q"], "cpts_id": ["q"],
                                        "unit_code": ["m2"]})], ignore_index=True)
    assert PerimeterData(units=units, members=two).known_units() == {f"m{i}" for i in range(10)}


@pytest.mark.mirror
def test_atone_territories_of_france_and_mayotte_are_numbered_together_as_their_rank(france: Run) -> None:
    """A review: the France coverage named the mainland's atone territories « 2154-TA-001 »… and Mayotte's
    « 4471-TA-001 »… (projection codes, each numbered apart) beside a national ``rang``: « 4471-TA-002 » was rank 4.
    One numbering, « TA-001 » the most populated, is the rank; the proposals carry their territory's name."""
    assert france.code == 0, france.stderr
    folder = outputs(france, "france")
    atone = pd.read_csv(folder / "territoires_atones.csv")
    assert len(atone) >= 3
    assert list(atone["territoire"]) == [f"TA-{rank:03d}" for rank in atone["rang"]]
    assert list(atone["rang"]) == list(range(1, len(atone) + 1))
    assert atone["population"].is_monotonic_decreasing
    # Mayotte's 14 white communes (165 900 inhabitants by hand, above) are among them, numbered with the others.
    in_mayotte = atone["communes"].astype(str).map(lambda codes: any(c.startswith("976") for c in codes.split(";")))
    assert in_mayotte.any() and not in_mayotte.all()
    assert atone.loc[in_mayotte, "population"].sum() == 165_900
    proposals = pd.read_csv(folder / "propositions.csv")
    assert len(proposals) and set(proposals["territoire"]) <= set(atone["territoire"])
    assert all(p.startswith(f"{t}-P") for t, p in zip(proposals["territoire"], proposals["proposition"], strict=True))
    notes = "\n".join(json.loads((folder / "summary.json").read_text("utf-8"))["notes"])
    assert re.search(r"\d+-TA-", notes) is None  # no projection's code before a territory's name
