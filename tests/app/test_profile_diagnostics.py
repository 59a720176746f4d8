"""The diagnostic the source documents ask for (issue 12) and each unit's population year (issue 11 item 2).

Five diagnostics run once, through the command line, on the fixture
database (départements 04, 13, 33, 75, 976; three demonstration
extractions of the Annuaire Santé):

- ``cpts:CPTS du Verdon`` (15 communes of 04), with an ADHERENTS file;
- ``cpts:CPTS Itinéraire Santé`` (Marseille 11e, 12e, 13e: arrondissements);
- ``departement:976`` (Mayotte: legal population of the 2017 census in every
  package, no DREES APL, outside Filosofi's field);
- ``communes:04070,33063`` (Digne-les-Bains and Bordeaux: two départements
  in two régions, two ARS);
- ``communes:97611,04070`` (a Mayotte unit beside a commune with new censuses).

Every expected figure is read from the raw mirror files or the raw
demonstration extractions by :mod:`tests.app.profile_raw`, never through
the pipeline.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pipeline.nomenclatures import GROUPES_TRAME
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS, cli_environment, private_outputs
from tests.docx_reading import read_docx

pytestmark = [pytest.mark.mirror]

VERDON = "CPTS du Verdon"
MARSEILLE = "CPTS Itinéraire Santé"
RUNS = {
    "verdon": ["diagnostic", f"cpts:{VERDON}"],
    "marseille": ["diagnostic", f"cpts:{MARSEILLE}"],
    "mayotte": ["diagnostic", "departement:976"],
    "deux_regions": ["diagnostic", "communes:04070,33063"],
    "mixte": ["diagnostic", "communes:97611,04070"],
}
GROUPED_NURSES = 4
#: French sentence of the ARS guide's « prévisions de départ » the report must give (analysis.dynamics).
NO_FORECAST = "les départs à venir (retraites) ne peuvent pas être prévus à partir de cette source"


def html_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.replace("<wbr>", "")))  # a break opportunity is no space
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


def _members(data_dir: Path, path: Path) -> dict[str, Any]:
    """An ADHERENTS file with nurses of the latest demonstration extraction: two practising only in the
    Verdon, one practising only in Marseille, one unknown RPPS, grouped rows, MSP and centre de santé; and a
    psychologist practising only in the Verdon, given by the ADELI number the registry lists her under (its
    « Identification nationale PP » is « 0 » + 9 digits) in an « N° ADELI » column."""
    latest = raw.demo_extractions(data_dir)["2026-01-01"]
    verdon = set(raw.listing_units(VERDON))
    places: dict[str, set[str]] = {}
    professions: dict[str, str] = {}
    with open(latest, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("|")
        ident, code = header.index("Identification nationale PP"), header.index("Code commune (coord. structure)")
        profession = header.index("Code profession")
        for line in handle:
            fields = line.rstrip("\n").split("|")
            places.setdefault(fields[ident], set()).add(fields[code])
            professions[fields[ident]] = fields[profession]
    nurses = sorted(i for i, p in professions.items() if p == "60" and i.startswith("8") and len(i) == 12)
    inside = [i for i in nurses if places[i] <= verdon][:2]
    outside = [i for i in nurses if places[i] == {"13055"}][:1]
    psychologists = sorted(i for i, p in professions.items() if p == "93" and i.startswith("0") and len(i) == 10)
    adeli = [i for i in psychologists if places[i] <= verdon][:1]
    assert len(inside) == 2 and len(outside) == 1 and len(adeli) == 1
    unknown = "19999999999"
    assert "8" + unknown not in places
    rows = [
        ("infirmière", inside[0][1:], "oui", "oui", "", ""),
        ("Infirmiers", inside[1][1:], "non", "", "", ""),
        ("IDE", outside[0][1:], "", "oui", "", ""),
        ("Infirmier", "", "oui", "non", str(GROUPED_NURSES), ""),
        ("médecin généraliste", unknown, "oui", "oui", "", ""),
        ("MSP", "", "oui", "oui", "", ""),
        ("Centre de santé", "", "non", "non", "", ""),
        ("psychologue", "", "", "", "", adeli[0][1:]),
        ("Diététicienne", "", "", "", "2", ""),  # « Autres (précisez) »: named in a note
    ]
    path.write_text("profession;rpps;gouvernance;elaboration;nombre;N° ADELI\n"
                    + "".join(";".join(r) + "\n" for r in rows), encoding="utf-8")
    return {"path": path, "inside": inside, "outside": outside, "unknown": unknown, "adeli": adeli}


@pytest.fixture(scope="module")
def runs(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from pipeline import cli

    maps_dir = tmp_path_factory.mktemp("profile-maps")
    members = _members(fixture_data_dir, tmp_path_factory.mktemp("profile-inputs") / "adherents.csv")
    data = private_outputs(fixture_data_dir, tmp_path_factory.mktemp("profile-data"))
    out: dict[str, Any] = {"members": members, "data": data}
    with cli_environment(data, maps_dir):
        for key, argv in RUNS.items():
            args = [*argv, "--adherents", str(members["path"])] if key == "verdon" else argv
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = cli.main(args)
            assert code == 0, stderr.getvalue()
            text = stdout.getvalue()
            tables = Path(re.search(r"tableaux[^:\n]*: (.+)", text).group(1).strip())  # type: ignore[union-attr]
            report = Path(re.search(r"rapport : (.+)", text).group(1).strip())  # type: ignore[union-attr]
            out[key] = {
                "summary": json.loads((tables / "summary.json").read_text(encoding="utf-8")),
                "stdout": text,
                "tables": tables,
                "report": html_text(report.read_text(encoding="utf-8")),
                "docx": report.parent / "rapport.docx",
                # folium writes labels as escaped JavaScript strings (\u00e9, \u0026#x27;): decoded here.
                "map": html.unescape(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)),
                                            (report.parent / "carte.html").read_text(encoding="utf-8"))),
            }
        yield out


def zone(rows: list[dict[str, Any]], niveau: str, code: str = "", year: int | None = None) -> dict[str, Any]:
    found = [r for r in rows if r["niveau"] == niveau and r["code"] == code and (year is None or r["annee"] == year)]
    assert len(found) == 1, (niveau, code, year)
    return found[0]


def verdon_codes() -> list[str]:
    return raw.listing_units(VERDON)


# --------------------------------------------------------------------------- population years (issue 11 item 2)


def test_mayotte_legal_population_is_the_2017_census_in_every_package() -> None:
    # The premise, read from the packages: Mayotte's figures never change from one package to the next.
    versions = ["1.1.1", "2.3.1", "3.1.1", "4.1.0", "5.3.0", "6.0.0"]
    totals = {v: sum(p for c, p in raw.populations(v).items() if c.startswith("976")) for v in versions}
    assert len(set(totals.values())) == 1
    # The oldest package lists Mayotte's communes without any population.
    oldest = [c for c in raw.package("0.7.0", "communes") if c["code"].startswith("976")]
    assert oldest and all(c.get("population") is None for c in oldest)


def test_mayotte_territory_carries_its_census_year_and_no_evolution(runs: dict[str, Any]) -> None:
    s = runs["mayotte"]["summary"]
    population = sum(p for c, p in raw.populations("6.0.0").items() if c.startswith("976"))
    assert s["population"] == population
    assert s["population_vintage"] == 2017
    assert s["population_by_vintage"] == {"2017": population}
    assert s["population_annees"] == {"2017": {"unites": 17, "population": population}}
    assert s["evolution_population"]["disponible"] is False
    assert len(s["evolution_population"]["unites_exclues"]) == 17
    report = runs["mayotte"]["report"]
    assert "population légale 2017" in report
    assert "Évolution de la population : non disponible" in report
    # Its one legal population has nothing to be compared with: « sans objet », never a missing figure (a review
    # found « non disponible » in the table where the other territories read « sans objet »).
    thousands = f"{population:,}".replace(",", " ")  # html_text makes every space, non-breaking ones too, one space
    assert ("Population légale Population Évolution depuis la première année Taux annuel moyen (%) 2017 "
            f"{thousands} sans objet sans objet") in report
    assert not any(words in report for words in ("la population est restée stable", "la population a augmenté",
                                                   "la population a diminué", "évolué de"))
    profile = pd.read_csv(runs["mayotte"]["tables"] / "unites_profil.csv", dtype={"code_insee": str})
    assert len(profile) == 17 and set(profile["annee_population"]) == {2017}


def test_mixed_territory_evolution_leaves_mayotte_out(runs: dict[str, Any]) -> None:
    s = runs["mixte"]["summary"]
    assert s["population_annees"] == {
        "2017": {"unites": 1, "population": raw.populations("6.0.0")["97611"]},
        "2023": {"unites": 1, "population": raw.populations("6.0.0")["04070"]},
    }
    assert s["population_libelle_annees"] == "population légale 2023, 2017 pour Mayotte"
    assert s["evolution_population"] == {"disponible": True, "unites_exclues": ["97611"]}
    # The evolution is Digne-les-Bains' own: legal populations 2016 (package 0.7.0) and 2023 (6.0.0).
    years = s["population_by_vintage"]
    assert years["2016"] == raw.populations("0.7.0")["04070"]
    assert years["2023"] == raw.populations("6.0.0")["04070"]
    assert "population légale 2023, 2017 pour Mayotte" in runs["mixte"]["report"]
    assert "ne porte pas sur 1 unité de Mayotte" in runs["mixte"]["report"]
    # Mayotte is absent from the first package: the territory's first-year population is not available (Digne's
    # own beside the whole population would read as a growth), the rate is Digne's, as said above.
    references = pd.read_csv(runs["mixte"]["tables"] / "references.csv", keep_default_na=False)
    territory = references.iloc[0]
    assert (territory["zone"], territory["population_2016"]) == ("Territoire", "")
    assert territory["population"] == raw.populations("6.0.0")["97611"] + raw.populations("6.0.0")["04070"]
    assert territory["periode_taux"] == "2016 à 2023 (hors Mayotte)"
    # The same for France: the fixture database holds Mayotte, which the 2016 legal populations (package 0.7.0) lack.
    france = references.iloc[-1]

    def loaded_population(version: str, departements: set[str]) -> int:
        return sum(int(c.get("population") or 0) for c in raw.package(version, "communes")
                   if c["type"] == "commune-actuelle" and c.get("departement") in departements)

    without_mayotte = set(FIXTURE_DEPARTEMENTS) - {"976"}
    assert france["population"] == loaded_population("6.0.0", set(FIXTURE_DEPARTEMENTS))
    # The package of 2016 lacks, besides, the communes the Gironde absorbed on 1 January 2019 (Cantois, 33092, in
    # Porte-de-Benauge…): the loaded France's rate runs from 2019 (package 1.1.1), whose sum is whole.
    assert (france["population_2016"], france["periode_taux"]) == ("", "2019 à 2023 (hors Mayotte)")
    rate = (loaded_population("6.0.0", without_mayotte) / loaded_population("1.1.1", without_mayotte)) ** (1 / 4) - 1
    assert float(france["taux_annuel_pct"]) == pytest.approx(100 * rate, abs=0.005)
    assert ("Population 2016 « non disponible » et taux annuel calculé hors Mayotte pour les lignes « Territoire » "
            f"et « {france['zone']} »") in runs["mixte"]["report"]


def test_mayotte_apl_is_not_available_never_no_or_zero(runs: dict[str, Any]) -> None:
    s = runs["mayotte"]["summary"]
    assert s["apl"]["2023"]["territoire"] is None and s["apl"]["communes_sous_2_5"] == []
    territory = zone(s["apl_zones"], "territoire", year=2023)
    assert territory["apl"] is None and territory["population_sous_seuil"] is None
    assert territory["population_sous_seuil_moins_65"] is None
    assert len(s["apl_unites_sans_donnee"]) == 17
    report = runs["mayotte"]["report"]
    assert "APL 2023 du territoire : non disponible" in report
    assert not re.search(r"\b0 (commune|unité)\(s\)[^.]*sous le seuil", report)
    profile = pd.read_csv(runs["mayotte"]["tables"] / "unites_profil.csv", dtype={"code_insee": str})
    assert profile["sous_dense"].isna().all() and profile["apl_2023"].isna().all()


def test_neighbours_not_searched_are_not_available_not_none(runs: dict[str, Any]) -> None:
    """No listing of CPTS is loaded for Mayotte: its neighbours cannot be searched. A review found voisins.csv and
    its sheet saying « aucune donnée », the line of a searched territory without any neighbour."""
    assert runs["mayotte"]["summary"]["overlaps"] is None
    text = (runs["mayotte"]["tables"] / "voisins.csv").read_text(encoding="utf-8-sig")
    assert "non disponible : aucune liste de CPTS ne semble chargée pour cette région" in text
    assert "aucune donnée" not in text
    book = openpyxl.load_workbook(runs["mayotte"]["tables"] / "diagnostic.xlsx", read_only=True)
    cells = [str(v) for row in book["CPTS voisines"].iter_rows(values_only=True) for v in row if v]
    book.close()
    assert any(c.startswith("non disponible : aucune liste de CPTS") for c in cells), cells


# --------------------------------------------------------------------------- APL variants (item 4)


@pytest.mark.parametrize("key", ["verdon", "marseille"])
def test_apl_under_65_and_population_under_threshold(runs: dict[str, Any], key: str) -> None:
    codes = verdon_codes() if key == "verdon" else raw.MARSEILLE_11_13
    rows = raw.apl_rows(2023, codes)
    assert len(rows) == len(codes)
    territory = zone(runs[key]["summary"]["apl_zones"], "territoire", year=2023)
    assert territory["apl"] == pytest.approx(raw.apl_weighted(rows, "apl"), abs=1e-4)
    assert territory["apl_moins_65"] == pytest.approx(raw.apl_weighted(rows, "apl_moins_65"), abs=1e-4)
    assert territory["population_sous_seuil"] == raw.population_under(rows, "apl")
    assert territory["population_sous_seuil_moins_65"] == raw.population_under(rows, "apl_moins_65")
    total = sum(r["total"] for r in rows)
    assert territory["part_sous_seuil_moins_65_pct"] == pytest.approx(
        raw.population_under(rows, "apl_moins_65") / total * 100, abs=1e-3)


def test_apl_references_of_the_departement(runs: dict[str, Any]) -> None:
    rows = [r for r in raw.apl_sheet(2023) if r["code"].startswith("04")]
    dep = zone(runs["verdon"]["summary"]["apl_zones"], "departement", "04", 2023)
    assert dep["apl_moins_65"] == pytest.approx(raw.apl_weighted(rows, "apl_moins_65"), abs=1e-4)
    assert dep["population_sous_seuil"] == raw.population_under(rows, "apl")
    assert dep["population_sous_seuil_moins_65"] == raw.population_under(rows, "apl_moins_65")
    report = runs["verdon"]["report"]
    assert "population non standardisée doit être utilisée" in report
    assert "APL médecins de moins de 65 ans" in report


# --------------------------------------------------------------------------- age-related need (item 1)


@pytest.mark.parametrize("key", ["verdon", "marseille"])
def test_age_need_index_of_the_territory_and_its_units(runs: dict[str, Any], key: str) -> None:
    codes = verdon_codes() if key == "verdon" else raw.MARSEILLE_11_13
    rows = raw.apl_rows(2023, codes)
    need = runs[key]["summary"]["besoin_age"]
    assert need["annee_apl"] == 2023 and need["annee_population"] == 2021
    assert need["territoire"] == pytest.approx(sum(r["std"] for r in rows) / sum(r["total"] for r in rows), abs=1e-4)
    units = {u["unit_code"]: u["indice_besoin_age"] for u in need["unites"]}
    for row in rows:
        assert units[row["code"]] == pytest.approx(row["std"] / row["total"], abs=1e-4)


def test_age_need_compared_and_explained(runs: dict[str, Any]) -> None:
    rows = [r for r in raw.apl_sheet(2023) if r["code"].startswith("04")]
    dep = zone(runs["verdon"]["summary"]["besoin_age"]["zones"], "departement", "04")
    assert dep["indice_besoin_age"] == pytest.approx(sum(r["std"] for r in rows) / sum(r["total"] for r in rows),
                                                     abs=1e-4)
    assert "L'indice de besoin lié à l'âge rapporte la population standardisée de la DREES" in runs["verdon"]["report"]
    mayotte = runs["mayotte"]["summary"]["besoin_age"]
    assert mayotte["territoire"] is None and len(mayotte["unites_sans_donnee"]) == 17
    # Units without data are counted for the territory only; a zone's count is not known, never « 0 ».
    table = pd.read_csv(runs["mayotte"]["tables"] / "besoin_age.csv", keep_default_na=False, dtype=str)
    counts = dict(zip(table["niveau"], table["unites_sans_donnee"], strict=True))
    assert counts["territoire"] == "17" and counts["departement"] == counts["region"] == counts["france"] == ""


# --------------------------------------------------------------------------- income (item 2)


def test_income_of_a_rural_territory_is_a_labelled_approximation(runs: dict[str, Any]) -> None:
    codes = verdon_codes()
    income = runs["verdon"]["summary"]["revenus"]
    assert income["methode"] == "approximation" and income["libelle_methode"].startswith("approximation")
    for indicator in ("mediane", "d1", "d9", "part_minima_sociaux"):
        assert income["territoire"][indicator]["valeur"] == pytest.approx(raw.weighted(codes, indicator), abs=1e-3)
    hidden = [c for c in codes if raw.filosofi().get(c, {}).get("d1") is None]
    assert income["territoire"]["d1"]["unites_non_diffusees"] == len(hidden) > 0
    # A secret cell is « non diffusé »: null in summary.json, never 0.
    units = {u["unit_code"]: u for u in income["unites"]}
    for code in hidden:
        assert units[code]["d1"] is None and units[code]["part_minima_sociaux"] is None
    secret = [c for c in codes if c in raw.filosofi() and raw.filosofi()[c]["d1"] is None]
    assert all(units[c]["secret"] for c in secret)
    assert "non diffusé" in runs["verdon"]["report"]
    # « Non diffusés » are the communes of the file under secrecy; a commune absent from the file (Saint-Laurent-du-
    # Verdon) is among the median's units « sans valeur publiée », not under secrecy too (a review).
    absent = [c for c in codes if c not in raw.filosofi()]
    assert absent and set(absent).isdisjoint(secret) and len(secret) + len(absent) == len(hidden)
    people = raw.populations("6.0.0")

    def spaced(number: int) -> str:
        return f"{number:,}".replace(",", " ")

    assert (f"« non diffusés » par l'INSEE (secret statistique) pour {len(secret)} unités sur {len(codes)}, soit "
            f"{spaced(sum(people[c] for c in secret))} habitants") in runs["verdon"]["report"]
    assert (f"({len(absent)} unité sur {len(codes)} sans valeur publiée, en tout ou en partie, soit "
            f"{spaced(sum(people[c] for c in absent))} habitants)") in runs["verdon"]["report"]
    # Under a title promising « précarité », the poverty rate (another Filosofi file, not loaded) is said missing.
    assert "Taux de pauvreté : non disponible (l'INSEE le publie dans un autre fichier" in runs["verdon"]["report"]
    # And in summary.json: null with its reason, not a key a reader looks for in vain.
    assert income["taux_pauvrete"]["valeur"] is None
    assert "FILO2019_DISP_Pauvres_COM" in income["taux_pauvrete"]["raison"]


def test_income_of_arrondissements_and_references(runs: dict[str, Any]) -> None:
    income = runs["marseille"]["summary"]["revenus"]
    for indicator in ("mediane", "d1", "d9", "part_minima_sociaux"):
        assert income["territoire"][indicator]["valeur"] == pytest.approx(
            raw.weighted(raw.MARSEILLE_11_13, indicator), abs=1e-3)
    # The département: the same approximation over its communes (the files have no département row), whole
    # cities rather than their arrondissements.
    codes = [c for c in raw.filosofi() if c.startswith("13") and not c.startswith("132")]
    dep = zone(income["zones"], "departement", "13")
    assert dep["mediane"] == pytest.approx(raw.weighted(codes, "mediane"), abs=1e-3)
    assert dep["d9"] == pytest.approx(raw.weighted(codes, "d9"), abs=1e-3)
    assert "les fichiers Filosofi chargés n'ont pas de ligne départementale" in income["methode_zones"]


def test_income_is_not_available_in_mayotte(runs: dict[str, Any]) -> None:
    income = runs["mayotte"]["summary"]["revenus"]
    assert all(income["territoire"][k]["valeur"] is None for k in income["territoire"])
    assert {u["statut"] for u in income["unites"]} == {
        "hors du champ de Filosofi (aucune commune du département dans le fichier)"}
    assert "Revenu médian : non disponible" in runs["mayotte"]["report"]
    # Outside the field is no statistical secrecy (a review found them counted « non diffusées » here only).
    units = len(income["unites"])
    assert {k: (v["unites_non_diffusees"], v["population_non_diffusee"], v["unites_hors_champ"])
            for k, v in income["territoire"].items()} == dict.fromkeys(income["territoire"], (0, 0, units))
    assert income["territoire"]["mediane"]["population_hors_champ"] == runs["mayotte"]["summary"]["population"]
    # The rows passed on say why, neither « secret statistique » nor an « approximation » of nothing (a review).
    table = pd.read_csv(runs["mayotte"]["tables"] / "revenus.csv", dtype=str).set_index("niveau")
    for level, whose in (("territoire", "son département"), ("departement", "son département"),
                         ("region", "son département")):
        assert table.loc[level, "methode"] == (
            f"non disponible : hors du champ de Filosofi 2019 (aucune commune de {whose} dans le fichier de l'INSEE, "
            "qui ne couvre ni la Guadeloupe, ni la Guyane, ni Mayotte)")
        assert table.loc[level, ["mediane", "d1", "d9", "part_minima_sociaux"]].isna().all()


def test_income_exact_rows(db: Any) -> None:
    """One commune, every arrondissement of a city, exactly an EPCI: the file's own row, no approximation."""
    from pipeline.app.sections.areas import areas_section
    from pipeline.app.sections.characteristics import income_section
    from pipeline.store.territory import resolve_territory

    cases = {
        "communes:04070": ("commune", raw.filosofi()["04070"]),
        "communes:" + ",".join(f"132{i:02d}" for i in range(1, 17)): ("commune", raw.filosofi()["13055"]),
        "epci:200067437": ("epci", raw.filosofi("EPCI")["200067437"]),
    }
    for spec, (method, expected) in cases.items():
        territory = resolve_territory(db, spec, None)
        units = territory.units
        areas = areas_section(db, territory, str(units["departement"].iloc[0]), str(units["region"].iloc[0]))
        income = income_section(db, units, areas.zones)
        assert income.method == method, spec
        values = income.territory.set_index("indicateur")["valeur"]
        for indicator in ("mediane", "d1", "d9", "part_minima_sociaux"):
            assert values[indicator] == pytest.approx(expected[indicator]), (spec, indicator)


