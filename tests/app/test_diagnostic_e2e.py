"""End-to-end territory diagnostic on the data mirror (issue 4).

The diagnostic runs once per territory for the whole module, through the
real command line (``python -m pipeline diagnostic ...`` in-process), against
the database the session fixture ``loaded_data_dir`` built from the mirror.
Every expected figure is computed here from the raw mirror files (Etalab
JSON, the DREES workbook, the CPTS listing, the ARS zoning file),
independently of the pipeline.

Territories:

- ``cpts:CPTS du Verdon`` (PACA listing), with a signature date, a what-if
  (+2 GPs in Digne-les-Bains, just outside it) and an ADHERENTS file;
- ``epci:200067437`` (CA Provence-Alpes-Agglomération, 46 communes, taille 2,
  with Digne-les-Bains and its QPV in ZIP), with +2 GPs in Digne-les-Bains;
- ``communes:26216,...`` (Drôme): Saint-Jean-de-Galaure absorbed Mureils
  (26219) after 2019, so the 2019 population on the current geography
  differs from the 2019 populations of the current codes.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import tarfile
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest

from tests.conftest import cli_environment, mirror_path
from tests.geodesic import geodesic_areas_km2

pytestmark = [pytest.mark.mirror, pytest.mark.xdist_group("national")]

VERDON = "cpts:CPTS du Verdon"
EPCI = "200067437"  # CA Provence-Alpes-Agglomération
DROME = ["26216", "26083", "26094", "26133", "26293"]  # Saint-Jean-de-Galaure and neighbours
SLUGS = {"verdon": "cpts-cpts-du-verdon", "epci": f"epci-{EPCI}", "drome": "communes-" + "-".join(DROME)}
DEMO_TEXT = "données fictives de démonstration"
ADHERENT_GPS = 5
ADHERENT_NURSES = 12


# --------------------------------------------------------------------------- raw mirror files (independent)


@cache
def raw_json(version: str, name: str) -> Any:
    """A data file of the Etalab decoupage-administratif npm package, read from the tarball."""
    path = mirror_path() / "decoupage-administratif" / f"etalab-decoupage-administratif-{version}.tgz"
    with tarfile.open(path) as tar:
        member = tar.extractfile(f"package/data/{name}.json")
        assert member is not None
        return json.load(member)


def current_communes() -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in raw_json("6.0.0", "communes") if c["type"] == "commune-actuelle"}


def population_2026(codes: list[str]) -> int:
    communes = current_communes()
    return sum(int(communes[c].get("population") or 0) for c in codes)


def population_2019_current_geo(codes: list[str]) -> int:
    """2019 populations (package 0.7.0) of the communes that the current ``codes`` are made of."""
    current = current_communes()
    absorbed = {c["code"]: c["chefLieu"] for c in raw_json("6.0.0", "communes")
                if c["type"] in ("commune-deleguee", "commune-associee")}
    total = 0
    for commune in raw_json("0.7.0", "communes"):
        if commune["type"] != "commune-actuelle":
            continue
        code = commune["code"]
        today = code if code in current else absorbed.get(code)
        if today in codes:
            total += int(commune.get("population") or 0)
    return total


def listing_codes(cpts: str) -> list[str]:
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        return sorted(row["code_insee"] for row in csv.DictReader(handle) if row["cpts"] == cpts)


def epci_members(siren: str) -> list[str]:
    epci = next(e for e in raw_json("6.0.0", "epci") if e["code"] == siren)
    return sorted(m["code"] if isinstance(m, dict) else m for m in epci["membres"])


@cache
def drees_apl() -> dict[int, pd.DataFrame]:
    path = mirror_path() / "apl" / "drees-apl-medecins-generalistes-2022-2023.xlsx"
    sheets = pd.read_excel(path, sheet_name=["APL 2022", "APL 2023"], header=8, engine="calamine",
                           dtype={"Code commune INSEE": str})
    out = {}
    for name, frame in sheets.items():
        frame = frame.iloc[1:]  # row 10: units
        # The workbook's own rule: « l'APL communal doit être pondéré par la population standardisée ».
        pop = next(c for c in frame.columns if str(c).startswith("Population standardisée"))
        out[int(name[-4:])] = pd.DataFrame({"code": frame["Code commune INSEE"],
                                            "apl": pd.to_numeric(frame["APL aux médecins généralistes"]),
                                            "pop": pd.to_numeric(frame[pop])})
    return out


def weighted_apl(year: int, codes: list[str]) -> float:
    sheet = drees_apl()[year]
    sheet = sheet[sheet["code"].isin(codes)].dropna()
    return float((sheet["apl"] * sheet["pop"]).sum() / sheet["pop"].sum())


def taille(population: int) -> str:
    """ACI 2019 size band, bounds written out (40 000 exactly is taille 2; « plus de 175 000 » for taille 4)."""
    if population < 40_000:
        return "1"
    if population < 80_000:
        return "2"
    if population <= 175_000:
        return "3"
    return "4"


def html_text(page: str) -> str:
    """Visible text of an HTML page (scripts and styles dropped, entities decoded)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.replace("<wbr>", ""))))


