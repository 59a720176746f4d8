"""End-to-end regional coverage on the data mirror (issue 5).

``python -m pipeline couverture --region 93`` and ``--departement 04`` run
once for the module on the database of ``loaded_data_dir`` (the PACA listing
of the mirror). The expected figures come from the raw files: the Etalab 2026
communes and arrondissements, and ``cpts/paca-cpts-communes.csv``.

A second, private copy of the database gets a small listing of two CPTS that
share two communes of the Alpes-Maritimes that no CPTS of the PACA listing
claims (Mandelieu-la-Napoule, Théoule-sur-Mer), loaded with ``python -m
pipeline data --cpts``; ``couverture --departement 06`` must report that pair
(and only it) with its shared communes and population.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest

from tests.app.test_diagnostic_e2e import population_2026, raw_json, run_cli
from tests.browser import close_page, dialogs, open_page, screenshot
from tests.conftest import mirror_path

pytestmark = [pytest.mark.mirror, pytest.mark.xdist_group("national")]

# White units of the PACA listing (checked in test_overlapping_listing).
OUEST = ["06079", "06138", "06011"]  # Mandelieu-la-Napoule, Théoule-sur-Mer, Beaulieu-sur-Mer
LERINS = ["06079", "06138", "06063"]  # Mandelieu-la-Napoule, Théoule-sur-Mer, Gars
SHARED = ["06079", "06138"]


def paca_units() -> dict[str, int]:
    """PACA units of 2026 (communes, Marseille as its 16 arrondissements) and their population."""
    units = {c["code"]: int(c.get("population") or 0) for c in raw_json("6.0.0", "communes")
             if c.get("region") == "93" and c["type"] in ("commune-actuelle", "arrondissement-municipal")}
    units.pop("13055")
    return units


def listing_rows() -> list[dict[str, str]]:
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def coverage(loaded_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("coverage")
    out: dict[str, Any] = {"maps": root / "maps", "wall": {}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_DATA_DIR", str(loaded_data_dir))
        mp.setenv("CPTS_MAPS_DIR", str(out["maps"]))
        mp.setenv("CPTS_QUIET", "1")
        for key, args in (("region-93", ["--region", "93"]), ("departement-04", ["--departement", "04"])):
            code, stdout, err, wall = run_cli(["couverture", *args])
            assert code == 0, err
            out["wall"][key] = wall
            out[key] = loaded_data_dir / "processed" / "coverage" / key
            out[f"stdout-{key}"] = stdout

        # A private copy with an overlapping listing.
        data = root / "data"
        (data / "processed").mkdir(parents=True)
        shutil.copy2(loaded_data_dir / "processed" / "cpts.duckdb", data / "processed" / "cpts.duckdb")
        (data / "raw").symlink_to(loaded_data_dir / "raw", target_is_directory=True)
        listing = root / "essai.csv"
        listing.write_text("cpts,code_insee\n" + "".join(f"CPTS Ouest 06,{c}\n" for c in OUEST)
                           + "".join(f"CPTS Lérins,{c}\n" for c in LERINS), encoding="utf-8")
        mp.setenv("CPTS_DATA_DIR", str(data))
        mp.setenv("CPTS_DATA_MIRROR", str(mirror_path()))
        code, stdout, err, _ = run_cli(["data", "--cpts", str(listing)])
        assert code == 0, err
        assert "liste de CPTS « essai »" in stdout
        code, stdout, err, wall = run_cli(["couverture", "--departement", "06"])
        assert code == 0, err
        out["wall"]["overlap-06"] = wall
        out["overlap-06"] = data / "processed" / "coverage" / "departement-06"
        print("\ncoverage wall times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in out["wall"].items()))
        yield out


def summary(coverage: dict[str, Any], key: str) -> dict[str, Any]:
    return json.loads((coverage[key] / "summary.json").read_text(encoding="utf-8"))


def test_region_summary_known_answers(coverage: dict[str, Any]) -> None:
    s = summary(coverage, "region-93")
    for field in ("zone", "communes", "population", "cpts", "population_covered", "communes_in_no_cpts",
                  "population_in_no_cpts", "overlapping_pairs", "atone_territories", "unresolved_codes"):
        assert field in s, field
    units = paca_units()
    rows = listing_rows()
    listed = {r["code_insee"] for r in rows}
    white = sorted(set(units) - listed)
    assert s["zone"] == "region-93"
    assert len(units) == 961 and s["unites"] == 961
    assert s["communes"] == 946
    assert s["population"] == sum(units.values())
    assert len({r["cpts"] for r in rows}) == 71 and s["cpts"] == 71
    assert len(white) == 46 and s["communes_in_no_cpts"] == 46
    assert s["population_in_no_cpts"] == sum(units[c] for c in white)
    assert s["population_covered"] == s["population"] - s["population_in_no_cpts"]
    assert s["overlapping_pairs"] == 0  # one row per commune: the listing cannot show an overlap
    assert s["unresolved_codes"] == 0
    assert s["atone_territories"] >= 1
    table = pd.read_csv(coverage["region-93"] / "zones_blanches.csv", dtype={"unit_code": str})
    assert sorted(table["unit_code"]) == white
    atone = pd.read_csv(coverage["region-93"] / "territoires_atones.csv", dtype=str)
    assert len(atone) == s["atone_territories"]
    in_atone = sorted(c for cell in atone["communes"] for c in cell.split(";"))
    assert in_atone == white  # every white unit belongs to exactly one atone territory
    assert atone["population"].astype(float).sum() == s["population_in_no_cpts"]


def test_listing_defects_reported(coverage: dict[str, Any]) -> None:
    issues = pd.read_csv(coverage["region-93"] / "anomalies_listes.csv", dtype=str)
    near = issues[issues["kind"] == "nom_proche"]
    assert any("CPTS Gapençais" in d and "CPTS du Gapençais" in d for d in near["detail_fr"])
    suspicious = issues.loc[issues["kind"] == "nom_suspect", "cpts"]
    assert "CPTS su Pays d'Apt" in set(suspicious)
    crossing = issues.loc[issues["kind"] == "multi_departements", "cpts"]
    # From the raw listing: CPTS whose communes lie in more than one département.
    deps: dict[str, set[str]] = {}
    for row in listing_rows():
        deps.setdefault(row["cpts"], set()).add(row["code_insee"][:2])
    assert set(crossing) == {name for name, d in deps.items() if len(d) > 1}
    assert "CPTS Hauts Pays du Verdon & Monts d'Azur" in set(crossing)
    s = summary(coverage, "region-93")
    assert s["listing_issues"]["nom_proche"] == len(near)


def test_region_outputs(coverage: dict[str, Any]) -> None:
    folder = coverage["region-93"]
    for name in ("communes.csv", "chevauchements.csv", "zones_blanches.csv", "territoires_atones.csv",
                 "anomalies_listes.csv", "couverture.gpkg", "summary.json"):
        assert (folder / name).exists(), name
    layers = {name for name, _ in pyogrio.list_layers(folder / "couverture.gpkg")}
    assert {"units", "perimeters", "white", "atone"} <= layers
    communes = pd.read_csv(folder / "communes.csv", dtype={"unit_code": str})
    assert len(communes) == 961 and "13055" not in set(communes["unit_code"])
    carte = coverage["maps"] / "couverture-region-93" / "carte.html"
    assert 0 < carte.stat().st_size <= 15 * 1024 * 1024
    assert "zones blanches : 46 unités" in coverage["stdout-region-93"]


def test_departement_04(coverage: dict[str, Any]) -> None:
    s = summary(coverage, "departement-04")
    units = {c["code"]: int(c.get("population") or 0) for c in raw_json("6.0.0", "communes")
             if c.get("departement") == "04" and c["type"] == "commune-actuelle"}
    listed = {r["code_insee"] for r in listing_rows()}
    white = sorted(set(units) - listed)
    assert s["zone"] == "departement-04"
    assert s["communes"] == len(units) == s["unites"]
    assert s["population"] == sum(units.values())
    assert s["communes_in_no_cpts"] == s["units_in_no_cpts"] == len(white)
    assert s["population_in_no_cpts"] == sum(units[c] for c in white)
    assert (coverage["maps"] / "couverture-departement-04" / "carte.html").exists()


def test_overlapping_listing(coverage: dict[str, Any]) -> None:
    listed = {r["code_insee"] for r in listing_rows()}
    assert not (set(OUEST) | set(LERINS)) & listed  # white units of the PACA listing
    s = summary(coverage, "overlap-06")
    assert s["overlapping_pairs"] == 1
    assert s["units_in_several_cpts"] == len(SHARED)
    pairs = pd.read_csv(coverage["overlap-06"] / "chevauchements.csv", dtype=str)
    assert len(pairs) == 1
    pair = pairs.iloc[0]
    assert {pair["cpts_a"], pair["cpts_b"]} == {"CPTS Ouest 06", "CPTS Lérins"}
    assert sorted(pair["shared_units"].split(";")) == SHARED
    assert int(pair["n_shared"]) == 2
    shared_population = population_2026(SHARED)
    assert shared_population == 21_640 + 1_477  # Mandelieu-la-Napoule and Théoule-sur-Mer, 2026
    assert int(float(pair["shared_population"])) == shared_population
    side = "a" if pair["cpts_a"] == "CPTS Ouest 06" else "b"
    # The CSV rounds shares to 3 decimals.
    assert float(pair[f"share_pop_{side}"]) == pytest.approx(shared_population / population_2026(OUEST), abs=5e-4)
    units = {c["code"]: int(c.get("population") or 0) for c in raw_json("6.0.0", "communes")
             if c.get("departement") == "06" and c["type"] == "commune-actuelle"}
    white = set(units) - listed - set(OUEST) - set(LERINS)
    assert s["communes_in_no_cpts"] == len(white)
    assert s["population_in_no_cpts"] == sum(units[c] for c in white)


def test_a_collectivite_d_outre_mer_is_refused_for_what_it_is(loaded_data_dir: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A review ran « --departement 975 » (Saint-Pierre-et-Miquelon), exit 0, and read that the loaded listings had
    too few CPTS there. The collectivités d'outre-mer have no commune polygons: refused, as France's coverage leaves
    them out."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(loaded_data_dir))
    monkeypatch.setenv("CPTS_MAPS_DIR", str(tmp_path / "maps"))
    for args, name in ((["--departement", "975"], "Saint-Pierre-et-Miquelon (975)"),
                       (["--region", "Saint-Barthélemy"], "Saint-Barthélemy (977)")):
        code, stdout, err, _ = run_cli(["couverture", *args])
        assert (code, stdout) == (2, ""), err
        assert err.startswith(f"Erreur : {name} : collectivité d'outre-mer (")
        assert err.endswith("hors du champ de la couverture : les contours communaux chargés n'en ont aucune commune\n")
    assert not (tmp_path / "maps").exists()


@pytest.mark.browser
def test_coverage_map_in_browser(coverage: dict[str, Any]) -> None:
    page, errors, console = open_page(coverage["maps"] / "couverture-region-93" / "carte.html")
    try:
        screenshot(page, "/tmp/cpts-screens/couverture-region-93.png")
        assert errors == [] and console == []
        assert page.evaluate("typeof L") != "undefined"
        names = page.eval_on_selector_all(".leaflet-control-layers-overlays label",
                                          "els => els.map(e => e.innerText.trim())")
        for expected in ("Périmètres des CPTS", "Zones blanches", "Territoires atones", "Propositions de périmètres"):
            assert expected in names, (expected, names)
        assert page.locator(".cpts-legend").is_visible()
        assert page.locator(".cpts-demo-banner").count() == 0  # coverage uses no demonstration data
        assert dialogs(page) == []
    finally:
        close_page(page)