def test_a_commune_that_absorbed_an_undiffused_one_since_is_no_exact_row(db: Any) -> None:
    """A review: Porte-de-Benauge (33008) absorbed Saint-Genis-du-Bois (33409) in 2025; the file (geography of
    about 2021) has a row for 33008 and none for 33409 (not diffused): the row is not « la valeur exacte de la
    commune », whose inhabitants it partly leaves out."""
    from pipeline.app.sections.areas import areas_section
    from pipeline.app.sections.characteristics import income_section
    from pipeline.store.territory import resolve_territory

    assert "33008" in raw.filosofi() and "33409" not in raw.filosofi()
    territory = resolve_territory(db, "communes:33008", None)
    units = territory.units
    areas = areas_section(db, territory, "33", "75")
    income = income_section(db, units, areas.zones)
    assert income.method != "commune" and "valeur exacte" not in income.label
    # And its median is said to leave them out (a second review: « 0 unité non diffusée »): 33409's share of the
    # persons, its population of 2021 (package 1.1.1) beside 33008's persons in the file, of today's population.
    persons, left_out, today = raw.filosofi()["33008"]["personnes"], raw.populations("1.1.1")["33409"], \
        raw.populations("6.0.0")["33008"]
    median = income.territory.set_index("indicateur").loc["mediane"]
    assert median["valeur"] == raw.filosofi()["33008"]["mediane"]
    assert (median["n_non_diffusees"], median["population_non_diffusee"]) == (
        1, pytest.approx(today * left_out / (persons + left_out)))