# --------------------------------------------------------------------------- the runs


def run_cli(argv: list[str]) -> tuple[int, str, str, float]:
    """``python -m pipeline ARGV`` in-process: (exit code, stdout, stderr, wall time)."""
    from pipeline import cli

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


@pytest.fixture(scope="module")
def runs(loaded_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The three diagnostics, run once; yields paths, outputs and wall times."""
    maps_dir = tmp_path_factory.mktemp("maps")
    work = tmp_path_factory.mktemp("inputs")
    adherents = work / "adherents.csv"
    rows = [("Médecins généralistes", f"1999999990{i}") for i in range(ADHERENT_GPS)]  # unknown to the registry
    rows += [("infirmiers", f"2000000000{i:02d}") for i in range(ADHERENT_NURSES)]
    adherents.write_text("profession,rpps\n" + "".join(f"{p},{r}\n" for p, r in rows), encoding="utf-8")
    with cli_environment(loaded_data_dir, maps_dir):
        argv = {
            "verdon": ["diagnostic", VERDON, "--signature", "2025-08-31", "--ajout", "médecins généralistes:2@04070",
                       "--adherents", str(adherents)],
            "epci": ["diagnostic", f"epci:{EPCI}", "--ajout", "médecins généralistes:2@04070"],
            "drome": ["diagnostic", "communes:" + ",".join(DROME)],
        }
        result: dict[str, Any] = {"maps": maps_dir, "data": loaded_data_dir, "wall": {}, "stdout": {}}
        for key, args in argv.items():
            code, out, err, wall = run_cli(args)
            assert code == 0, err
            result["wall"][key] = wall
            result["stdout"][key] = out
        print("\nwall times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result["wall"].items()))
        yield result


def tables(runs: dict[str, Any], key: str) -> Path:
    return runs["data"] / "processed" / "diagnostics" / SLUGS[key]


def maps(runs: dict[str, Any], key: str) -> Path:
    return runs["maps"] / SLUGS[key]


def summary(runs: dict[str, Any], key: str) -> dict[str, Any]:
    return json.loads((tables(runs, key) / "summary.json").read_text(encoding="utf-8"))


def expected_codes(key: str) -> list[str]:
    return {"verdon": listing_codes("CPTS du Verdon"), "epci": epci_members(EPCI), "drome": sorted(DROME)}[key]


# --------------------------------------------------------------------------- outputs and summary


@pytest.mark.parametrize("key", list(SLUGS))
def test_outputs_exist(runs: dict[str, Any], key: str) -> None:
    for name in ("communes.csv", "offre.csv", "etablissements.csv", "diagnostic.xlsx", "territoire.gpkg",
                 "summary.json"):
        assert (tables(runs, key) / name).stat().st_size > 0, name
    for name in ("carte.html", "rapport.html", "flux.html"):
        assert (maps(runs, key) / name).stat().st_size > 0, name
    assert "Terminé en" in runs["stdout"][key]


@pytest.mark.parametrize("key", list(SLUGS))
def test_summary_known_answers(runs: dict[str, Any], key: str) -> None:
    s = summary(runs, key)
    for field in ("territory", "communes", "population", "population_vintage", "taille", "population_by_vintage",
                  "supply", "apl", "overlaps", "sources", "demo_data"):
        assert field in s, field
    codes = expected_codes(key)
    population = population_2026(codes)
    assert s["communes"] == len(codes)
    assert s["population"] == population
    # The 6.0.0 package (COG 2026) carries the INSEE legal populations 2023, the 0.7.0 package (COG 2019)
    # those of 2016 (each package's README links the INSEE publication: tests/sources/test_population_years).
    assert s["population_vintage"] == 2023
    assert s["cog_vintage"] == 2026
    assert s["population_by_vintage"]["2023"] == population
    assert s["population_by_vintage"]["2016"] == population_2019_current_geo(codes)
    assert list(s["population_by_vintage"]) == ["2016", "2019", "2020", "2022", "2023"]
    assert s["taille"] == taille(population)
    assert (s["taille_classe"], s["taille_minimale"]) == (int(taille(population)), None)
    assert s["demo_data"] is True
    assert set(s["supply"]) >= {"Médecins généralistes", "Infirmiers", "Pharmaciens", "Masseurs-kinésithérapeutes",
                                "Chirurgiens-dentistes", "Sages-femmes"}
    gp = s["supply"]["Médecins généralistes"]
    assert gp["densite_10000"] == pytest.approx(gp["praticiens"] / population * 10_000, rel=1e-3)
    for year in (2022, 2023):
        assert s["apl"][str(year)]["territoire"] == pytest.approx(weighted_apl(year, codes), abs=1e-3)
    assert {src["source"] for src in s["sources"]} >= {"annuaire-sante", "drees-apl", "contours-communes"}
    # The whole of France is loaded: the flow model sees every neighbour, and says nothing about the load.
    assert s["flows"]["departements_non_charges_a_portee"] == [] and s["flows"]["reserves"] == []


def test_known_figures_stated(runs: dict[str, Any]) -> None:
    """Figures stated here once, checked against the raw computation above (guards the helpers too)."""
    assert len(listing_codes("CPTS du Verdon")) == 15
    assert population_2026(listing_codes("CPTS du Verdon")) == 12_932
    assert len(epci_members(EPCI)) == 46
    assert taille(population_2026(epci_members(EPCI))) == "2"
    # Mureils (26219, 2019) is now part of Saint-Jean-de-Galaure (26216): 2019 on the current
    # geography is larger than the 2019 population of the current codes alone.
    old = {c["code"]: c for c in raw_json("0.7.0", "communes") if c["type"] == "commune-actuelle"}
    current_codes_only = sum(int(old[c]["population"]) for c in DROME if c in old)
    assert population_2019_current_geo(DROME) == current_codes_only + int(old["26219"]["population"])
    assert summary(runs, "drome")["population_by_vintage"]["2016"] > current_codes_only


def test_taille_boundaries() -> None:
    from pipeline.analysis import aci

    for population, band in ((39_999, "1"), (40_000, "2"), (79_999, "2"), (80_000, "3"), (174_999, "3"),
                             (175_000, "3"), (175_001, "4")):
        assert taille(population) == band
        assert aci.size_label(population) == band


@pytest.mark.parametrize("key", list(SLUGS))
def test_density_from_equal_area_surfaces(runs: dict[str, Any], key: str) -> None:
    s = summary(runs, key)
    communes = gpd.read_file(tables(runs, key) / "territoire.gpkg", layer="communes")
    assert sorted(communes["code"]) == expected_codes(key)
    area_km2 = sum(geodesic_areas_km2(communes.to_crs(4326).geometry))
    assert s["surface_km2"] == pytest.approx(area_km2, rel=1e-3)
    assert s["densite_hab_km2"] == pytest.approx(s["population"] / area_km2, rel=0.01)


@pytest.mark.parametrize("key", list(SLUGS))
def test_geopackage_layers(runs: dict[str, Any], key: str) -> None:
    layers = {name for name, _ in pyogrio.list_layers(tables(runs, key) / "territoire.gpkg")}
    assert layers == {"perimetre", "communes"}
    perimeter = gpd.read_file(tables(runs, key) / "territoire.gpkg", layer="perimetre")
    assert len(perimeter) == 1
    assert int(perimeter["population"].iloc[0]) == summary(runs, key)["population"]


@pytest.mark.parametrize("key", list(SLUGS))
def test_communes_csv(runs: dict[str, Any], key: str) -> None:
    frame = pd.read_csv(tables(runs, key) / "communes.csv", dtype=str)
    assert sorted(frame["code_insee"]) == expected_codes(key)
    assert frame["code_insee"].is_unique
    current = current_communes()
    for row in frame.itertuples():
        assert row.codes_postaux.split(",") == current[row.code_insee]["codesPostaux"]
        assert int(row.population_2023) == int(current[row.code_insee]["population"])
    if key == "drome":  # the ARS zoning covers PACA only
        assert set(frame["particularites_qpv_zip_zac"]) == {"non renseigné"}


def test_particularities_from_zoning_file(runs: dict[str, Any]) -> None:
    zoning = json.loads((mirror_path() / "zonage" / "qpv-zonage-medecins-paca-2025.json").read_text("utf-8"))
    zoning = zoning["communes"]
    frame = pd.read_csv(tables(runs, "epci") / "communes.csv", dtype=str).set_index("code_insee")
    digne = frame.loc["04070", "particularites_qpv_zip_zac"]
    assert zoning["04070"]["zip"] == 1
    for qpv in zoning["04070"]["qpv"]:
        assert qpv["id"] in digne and qpv["n"] in digne and f"en {qpv['z']}" in digne
    assert digne == "QPV Centre Ville - Pigeonnier (QN00401M) en ZIP"
    others = frame.drop(index=[c for c in frame.index if c in zoning])
    assert set(others["particularites_qpv_zip_zac"]) == {"aucun QPV zoné"}
    report = html_text((maps(runs, "epci") / "rapport.html").read_text("utf-8"))
    assert "QPV Centre Ville - Pigeonnier (QN00401M) en ZIP" in report


def test_xlsx_sheets(runs: dict[str, Any]) -> None:
    workbook = openpyxl.load_workbook(tables(runs, "verdon") / "diagnostic.xlsx", read_only=True)
    assert set(workbook.sheetnames) >= {"Communes", "Population", "Comparaisons", "Financement ACI",
                                        "Offre de soins", "Établissements", "APL", "CPTS voisines",
                                        "Représentativité"}
    rows = list(workbook["Communes"].iter_rows(values_only=True))
    assert len(rows) == 1 + 15
    offre = list(workbook["Offre de soins"].iter_rows(values_only=True))
    assert "Avertissement" in offre[0]  # French labels in the workbook (machine names in the CSV)
    assert all(r[offre[0].index("Avertissement")] == DEMO_TEXT for r in offre[1:])
    workbook.close()
    epci = openpyxl.load_workbook(tables(runs, "epci") / "diagnostic.xlsx", read_only=True)
    assert "Représentativité" not in epci.sheetnames  # no ADHERENTS given
    epci.close()


def test_demo_data_labelled_everywhere(runs: dict[str, Any]) -> None:
    offre = pd.read_csv(tables(runs, "verdon") / "offre.csv")
    assert set(offre["avertissement"]) == {DEMO_TEXT}
    establishments = pd.read_csv(tables(runs, "verdon") / "etablissements.csv", dtype=str)
    assert set(establishments["avertissement"]) == {DEMO_TEXT}
    report = html_text((maps(runs, "verdon") / "rapport.html").read_text("utf-8"))
    assert "Données fictives de démonstration".lower() in report.lower()
    assert "Les effectifs de professionnels de ce diagnostic proviennent de données fictives" in report
    assert "Les établissements de ce diagnostic proviennent de données fictives" in report
    carte = (maps(runs, "verdon") / "carte.html").read_text("utf-8")
    assert "Annuaire Santé (données fictives de démonstration), FINESS (données fictives de démonstration)" in carte
    for name in ("carte.html", "flux.html"):
        page = (maps(runs, "verdon") / name).read_text("utf-8")
        assert 'class="cpts-demo-banner"' in page and "Données fictives de démonstration" in page
    assert "ATTENTION : offre de soins issue de données fictives de démonstration" in runs["stdout"]["verdon"]


def test_france_and_region_rows_of_the_national_database_are_whole(runs: dict[str, Any]) -> None:
    """Loaded for all of France, the tables name the fields of their sources, not loaded départements."""
    folder = tables(runs, "verdon")
    column = {"references.csv": "zone", "apl_zones.csv": "libelle", "besoin_age.csv": "libelle",
              "revenus.csv": "libelle"}
    france = {name: set(pd.read_csv(folder / name)[label].iloc[1:]) for name, label in column.items()}
    assert france["references.csv"] >= {"Région : Provence-Alpes-Côte d'Azur", "France (métropole et DROM)"}
    drees = "France (métropole et DROM hors Mayotte, absente du classeur DREES)"
    assert france["apl_zones.csv"] >= {"Région : Provence-Alpes-Côte d'Azur", drees}
    assert france["besoin_age.csv"] >= {drees}
    assert france["revenus.csv"] >= {"France (champ de Filosofi : métropole, Martinique, La Réunion)"}
    assert not any("chargés" in label for labels in france.values() for label in labels)


def test_report_sections(runs: dict[str, Any]) -> None:
    report = html_text((maps(runs, "verdon") / "rapport.html").read_text("utf-8"))
    for title in ("Territoire et population", "Taille et financement ACI", "Offre de soins", "Établissements",
                  "Accessibilité", "Représentativité", "Chevauchements et voisins", "Flux de patients"):
        assert title in report, title
    assert "12 932" in report.replace("\u202f", " ").replace("\xa0", " ")
    # Signature 2025-08-31: accès aux soins starts within 6 months (28/02/2026), deploys within 18.
    assert "28/02/2026" in report and "28/02/2027" in report
    # Counts in prose are grouped by thousands the French way (a review read « sur 4668 unités du voisinage »).
    # (html_text reads every space as « ».)
    counts = re.findall(r"Spearman\) avec l'APL officielle 2023 : [^ ]+ sur ([\d ]+?) communes du territoire, "
                        r"[^ ]+ sur ([\d ]+?) communes du voisinage", report)
    assert len(counts) == 1 and all(re.fullmatch(r"\d{1,3}( \d{3})*", count) for count in counts[0]), counts
    assert int(counts[0][1].replace(" ", "")) >= 1000  # the neighbourhood of a rural CPTS: over a thousand
    # summary.json gives the neighbourhood's correlation too, with the report's count (it had the territory's only).
    access = summary(runs, "verdon")["access"]
    assert access["communes_comparees_voisinage"] == int(counts[0][1].replace(" ", ""))
    assert -1 <= access["spearman_apl_officielle_2023_voisinage"] <= 1
    assert summary(runs, "verdon")["access_indisponible"] is None


def test_overlaps_neighbours_of_verdon(runs: dict[str, Any]) -> None:
    """The PACA listing has one row per commune: no shared commune, only bordering CPTS."""
    overlaps = summary(runs, "verdon")["overlaps"]
    names = {o["cpts"] for o in overlaps}
    assert "CPTS du Verdon" not in names
    assert "CPTS Alpes Bléone Durance" in names  # Digne-les-Bains' CPTS borders the Verdon
    assert all(o["unites_communes"] == "" and o["limitrophe"] for o in overlaps)
    epci = summary(runs, "epci")["overlaps"]
    shared = {o["cpts"]: o for o in epci if o["unites_communes"]}
    # The EPCI's communes that the listing gives to each CPTS, from the raw CSV.
    members = set(epci_members(EPCI))
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        by_cpts: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            if row["code_insee"] in members:
                by_cpts.setdefault(row["cpts"], set()).add(row["code_insee"])
    assert by_cpts and set(shared) == set(by_cpts)
    for name, codes in by_cpts.items():
        assert set(shared[name]["unites_communes"].split(", ")) == codes
        assert shared[name]["population_commune"] == population_2026(sorted(codes))


# --------------------------------------------------------------------------- supply head counts (Trame table)

GP_SPECIALTIES = {"SM26", "SM53", "SM54"}  # TRE_R38 codes of general practice
AMBULATORY_SECTORS = {"SA05", "SA07", "SA08", "SA09", "SA52"}  # centre de santé, cabinets, maison de santé


def raw_gp_sites(runs: dict[str, Any], codes: list[str]) -> pd.DataFrame:
    """GP activity rows of the raw demo extraction located in ``codes`` (read with pandas, not DuckDB)."""
    # The newest of the yearly demonstration extractions is the one loaded.
    path = sorted((runs["data"] / "raw" / "demo").glob("PS_LibreAcces_Personne_activite_*.txt"))[-1]
    columns = ["Identification nationale PP", "Code profession", "Code savoir-faire",
               "Code commune (coord. structure)", "Code secteur d'activité"]
    frame = pd.read_csv(path, sep="|", usecols=columns, dtype=str, quoting=csv.QUOTE_NONE)
    gp = frame[(frame["Code profession"] == "10") & frame["Code savoir-faire"].isin(GP_SPECIALTIES)]
    return gp[gp["Code commune (coord. structure)"].isin(codes)]


def test_supply_counts_distinct_practitioners(runs: dict[str, Any]) -> None:
    codes = expected_codes("verdon")
    sites = raw_gp_sites(runs, codes)
    head_count = sites["Identification nationale PP"].nunique()
    assert head_count > 0
    offre = pd.read_csv(tables(runs, "verdon") / "offre.csv").set_index("groupe")
    gp = offre.loc["Médecins généralistes"]
    # Head count: distinct GPs with at least one site in the territory, not a sum of site shares.
    assert gp["praticiens"] == head_count
    assert gp["praticiens_etp"] <= gp["praticiens"]
    assert gp["densite_10000"] == pytest.approx(head_count / population_2026(codes) * 10_000, abs=0.05)  # 0.1
    # Premier recours: GPs with an ambulatory site in the territory (seed 000).
    ambulatory = sites[sites["Code secteur d'activité"].isin(AMBULATORY_SECTORS)]
    recours = pd.read_excel(tables(runs, "verdon") / "diagnostic.xlsx", sheet_name="Premier et second recours",
                            engine="openpyxl").set_index("Profession ou structure")
    premier = recours.loc["Médecins généralistes", "Premier recours"]
    assert premier == ambulatory["Identification nationale PP"].nunique()
    # MSP and centres de santé rows of the Trame, counted in FINESS establishments of the territory.
    etab = pd.read_csv(tables(runs, "verdon") / "etablissements.csv", dtype={"commune": str})
    inside = etab[etab["commune"].isin(codes)]
    for row, group in (("MSP", "MSP"), ("Centres de santé", "Centre de santé")):
        assert offre.loc[row, "unite"] == "structures"
        assert offre.loc[row, "praticiens"] == int((inside["groupe"] == group).sum())


# --------------------------------------------------------------------------- representativeness (ADHERENTS)


def test_representativeness(runs: dict[str, Any]) -> None:
    offre = pd.read_csv(tables(runs, "verdon") / "offre.csv").set_index("groupe")
    gps = float(offre.loc["Médecins généralistes", "praticiens"])
    nurses = float(offre.loc["Infirmiers", "praticiens"])
    assert gps > 0 and nurses > 0
    assert gps == int(gps) and nurses == int(nurses)  # distinct head counts, not sums of shares
    rep = summary(runs, "verdon")["representativeness"]
    assert rep["Médecins généralistes"]["praticiens"] == gps
    assert "MSP" not in rep
    assert rep["Médecins généralistes"]["adherents"] == ADHERENT_GPS
    assert rep["Médecins généralistes"]["part_adherents_pct"] == pytest.approx(ADHERENT_GPS / gps * 100, abs=1e-3)
    assert rep["Infirmiers"]["part_adherents_pct"] == pytest.approx(ADHERENT_NURSES / nurses * 100, abs=1e-3)
    assert rep["Pharmaciens"]["adherents"] == 0
    report = html_text((maps(runs, "verdon") / "rapport.html").read_text("utf-8"))
    share = f"{ADHERENT_GPS / gps * 100:.1f}".replace(".", ",")
    assert re.search(r"Médecins généralistes [\d,]+ " + str(ADHERENT_GPS) + r"(,0)? " + share, report), share
    sheet = pd.read_excel(tables(runs, "verdon") / "diagnostic.xlsx", sheet_name="Représentativité", engine="openpyxl")
    row = sheet.set_index("Profession ou structure").loc["Médecins généralistes"]
    assert row["Part des professionnels adhérents (%)"] == pytest.approx(ADHERENT_GPS / gps * 100, abs=0.05)
    assert summary(runs, "epci")["representativeness"] is None


# --------------------------------------------------------------------------- AJOUT what-if


def test_what_if_inside_territory(runs: dict[str, Any]) -> None:
    """+2 GPs in Digne-les-Bains: Digne and its neighbours gain, nobody loses, far communes do not move."""
    sim = summary(runs, "epci")["simulation"]
    assert sim["changements"] == [{"groupe": "Médecins généralistes", "variation": 2.0, "commune": "04070"}]
    table = pd.DataFrame(sim["communes"]).set_index("code")
    assert sorted(table.index) == epci_members(EPCI)
    assert (table["delta"] >= -1e-9).all()
    assert table.loc["04070", "delta"] > 0
    assert table.loc["04070", "delta"] == pytest.approx(table["delta"].max())
    assert (table["delta"] == 0).any()  # the model's distance cutoff: remote communes are unaffected
    assert table["after"].to_numpy() == pytest.approx((table["before"] + table["delta"]).to_numpy(), abs=1e-3)
    report = html_text((maps(runs, "epci") / "rapport.html").read_text("utf-8"))
    assert "Simulation : +2 médecins généralistes à 04070" in report
    assert "APL approchée (modèle de l'outil, pas l'APL officielle)" in report


def test_what_if_next_to_territory(runs: dict[str, Any]) -> None:
    """Digne-les-Bains is outside the Verdon: the table lists the Verdon's communes only."""
    sim = summary(runs, "verdon")["simulation"]
    table = pd.DataFrame(sim["communes"])
    assert sorted(table["code"]) == listing_codes("CPTS du Verdon")
    assert (table["delta"] >= -1e-9).all()
    report = html_text((maps(runs, "verdon") / "rapport.html").read_text("utf-8"))
    assert "Simulation : +2 médecins généralistes à 04070" in report
    assert summary(runs, "drome")["simulation"] is None


@pytest.mark.parametrize(
    "spec, message",
    [("médecins généralistes:deux@04070", "nombre invalide « deux »"),
     ("médecins généralistes 2 04070", "mal formé"),
     ("médecins généralistes:2@407", "code commune INSEE invalide")],  # « 4070 » is 04070 (zero restored)
)
def test_bad_what_if_keeps_previous_outputs(runs: dict[str, Any], spec: str, message: str) -> None:
    files = [tables(runs, "epci") / "summary.json", maps(runs, "epci") / "rapport.html",
             maps(runs, "epci") / "carte.html"]
    before = {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in files}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_DATA_DIR", str(runs["data"]))
        mp.setenv("CPTS_MAPS_DIR", str(runs["maps"]))
        code, _, err, wall = run_cli(["diagnostic", f"epci:{EPCI}", "--ajout", spec])
    assert code == 2
    assert err.startswith("Erreur : Scénario") and message in err, err
    assert "forme attendue" in err or "invalide" in err
    assert wall < 5, "a malformed scenario must fail before the long computation"
    for f, (mtime, content) in before.items():
        assert f.stat().st_mtime_ns == mtime and f.read_bytes() == content


def test_what_if_commune_outside_neighbourhood(runs: dict[str, Any]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_DATA_DIR", str(runs["data"]))
        mp.setenv("CPTS_MAPS_DIR", str(runs["maps"]))
        code, _, err, _ = run_cli(["diagnostic", VERDON, "--ajout", "médecins généralistes:1@75056"])
    assert code == 2
    assert "hors du voisinage du territoire : 75056" in err
    kept = summary(runs, "verdon")  # previous outputs kept
    assert kept["simulation"]["changements"][0]["commune"] == "04070"
    assert kept["representativeness"] is not None