def test_paris_departement_income_is_the_row_of_paris(db: Any) -> None:
    """The département 75 is the commune 75056: its income is the file's own row, and says so."""
    from pipeline.app.sections.areas import areas_section
    from pipeline.app.sections.characteristics import income_section
    from pipeline.store.territory import resolve_territory

    territory = resolve_territory(db, "communes:75118,75119,75120", None)
    areas = areas_section(db, territory, "75", "11")
    income = income_section(db, territory.units, areas.zones)
    paris = income.zones.set_index("niveau").loc["departement"]
    assert paris["methode"] == "valeur exacte de la commune 75056 (Filosofi), seule commune de la zone"
    for indicator in ("mediane", "d1", "d9", "part_minima_sociaux"):
        assert paris[indicator] == pytest.approx(raw.filosofi()["75056"][indicator]), indicator
    assert income.zones.set_index("niveau").loc["france", "methode"].startswith("approximation")
    # The note under the table said « Département, région, France : approximation … » (a review): it names Paris.
    assert (" ; Département : Paris, valeur exacte de la commune 75056 (Filosofi), seule commune de la zone"
            in income.zones_method)


def test_epci_crossing_the_load_is_not_given_its_whole_row(db: Any) -> None:
    """CA Durance-Lubéron-Verdon (200034700) has Vinon-sur-Verdon (83150, Var) among its members; the fixture
    database holds 04 but not 83: the territory is 24 communes, the EPCI row of Filosofi describes 25."""
    from pipeline.app.sections.areas import areas_section
    from pipeline.app.sections.characteristics import income_section
    from pipeline.store.territory import resolve_territory

    members = next(e["membres"] for e in raw.package("6.0.0", "epci") if e["code"] == "200034700")
    assert "83150" in {m["code"] for m in members} and "83" not in FIXTURE_DEPARTEMENTS
    territory = resolve_territory(db, "epci:200034700", None)
    assert len(territory.units) == len(members) - 1
    units = territory.units
    areas = areas_section(db, territory, "04", "93")
    income = income_section(db, units, areas.zones)
    assert income.method == "approximation"
    median = income.territory.set_index("indicateur")["valeur"]["mediane"]
    assert median != pytest.approx(raw.filosofi("EPCI")["200034700"]["mediane"])


# --------------------------------------------------------------------------- territory type (item 3)


def test_territory_type_per_unit_and_shares(runs: dict[str, Any]) -> None:
    from tests.conftest import FIXTURE_DEPARTEMENTS

    codes = verdon_codes()
    kinds = {u["unit_code"]: u for u in runs["verdon"]["summary"]["type_territoire"]["unites"]}
    table = raw.appartenance()
    population = raw.populations("6.0.0")
    outside = 0
    crossing = False
    for code in codes:
        assert kinds[code]["uu2020"] == table[code]["UU2020"]
        assert kinds[code]["aav2020"] == table[code]["AAV2020"]
        assert kinds[code]["hors_unite_urbaine"] is table[code]["UU2020"].endswith("000")
        outside += population[code] if table[code]["UU2020"].endswith("000") else 0
        aire = table[code]["AAV2020"]
        members = [c for c, row in table.items() if row["AAV2020"] == aire]
        if aire == "000":
            assert kinds[code]["aav_classe"] == 0
        else:
            # The whole aire, also where the fixture database holds part of it only (counted by make data from
            # the national files): a class from the loaded part would be a guess.
            partial = not all(c[:2] in FIXTURE_DEPARTEMENTS for c in members)
            crossing = crossing or partial
            total = sum(raw.populations("4.1.0").get(c, 0) for c in members)
            expected = 1 + sum(total >= b for b in (50_000, 200_000, 700_000))
            assert kinds[code]["aav_classe"] == expected
    assert crossing  # Verdon has communes in aires crossing the fixture's départements (Manosque's, Digne's…)
    shares = {(p["dimension"], p["categorie"]): p for p in runs["verdon"]["summary"]["type_territoire"]["parts"]}
    total = sum(population[c] for c in codes)
    assert shares[("unité urbaine", "hors unité urbaine")]["part_population"] == pytest.approx(outside / total,
                                                                                              abs=1e-4)
    report = runs["verdon"]["report"]
    assert "ce n'est pas la grille communale de densité de l'INSEE" in report
    assert "commune rurale au sens de l'INSEE avant 2020" in report


# --------------------------------------------------------------------------- supply dynamics (item 5)


@pytest.mark.parametrize("key", ["verdon", "marseille"])
def test_arrivals_and_departures_match_the_raw_extractions(runs: dict[str, Any], key: str) -> None:
    files = raw.demo_extractions(runs["data"])
    if key == "verdon":
        presence = {day: raw.extraction_presence(path, set(verdon_codes())) for day, path in files.items()}
    else:
        presence = {day: raw.extraction_presence(path, set(), raw.MARSEILLE_POSTCODES, "13055")
                    for day, path in files.items()}
    dyn = runs[key]["summary"]["dynamique_offre"]
    assert dyn["extractions"] == sorted(files) == ["2024-01-01", "2025-01-01", "2026-01-01"]
    assert len(dyn["periodes"]) == 2
    for period in dyn["periodes"]:
        before, after = presence[period["debut"]], presence[period["fin"]]
        everyone = period["territoire"]["Ensemble des professionnels"]
        assert everyone["presents_debut"] == len(before) and everyone["presents_fin"] == len(after)
        assert everyone["arrivees"] == len(after - before) and everyone["departs"] == len(before - after)
        assert everyone["solde"] == len(after) - len(before)
    assert NO_FORECAST in runs[key]["report"]
    assert "Dynamique de l'offre de soins" in runs[key]["report"]
    # Every profession of the Trame, as the supply table lists them, those absent from both files at 0 (a
    # review: no « Biologistes » row beside « Biologistes : 0 »); every mode of practice counted, and said.
    for period in dyn["periodes"]:
        assert list(period["territoire"]) == [*GROUPES_TRAME, "Ensemble des professionnels"]
    assert "quel que soit leur mode d'exercice (libéral, salarié, hors ambulatoire)" in runs[key]["report"]
    for period in dyn["periodes"]:  # « entre … et … », not « entre … au … »
        start, end = (date.fromisoformat(period[k]).strftime("%d/%m/%Y") for k in ("debut", "fin"))
        assert f"Entre les extractions du {start} et du {end}" in runs[key]["report"]


def test_dynamics_tables_per_unit(runs: dict[str, Any]) -> None:
    units = pd.read_csv(runs["marseille"]["tables"] / "dynamique_unites.csv", dtype={"lieu": str, "commune": str})
    assert set(units["lieu"]) == set(raw.MARSEILLE_11_13)
    assert (units["commune"] == "13055").all()
    # Each unit's name beside its code (a review found the workbook's « Commune » column holding codes).
    names = dict(zip(units["lieu"], units["nom"], strict=True))
    assert names["13211"] == "Marseille 11e Arrondissement" and names["13213"] == "Marseille 13e Arrondissement"
    assert (units["solde"] == units["arrivees"] - units["departs"]).all()
    assert units["avertissement"].eq("données fictives de démonstration").all()
    # The report says why the arrondissements' counts may add up to more than the territory's.
    assert ("Un professionnel qui exerce dans plusieurs communes du territoire compte dans chacune : la somme des "
            "communes peut dépasser le total du territoire, où il compte une fois.") in runs["marseille"]["report"]


# --------------------------------------------------------------------------- areas and ARS (item 7)


def test_territory_over_two_regions_is_compared_with_each(runs: dict[str, Any]) -> None:
    s = runs["deux_regions"]["summary"]
    zones = {(z["niveau"], z["code"]): z for z in s["zones_comparaison"]}
    population = raw.populations("6.0.0")
    for dep in ("04", "33"):
        expected = sum(population[c] for c in raw.departement_codes("6.0.0", dep))
        assert zones[("departement", dep)]["population"] == expected
    assert zones[("departement", "04")]["population_territoire"] == population["04070"]
    assert {("region", "93"), ("region", "75")} <= set(zones)
    # Bordeaux holds most of the population: Nouvelle-Aquitaine is the main région.
    assert s["ars_concernees"] == ["ARS Nouvelle-Aquitaine", "ARS Provence-Alpes-Côte d'Azur"]
    assert ("Le territoire s'étend sur 2 départements (Gironde (33), Alpes-de-Haute-Provence (04)) dans 2 régions "
            "(Nouvelle-Aquitaine, Provence-Alpes-Côte d'Azur) ; ARS concernées : ARS Nouvelle-Aquitaine, ARS "
            "Provence-Alpes-Côte d'Azur.") in runs["deux_regions"]["report"]
    rows = [r for r in raw.apl_sheet(2023) if r["code"].startswith("33")]
    apl = zone(s["apl_zones"], "departement", "33", 2023)
    assert apl["apl"] == pytest.approx(raw.apl_weighted(rows, "apl"), abs=1e-4)
    assert zone(s["revenus"]["zones"], "departement", "04")["mediane"] is not None
    # Supply densities of each area: the same figure as the main-area column of another territory.
    by_zone = {(r["code"], r["groupe"]): r for r in s["offre_par_zone"]}
    verdon = runs["verdon"]["summary"]["supply"]
    assert by_zone[("04", "Médecins généralistes")]["densite_10000"] == pytest.approx(
        verdon["Médecins généralistes"]["densite_departement"], abs=1e-3)
    assert by_zone[("33", "Infirmiers")]["densite_10000"] == pytest.approx(
        s["supply"]["Infirmiers"]["densite_departement"], abs=1e-3)


def test_population_comparison_has_every_departement_and_region(runs: dict[str, Any]) -> None:
    """Density and growth are compared with each département and région, the main one first (not the main only)."""
    table = pd.read_csv(runs["deux_regions"]["tables"] / "references.csv", dtype={"code": str}, keep_default_na=False)
    assert list(zip(table["niveau"], table["code"], strict=True)) == [
        ("territoire", ""), ("departement", "33"), ("departement", "04"), ("region", "75"), ("region", "93"),
        ("france", "")]
    population = raw.populations("6.0.0")
    rows = table.set_index("code")
    for dep, name in (("33", "Gironde"), ("04", "Alpes-de-Haute-Provence")):
        assert rows.loc[dep, "zone"] == f"Département : {name}"
        assert rows.loc[dep, "population"] == sum(population[c] for c in raw.departement_codes("6.0.0", dep))
    # The Alpes-de-Haute-Provence row is the one a territory of the 04 alone gets as its main département.
    verdon = pd.read_csv(runs["verdon"]["tables"] / "references.csv", dtype={"code": str}, keep_default_na=False)
    assert verdon["niveau"].tolist() == ["territoire", "departement", "region", "france"]
    alone = verdon.iloc[1].drop(["zone", "code"])
    assert rows.loc["04"].drop("zone").astype(str).tolist() == alone.astype(str).tolist()
    report = runs["deux_regions"]["report"]
    assert "Comparaison avec chaque département et chaque région du territoire, et la France" in report
    assert "Département : Alpes-de-Haute-Provence 168 054" in report
    # The main-area columns say which département and région they are (Bordeaux holds most of the population),
    # and that the fixture database holds the Gironde only of Nouvelle-Aquitaine's twelve départements.
    region = "Nouvelle-Aquitaine, départements chargés : 33"
    assert "Densité département (Gironde)" in report and f"Densité région ({region})" in report
    assert f"références Année Territoire Département (Gironde) Région ({region}) France (départements chargés" \
        in report  # APL
    # The Word Trame gives the reader the same rows, without the machine columns (level, code).
    trame = read_docx(runs["deux_regions"]["docx"])
    compared = [t for t in trame.tables if [c.text for c in t.rows[0].cells[:3]] == [
        "Zone", "Population municipale (hab.)", "Année de la population légale"]]
    assert len(compared) == 1
    assert [r.cells[0].text for r in compared[0].rows[1:]] == ["Territoire", *table["zone"][1:]]
    assert "Niveau de la zone" not in [c.text for c in compared[0].rows[0].cells]


def test_trame_compares_supply_and_apl_with_every_departement_and_region(runs: dict[str, Any]) -> None:
    """A review: the Trame of a territory on two départements compared its supply and APL with the main one only
    (the report with each). Values from the summary's per-zone tables."""
    s = runs["deux_regions"]["summary"]
    trame = read_docx(runs["deux_regions"]["docx"])
    supply = next(t for t in trame.tables if t.rows[0].cells[0].text == "Profession"
                  and "Département : Alpes-de-Haute-Provence" in [c.text for c in t.rows[0].cells])
    header = [c.text for c in supply.rows[0].cells]
    zones = {(z["libelle"], z["groupe"]): z["densite_10000"] for z in s["offre_par_zone"]}
    for row in supply.rows[1:]:
        group = row.cells[0].text
        for label, cell in zip(header[1:], row.cells[1:], strict=True):
            value = zones[(label, group)]
            if value is None:
                assert cell.text == "non disponible", (label, group)
            else:  # one decimal, as the report gives it
                assert re.fullmatch(r"\d+,\d", cell.text.replace("\u202f", "")), cell.text
                assert abs(float(cell.text.replace("\u202f", "").replace(",", ".")) - value) <= 0.05 + 1e-9
    apl = next(t for t in trame.tables
               if [c.text for c in t.rows[0].cells[:2]] == ["Zone", "APL médecins généralistes"])
    assert {r.cells[0].text for r in apl.rows[1:]} >= {"Département : Gironde",
                                                        "Département : Alpes-de-Haute-Provence"}
    text = " ".join(p.text for p in trame.paragraphs)
    assert "pour le département principal (Gironde)" in text


def test_trame_gives_the_population_characteristics(runs: dict[str, Any]) -> None:
    """The Trame's « caractéristique de la population » carries the age-related need, the income and the
    territory type of the report's section 2, with the figures of the tables (Verdon)."""
    trame = read_docx(runs["verdon"]["docx"])
    headings = [p.text for p in trame.paragraphs]
    for title in ("Besoin de soins lié à l'âge", "Revenus et précarité (INSEE, Filosofi 2019)",
                  "Type de territoire (unité urbaine, aire d'attraction des villes, densité)"):
        assert title in headings, title
    by_header = {tuple(c.text for c in t.rows[0].cells[:2]): t for t in trame.tables}
    need = by_header[("Zone", "Indice de besoin lié à l'âge")]
    table = pd.read_csv(runs["verdon"]["tables"] / "besoin_age.csv", keep_default_na=False)
    assert [r.cells[0].text for r in need.rows[1:]] == table["libelle"].tolist()
    assert need.rows[1].cells[1].text == f"{table['indice_besoin_age'].iloc[0]:.3f}".replace(".", ",")
    income = by_header[("Zone", "Revenu disponible médian par UC (€)")]
    median = int(pd.read_csv(runs["verdon"]["tables"] / "revenus.csv")["mediane"].iloc[0])
    assert income.rows[1].cells[1].text.replace("\u202f", " ").replace("\xa0", " ") == f"{median:,}".replace(",", " ")
    kinds = by_header[("Zonage", "Catégorie")]
    shares = pd.read_csv(runs["verdon"]["tables"] / "type_territoire.csv", keep_default_na=False)
    shares = shares[shares["dimension"] != "densité"]  # the density is a sentence, not a row without a share
    assert [r.cells[0].text for r in kinds.rows[1:]] == shares["dimension"].tolist()
    assert [r.cells[4].text for r in kinds.rows[1:]] == [
        f"{v * 100:.1f}".replace(".", ",") for v in shares["part_population"].astype(float)]


# --------------------------------------------------------------------------- representativeness (item 6)


def test_trame_table_in_full(runs: dict[str, Any]) -> None:
    s = runs["verdon"]["summary"]
    table = {r["groupe"]: r for r in s["representativite_trame"]}
    nurses = s["supply"]["Infirmiers"]["praticiens"]
    # rows: two nurses practising in the territory, one in Marseille, a grouped row of 4.
    assert table["Infirmiers"]["adherents"] == 3 + GROUPED_NURSES
    assert table["Infirmiers"]["gouvernance"] == 1 + GROUPED_NURSES
    assert table["Infirmiers"]["gouvernance_non_renseigne"] == 1
    assert table["Infirmiers"]["elaboration"] == 2
    assert table["Infirmiers"]["elaboration_non_renseigne"] == 1
    # The nurse practising in Marseille is a member, not one of the territory's professionals: out of the share.
    assert table["Infirmiers"]["adherents_hors_territoire"] == 1
    assert table["Infirmiers"]["part_adherents_pct"] == pytest.approx((2 + GROUPED_NURSES) / nurses * 100, abs=1e-4)
    assert table["Médecins généralistes"]["adherents"] == 1
    for row, structures in (("MSP", s["supply"]["MSP"]["praticiens"]),
                            ("Centres de santé", s["supply"]["Centres de santé"]["praticiens"])):
        assert table[row]["adherents"] == 1 and table[row]["professionnels_territoire"] == structures
        expected = 100 / structures if structures else None
        assert table[row]["part_adherents_pct"] == (pytest.approx(expected, abs=1e-4) if expected else None)
    assert table["MSP"]["gouvernance"] == 1 and table["Centres de santé"]["gouvernance"] == 0
    assert table["Pharmaciens"]["adherents"] == 0


def s_table(runs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["groupe"]: r for r in runs["verdon"]["summary"]["representativite_trame"]}


def test_members_matched_to_the_registry(runs: dict[str, Any]) -> None:
    members = runs["members"]
    matches = {m["rpps"]: m for m in runs["verdon"]["summary"]["adherents_rapproches"]}
    assert len(matches) == 5
    for identifier in [*members["inside"], *members["adeli"]]:
        assert matches[identifier[1:]]["statut"] == "exerce dans le territoire"
    outside = matches[members["outside"][0][1:]]
    assert outside["statut"] == "n'exerce pas dans le territoire" and outside["lieux"].startswith("Marseille")
    assert matches[members["unknown"]]["statut"] == "absent de l'extraction de l'Annuaire Santé"
    report = runs["verdon"]["report"]
    assert "Adhérents qui n'exercent pas dans le territoire ou absents de l'Annuaire Santé" in report
    inside = sum(m["statut"] == "exerce dans le territoire" for m in matches.values())
    assert inside == 3
    assert (f"5 adhérents donnés avec un numéro RPPS ou ADELI, cherchés dans l'Annuaire Santé : {inside} "
            f"{'exercent' if inside > 1 else 'exerce'} dans le territoire.") in report
    note = "1 adhérent dont le numéro RPPS ou ADELI est dans l'Annuaire Santé mais qui n'exerce pas dans le territoire"
    assert note in report
    # The same notes in summary.json (and on the console): not only in the report.
    assert f"{note} (ligne 4)" in runs["verdon"]["summary"]["adherents_notes"]  # line 4: the nurse of Marseille
    assert f"  note (adhérents) : {note[:60]}" in runs["verdon"]["stdout"]
    assert s_table(runs)["Psychologues"]["adherents"] == 1
    assert s_table(runs)["Autres"]["adherents"] == 2
    assert "Autres (précisez) : Diététicienne (2)" in runs["verdon"]["summary"]["adherents_notes"]


# --------------------------------------------------------------------------- outputs: tables, map, coverage


def test_profile_tables_in_the_workbook_and_csv(runs: dict[str, Any]) -> None:
    folder = runs["verdon"]["tables"]
    book = openpyxl.load_workbook(folder / "diagnostic.xlsx", read_only=True)
    for sheet in ("Profil par commune", "Zones comparées", "APL par zone", "Besoin lié à l'âge", "Revenus (Filosofi)",
                  "Type de territoire", "Dynamique - territoire", "Dynamique - communes", "Couverture des fichiers",
                  "Représentativité (Trame)", "Adhérents rapprochés"):
        assert sheet in book.sheetnames, sheet
    book.close()
    profile = pd.read_csv(folder / "unites_profil.csv", dtype={"code_insee": str})
    assert sorted(profile["code_insee"]) == verdon_codes()
    apl = {r["code"]: r for r in raw.apl_rows(2023, verdon_codes())}
    for row in profile.itertuples():
        assert row.apl_moins_65_2023 == pytest.approx(apl[row.code_insee]["apl_moins_65"], abs=1e-6)
        assert row.annee_population == 2023


def test_per_unit_figures_are_map_layers(runs: dict[str, Any]) -> None:
    page = runs["verdon"]["map"]
    for label in ("APL médecins généralistes de moins de 65 ans 2023 (DREES)", "Indice de besoin lié à l'âge (DREES)",
                  "Revenu disponible médian par UC 2019 (€, Filosofi)", "Unité urbaine 2020 (INSEE)",
                  "Aire d'attraction des villes 2020 (INSEE)", "Solde des médecins généralistes"):
        assert label in page, label
    assert "hors unité urbaine" in page


@pytest.mark.parametrize(("key", "outline"), [("verdon", "Périmètre de la CPTS"),
                                               ("mayotte", "Périmètre du territoire"),
                                               ("deux_regions", "Périmètre du territoire")])
def test_the_outline_is_a_cpts_s_only_for_a_cpts(runs: dict[str, Any], key: str, outline: str) -> None:
    """A département (976) or a list of communes is diagnosed as a territory, not as a CPTS."""
    page = runs[key]["map"]
    other = {"Périmètre de la CPTS", "Périmètre du territoire"} - {outline}
    assert page.count(outline) >= 2 and other.pop() not in page  # the layer's name and its legend block


def test_registry_coverage_recorded(runs: dict[str, Any]) -> None:
    from tests.conftest import FIXTURE_DEPARTEMENTS

    coverage = runs["verdon"]["summary"]["offre_couverture"]
    assert coverage["departements"] == sorted(FIXTURE_DEPARTEMENTS) and coverage["complet"] is True
    assert coverage["note"] is None


def test_supply_table_names_its_sources_for_the_reader(runs: dict[str, Any]) -> None:
    """The report's supply table showed the files' machine keys (« annuaire-sante », « finess »)."""
    report = runs["verdon"]["report"]
    table = report[report.index("Professionnels et structures d'exercice coordonné"):report.index("Effectif distinct")]
    assert re.search(r"Médecins généralistes [\d ]+ [\d ]+,\d [\d ]+ professionnels Annuaire Santé ", table)
    # The structures' share of sites and libéraux do not apply (« sans objet », not « non disponible »).
    assert re.search(r"MSP \d+ sans objet sans objet structures FINESS ", table)
    assert "annuaire-sante" not in table and " finess " not in table
    offre = pd.read_csv(runs["verdon"]["tables"] / "offre.csv")
    assert set(offre["source"]) == {"annuaire-sante", "finess"}  # the CSV keeps the keys


def test_sources_are_named_for_the_reader(runs: dict[str, Any]) -> None:
    """The report's sources listed machine keys alone (« drees-apl », « cpts:paca »): each is now named, its key
    after it (the tables and summary.json keep the keys)."""
    report = runs["verdon"]["report"]
    assert "Accessibilité potentielle localisée (DREES) — drees-apl" in report
    assert "Liste de CPTS « paca » — cpts:paca" in report
    keys = {str(source["source"]) for source in runs["verdon"]["summary"]["sources"]}
    assert {"annuaire-sante", "drees-apl", "contours-communes", "cpts:paca"} <= keys
    unnamed = sorted(k for k in keys if f" — {k}" not in report)
    assert unnamed == []


def test_supply_table_says_a_pharmacist_may_count_in_two_groups(runs: dict[str, Any]) -> None:
    """Section G (biologie) and A/D (officine) of the roll give two groups: the rows add up to more."""
    assert ("un pharmacien exerçant à la fois en biologie et en officine compte dans les deux groupes, aussi la "
            "somme des groupes peut-elle dépasser le nombre de professionnels") in runs["verdon"]["report"]


def test_reference_deciles_say_on_which_share_of_the_persons_they_rest(db: Any) -> None:
    """A review: the Meuse's D1 and D9 rest on 36 % of its persons (the other communes' are secret) and were
    set against the territory's without a word. Expected share from the raw Filosofi file."""
    rows = [r for code, r in raw.filosofi().items() if code.startswith("04") and r["personnes"]]
    share = sum(r["personnes"] for r in rows if r["d1"] is not None) / sum(r["personnes"] for r in rows) * 100
    assert share < 95
    zones = income_zones(db, "communes:04070")
    assert zones.loc["departement", "methode"].endswith(
        f" ; déciles et part des minima sociaux calculés sur les communes qui les publient, {share:.0f} % des "
        "personnes que Filosofi recense dans la zone (secret statistique ailleurs)")


def test_the_territory_s_deciles_say_on_which_share_of_its_inhabitants_they_rest(db: Any) -> None:
    """A review: Verdon's D1, D9 and minima sociaux rest on 2 of its 15 communes; the report's text said so, the
    income table's row passed on (revenus.csv, the workbook) did not. Expected share from the raw files: the
    COG 2026 populations of the units whose Filosofi row publishes D1."""
    codes = raw.listing_units("CPTS du Verdon")
    people, filosofi = raw.populations("6.0.0"), raw.filosofi()
    published = sum(people[c] for c in codes if c in filosofi and filosofi[c]["d1"] is not None)
    share = published / sum(people[c] for c in codes) * 100
    assert 40 < share < 60
    zones = income_zones(db, "cpts:CPTS du Verdon")
    # Elsewhere: the communes of the file under secrecy, and those it does not hold (Saint-Laurent-du-Verdon), each
    # counted (a review read « secret statistique ailleurs » of both).
    secret = sum(c in filosofi and filosofi[c]["d1"] is None for c in codes)
    absent = sum(c not in filosofi for c in codes)
    assert secret > 1 and absent == 1
    assert zones.loc["territoire", "methode"].endswith(
        f" ; déciles et part des minima sociaux calculés sur les communes qui les publient, {share:.0f} % des "
        f"habitants du territoire (ailleurs : {secret} sous secret statistique, {absent} absente du fichier)")
    # Under secrecy alone: said as before.
    secrecy_only = [c for c in codes if c in filosofi]
    published_only = sum(people[c] for c in secrecy_only if filosofi[c]["d1"] is not None)
    alone = income_zones(db, "communes:" + ",".join(secrecy_only)).loc["territoire", "methode"]
    assert alone.endswith(f"{published_only / sum(people[c] for c in secrecy_only) * 100:.0f} % des habitants du "
                          "territoire (secret statistique ailleurs)")
    # A commune that publishes its deciles: nothing to say.
    assert filosofi["04070"]["d1"] is not None
    assert "déciles et part" not in income_zones(db, "communes:04070").loc["territoire", "methode"]
    # None publishes them: not « 0 % » (a third review), and why: secrecy for the communes the file holds, absence
    # for the others (a review read « secret statistique » of communes the file does not hold).
    trio = ("04005", "04166", "04007")
    assert all(filosofi.get(c, {}).get("d1") is None for c in trio)
    held = sum(c in filosofi for c in trio)
    assert 0 < held < len(trio)
    absent = "absente" if len(trio) - held == 1 else "absentes"
    assert income_zones(db, "communes:" + ",".join(trio)).loc["territoire", "methode"].endswith(
        " ; déciles et part des minima sociaux non disponibles : aucune commune du territoire ne les publie "
        f"({held} sous secret statistique, {len(trio) - held} {absent} du fichier)")
    # One cause alone is said alone.
    secret_only = [c for c in ("04005", "04166", "04007", "04001", "04004", "04006", "04008") if c in filosofi
                   and filosofi[c]["d1"] is None][:2]
    assert len(secret_only) == 2
    assert income_zones(db, "communes:" + ",".join(secret_only)).loc["territoire", "methode"].endswith(
        "aucune commune du territoire ne les publie (secret statistique)")


def income_zones(db: Any, spec: str) -> pd.DataFrame:
    """The income table of the territory ``spec`` (in the 04) and its zones, by ``niveau``."""
    from pipeline.app.sections.areas import areas_section
    from pipeline.app.sections.characteristics import income_section
    from pipeline.store.territory import resolve_territory

    territory = resolve_territory(db, spec, None)
    return income_section(db, territory.units, areas_section(db, territory, "04", "93").zones).zones.set_index(
        "niveau")


def test_a_commune_re_created_since_the_file_and_described_by_its_holder_is_not_absent() -> None:
    """L'Oie (85165), re-created in 2024, is in the row of Essarts-en-Bocage (85084): in a territory holding both,
    its households are described, so it is not « absente du fichier » among the reasons of the deciles missing."""
    from pipeline.app.sections.income_reasons import why_unpublished as _why_unpublished

    per_unit = pd.DataFrame({"unit_code": ["85084", "85165", "85001"], "codes_source": ["85084", "", ""],
                             "secret": [True, False, False], "hors_champ": [False, False, False]})
    assert _why_unpublished(per_unit) == "1 sous secret statistique, 2 absentes du fichier"
    assert _why_unpublished(per_unit, {"85165"}) == "1 sous secret statistique, 1 absente du fichier"
    assert _why_unpublished(per_unit.iloc[:2], {"85165"}) == "secret statistique"
