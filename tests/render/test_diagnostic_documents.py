"""The documents a CPTS team hands in, read back from a real diagnostic (issue 14, items 1, 2 and 4).

One diagnostic of ``cpts:CPTS du Verdon`` (PACA listing) with a signature
date, members (``ADHERENTS=``) and a what-if runs once on a copy of the
fixture database (demonstration registries). Its files are read back with
independent readers (openpyxl, python-docx, the csv module) and compared with
``summary.json``:

* ``rapport.docx`` follows the Trame (seed 002): « Structure juridique… »,
  « DIAGNOSTIC TERRITORIAL DE LA CPTS » filled, the other parts present and
  empty for the team, demonstration warning in the header of every page;
* ``diagnostic.xlsx``: French labels, codes as text, typed rounded numbers,
  frozen header, widths, « Lisez-moi » with sources and years;
* the CSV files: UTF-8 with BOM, stable machine names, codes quoted, never
  empty or header-less;
* ``rapport.html`` embeds its printed maps and links to the interactive ones.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph as WordParagraph

from pipeline.render.hyphenation import BREAK
from tests.conftest import mirror_path
from tests.docx_reading import plain_spaces, read_docx
from tests.french_spacing import as_typed
from tests.render.documents_runs import ADHERENT_GPS, ADHERENT_NURSES, Run, database_copy, run_in, run_once
from tests.render.test_docx import blocks, cells, table_after, ticked

pytestmark = [pytest.mark.mirror, pytest.mark.xdist_group("diagnostic_documents")]

SLUG = "cpts-cpts-du-verdon"
NNBSP = "\u202f"
#: The Trame's parts and the diagnostic's sub-parts, in the Trame's order (seed 002).
TRAME_PARTS = ["Structure juridique porteuse du projet de la CPTS", "DIAGNOSTIC TERRITORIAL DE LA CPTS",
               "ACTIONS DE LA CPTS SELON LES MISSIONS DEFINIES PAR L’ACI", "ORGANISATION DE LA CPTS"]
DIAGNOSTIC_PARTS = ["Description du territoire du projet", "Caractéristique de la population",
                    "Identification et analyse de l’offre de soin du territoire"]
#: Rows of the supply table counting FINESS structures, and its columns that do not apply to them.
STRUCTURES = ("MSP", "Centres de santé")
NOT_APPLYING = ("praticiens_etp", "dont_liberaux", "densite_10000", "densite_departement", "densite_region",
                "densite_france")
#: CSV files of the diagnostic and their machine column names, stable from one version to the next.
STABLE_HEADERS = {
    "communes.csv": ["code_insee", "commune", "type", "commune_de_rattachement", "codes_postaux", "population_2023",
                     "surface_km2", "densite_hab_km2", "particularites_qpv_zip_zac", "epci", "epci_nom",
                     "bassin_de_vie_2022", "bassin_de_vie_2022_nom", "apl_mg_2022", "apl_mg_2023"],
    "offre.csv": ["groupe", "praticiens", "praticiens_etp", "dont_liberaux", "unite", "source", "densite_10000",
                  "densite_departement", "densite_region", "densite_france", "avertissement"],
}


@pytest.fixture(scope="module")
def run(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    result = run_once("verdon", fixture_data_dir, tmp_path_factory, [
        "diagnostic", "cpts:CPTS du Verdon", "--signature", "2025-08-31", "--adherents", "{adherents}",
        "--ajout", "médecins généralistes:2@04094"])
    assert result.code == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def summary(run: Run) -> dict[str, Any]:
    return json.loads((run.tables(SLUG) / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def trame(run: Run) -> Any:
    return read_docx(run.maps(SLUG) / "rapport.docx")


def listing_rows(cpts: str) -> list[dict[str, str]]:
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["cpts"] == cpts]


def french(value: float, decimals: int) -> str:
    """The number as the documents write it: rounded half-up, decimal comma, narrow no-break space."""
    from decimal import ROUND_HALF_UP, Decimal

    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}".replace(",", NNBSP).replace(".", ",")


# --------------------------------------------------------------------------- the Word Trame


def test_outputs_beside_the_report(run: Run) -> None:
    folder = run.maps(SLUG)
    for name in ("rapport.html", "rapport.docx", "carte.html", "flux.html", "carte-territoire.png",
                 "carte-etablissements.png", "carte-flux.png", "graphique-etablissements.png"):
        assert (folder / name).stat().st_size > 1000, name
    for name in ("carte-territoire.png", "carte-flux.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Trame du projet de santé (Word) :" in run.stdout and "rapport.docx" in run.stdout
    assert not (folder / "rapport.pdf").exists()  # printing is opt-in (--pdf)


def test_docx_follows_the_trame(trame: Any) -> None:
    level1 = [p.text for p in trame.paragraphs if p.style.name == "Heading 1"]
    assert level1 == TRAME_PARTS
    level2 = [p.text for p in trame.paragraphs if p.style.name == "Heading 2"]
    assert level2[:3] == DIAGNOSTIC_PARTS
    # The diagnostic part is filled: its sub-headings name what the pipeline wrote.
    level3 = [p.text for p in trame.paragraphs if p.style.name == "Heading 3"]
    for heading in ("Professionnels de santé et structures d'exercice coordonné",
                    "Établissements de santé et médico-sociaux", "Accessibilité aux médecins généralistes (APL)",
                    "Recours et flux de patients"):
        assert heading in level3
    # The other parts are there, empty, for the team: the mission headings and their empty action tables.
    assert "a) Les missions socles obligatoires" in level2
    assert trame.paragraphs[0].text == "Trame d’un projet de santé de CPTS"
    structure = cells(trame.tables[0])
    assert structure[1] == ["Nom de la CPTS :", "CPTS du Verdon"]


def test_docx_communes_table_is_the_listing(trame: Any, summary: dict[str, Any]) -> None:
    rows = cells(table_after(trame, "Communes du territoire"))[1:]
    listing = {row["code_insee"] for row in listing_rows("CPTS du Verdon")}
    assert len(rows) == len(listing) == summary["communes"] == 15
    codes = {re.search(r"\((\w{5})\)$", r[0]).group(1) for r in rows}  # type: ignore[union-attr]
    assert codes == listing
    by_code = {re.search(r"\((\w{5})\)$", r[0]).group(1): r for r in rows}  # type: ignore[union-attr]
    assert by_code["04094"][0] == "Gréoux-les-Bains (04094)" and by_code["04094"][1] == "04800"
    assert by_code["04230"][1] == "04210"  # Valensole
    assert {r[2] for r in rows} == {"aucun QPV zoné"}  # ARS PACA zoning: no QPV in the Verdon
    # … which says nothing of the communes' own ZIP/ZAC zoning, not in the file: said under the table (a review).
    texts = [p.text for p in trame.paragraphs]
    assert any("le zonage ZIP/ZAC d'une commune hors QPV : non disponible" in t for t in texts)


def test_docx_population_and_taille(trame: Any, summary: dict[str, Any]) -> None:
    population = next(p for p in trame.paragraphs if p.text.startswith("Evaluation de la population"))
    assert population.text.endswith(f"{french(summary['population'], 0)} habitants (population municipale légale "
                                    f"{summary['population_vintage']})")
    assert summary["taille"] == "1"
    assert ticked(trame) == ["☒ Taille 1 : moins de 40 000 habitants"]


def test_surfaces_and_densities_read_the_same_in_the_report_and_the_word_trame(trame: Any, run: Run) -> None:
    """A review: the Word comparison table gave 234,31 km² where the report's gave 234,3 (one figure, two
    roundings). Every zone's surface and density, cell by cell, from both documents."""
    word = cells(table_after(trame, "Population comparée : territoire, ses départements et régions, France"))
    header = word[0]
    in_word = {row[0]: (row[header.index("Surface (km²)")], row[header.index("Densité de population (hab./km²)")])
               for row in word[1:]}
    page = as_typed((run.maps(SLUG) / "rapport.html").read_text(encoding="utf-8").replace(BREAK, ""))
    table = pd.read_html(io.StringIO(page), match="Taux annuel moyen", thousands=None, decimal="#")[-1]
    in_report = {str(r["Zone"]): (str(r["Surface (km²)"]), str(r["Densité (hab./km²)"])) for _, r in table.iterrows()}
    assert len(in_word) == 4 and in_word == in_report
    territory = in_word["Territoire"][0]
    assert re.fullmatch(r"\d+,\d\d", territory.replace(NNBSP, "")), territory  # the tables' two decimals
    # The sentence above the tables gives the same figure (a review saw « 843,5 km² » over « 843,49 »).
    assert f"Superficie : {territory} km²" in html.unescape(page)
    assert any(f"Superficie : {territory} km²" in p.text for p in trame.paragraphs)


def test_the_reference_year_has_no_rate_in_both_documents(trame: Any, run: Run) -> None:
    """The first legal population is the reference of the rates: « sans objet » in the report and the Word Trame
    (a review: « — » in one, « n.d. », a missing figure, in the other); the later years have a rate."""
    word = cells(table_after(trame, "Évolution de la population du territoire"))
    page = (run.maps(SLUG) / "rapport.html").read_text(encoding="utf-8").replace(BREAK, "")
    report = pd.read_html(io.StringIO(page), match="Évolution depuis la première année", thousands=None,
                          decimal="#")[0]
    assert word[1][-1] == "sans objet" == report.iloc[0, -1]
    assert all(re.fullmatch(r"−?\d+,\d\d", row[-1]) for row in word[2:]), word
    with open(run.tables(SLUG) / "population.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["taux_annuel_pct"] == "" and all(r["taux_annuel_pct"] for r in rows[1:])


def test_word_trame_says_the_units_under_secrecy_and_under_65_counts_as_the_report(
        trame: Any, run: Run, summary: dict[str, Any]) -> None:
    """A review: the Trame left out the « non diffusés » deciles of the Verdon's small communes and the units
    under 2,5 with the under-65 APL, which the report gives."""
    # Under secrecy: the units whose row hides its deciles, not one absent from the file (Saint-Laurent-du-Verdon,
    # among the « sans valeur publiée » of the median, a review).
    hidden = sum(bool(u["secret"]) for u in summary["revenus"]["unites"])
    absent = summary["revenus"]["territoire"]["mediane"]["unites_non_diffusees"]
    assert hidden > 0 and absent > 0  # 12 of the Verdon's 15 communes under secrecy in Filosofi 2019, 1 absent
    assert hidden + absent == summary["revenus"]["territoire"]["d1"]["unites_non_diffusees"]
    page = as_typed(html.unescape((run.maps(SLUG) / "rapport.html").read_text(encoding="utf-8")))
    secrecy = re.search(r"Déciles et part des minima sociaux : « non diffusés »[^<]*", page)
    assert secrecy is not None and f" pour {hidden} unités sur " in secrecy.group(0)
    assert secrecy.group(0).strip() in [p.text for p in trame.paragraphs]
    under_65 = len(summary["apl_moins_65_communes_sous_2_5"])
    assert any(f"dont l'APL est publiée ({under_65} avec l'APL aux médecins de moins de 65 ans)." in p.text
               for p in trame.paragraphs)


def test_word_apl_sentence_says_the_france_figure_leaves_mayotte_out(trame: Any) -> None:
    """A review: the sentence gave « 3,74 pour la France », a figure of the DREES workbook, which has no row for
    Mayotte (the report's table says so in its France row)."""
    sentence = next(p.text for p in trame.paragraphs if p.text.startswith("APL officielle de la DREES"))
    table = cells(table_after(trame, "APL aux médecins généralistes : territoire et références"))
    france = next(column for column, heading in enumerate(table[0]) if heading.startswith("France"))
    # « France (départements chargés : 04, 13, 33, 75, 976 ; sans 976, absent du classeur DREES) » on the fixture
    # database, which holds Mayotte: the sentence names the France of its table's heading.
    assert table[0][france].endswith("; sans 976, absent du classeur DREES)")
    assert f" et {table[-1][france]} pour la {table[0][france]}. " in sentence


def test_word_apl_per_commune_has_the_reports_decimals_and_the_under_65_apl(trame: Any, run: Run) -> None:
    """A review: the Trame gave the communes' APL with three decimals (6,081) where the report gives two (6,08),
    and left out the under-65 APL the ARS zoning uses. Known answer: apl.csv, rounded here."""
    table = cells(table_after(trame, "APL par commune"))
    assert table[0][-1] == "APL médecins généralistes de moins de 65 ans 2023"
    apl = pd.read_csv(run.tables(SLUG) / "apl.csv", dtype={"unit_code": str}).set_index("unit_code")
    for row in table[1:]:
        code = row[0]
        for cell, column in zip(row[-3:], ("apl_2022", "apl_2023", "apl_moins_65_2023"), strict=True):
            value = apl.loc[code, column]
            assert cell == (f"{value:.2f}".replace(".", ",") if pd.notna(value) else "non disponible"), (code, column)


def test_docx_supply_table_matches_summary(trame: Any, summary: dict[str, Any]) -> None:
    table = cells(table_after(trame, "Professionnels de santé du territoire et densités comparées"))
    header, rows = table[0], {r[0]: r for r in table[1:]}
    assert header[:3] == ["Profession ou structure", "Professionnels (effectif distinct)", "dont libéraux"]
    assert header[3] == "Densité territoire (pour 10 000 hab.)"
    for group, figures in summary["supply"].items():
        row = rows[group]
        assert row[1] == french(figures["praticiens"], 0), group
        for column, key in ((3, "densite_10000"), (4, "densite_departement"), (5, "densite_region"),
                            (6, "densite_france")):
            if group in STRUCTURES:
                continue
            expected = "non disponible" if figures[key] is None else french(figures[key], 1)
            assert row[column] == expected, (group, key)


def test_structure_rows_say_sans_objet_where_a_column_does_not_apply(trame: Any, run: Run) -> None:
    """MSP and centres de santé count FINESS structures: libéraux, share of sites and densities per inhabitant
    do not apply to them. « sans objet » in the Word and HTML tables, never « non disponible »; empty in the CSV
    file and the workbook, whose note says so; their count of structures stays a figure."""
    word = {r[0]: r for r in cells(table_after(trame, "Professionnels de santé du territoire et densités "
                                                      "comparées"))[1:]}
    with open(run.tables(SLUG) / "offre.csv", encoding="utf-8-sig", newline="") as handle:
        machine = {r["groupe"]: r for r in csv.DictReader(handle)}
    book = openpyxl.load_workbook(run.tables(SLUG) / "diagnostic.xlsx")
    header = [c.value for c in book["Offre de soins"][1]]
    sheet = {r[0]: dict(zip(header, r, strict=True)) for r in book["Offre de soins"].iter_rows(min_row=2,
                                                                                              values_only=True)}
    readme = "\n".join(str(v) for row in book["Lisez-moi"].iter_rows(values_only=True) for v in row if v)
    page = (run.maps(SLUG) / "rapport.html").read_text(encoding="utf-8").replace(BREAK, "")
    report = {t.iloc[i, 0]: t.iloc[i] for t in pd.read_html(io.StringIO(page), thousands=None, decimal=",")
              if "dont libéraux" in t.columns for i in range(len(t))}
    for group in STRUCTURES:
        assert word[group][2:] == ["sans objet"] * 5, group
        assert re.fullmatch(r"\d+", word[group][1]), group
        assert [machine[group][c] for c in NOT_APPLYING] == [""] * len(NOT_APPLYING), group
        assert machine[group]["unite"] == "structures" and machine[group]["praticiens"].isdigit()
        assert all(v is None for k, v in sheet[group].items() if "libéraux" in k or "Densité" in k
                   or "part des sites" in k), group
        assert (report[group].drop(["Profession ou structure", "Professionnels (effectif distinct)", "Unité",
                                    "Source"]) == "sans objet").all(), group
    gp = machine["Médecins généralistes"]
    assert all(gp[c] != "" for c in NOT_APPLYING)  # the professions keep their figures
    assert "libéraux et densités sans objet pour ces lignes (cellules vides" in readme
    # summary.json: a structure's null densities are told from a missing figure by its unit.
    supply = json.loads((run.tables(SLUG) / "summary.json").read_text(encoding="utf-8"))["supply"]
    for group in STRUCTURES:
        assert supply[group]["unite"] == "structures" and supply[group]["densite_10000"] is None, group
    assert supply["Médecins généralistes"]["unite"] == "professionnels"


def test_docx_members_and_calendar(trame: Any, summary: dict[str, Any]) -> None:
    members = {r[0]: r for r in cells(table_after(trame, "Professionnels de santé adhérents de la CPTS"))[1:]}
    gps = summary["representativeness"]["Médecins généralistes"]
    assert gps["adherents"] == ADHERENT_GPS
    # Members the registry places only outside the territory are members, not territory professionals (Trame:
    # « pourcentage de professionnels ayant adhéré »): out of the share.
    away = sum(1 for m in summary["adherents_rapproches"]
               if m["groupe"] == "Médecins généralistes" and m["statut"] == "n'exerce pas dans le territoire")
    trame_row = next(r for r in summary["representativite_trame"] if r["groupe"] == "Médecins généralistes")
    assert trame_row["adherents_hors_territoire"] == away
    # The share is of those practising in the territory: the cell says how many they are.
    assert members["Médecins généralistes"][1] == (
        f"{ADHERENT_GPS}{f' dont {ADHERENT_GPS - away} du territoire' if away else ''} "
        f"({french((ADHERENT_GPS - away) / gps['praticiens'] * 100, 1)}{NNBSP}%)")
    nurses = summary["representativeness"]["Infirmiers"]
    assert members["Infirmiers"][1].startswith(f"{ADHERENT_NURSES} (") and nurses["adherents"] == ADHERENT_NURSES
    assert members["Psychologues"][1].startswith("0")
    # The file names no structure: 0 members, governance and writing not given (« non disponible », never left blank).
    assert members["Centres de santé (CDS)"][1:] == ["0", "non disponible", "non disponible"]
    calendar = cells(table_after(trame, "Calendrier de l'ACI pour une signature le 31/08/2025"))
    access = next(r for r in calendar if r[0].startswith("Accès aux soins"))
    # Accès aux soins: start within 6 months, deployment within 18 months of the signature (seeds 000, 002).
    assert access[4:] == ["28/02/2026", "28/02/2027"]
    # summary.json carries the same calendar (a review: it had neither the signature nor the deadlines).
    json_calendar = summary["calendrier_aci"]
    assert json_calendar["signature"] == "2025-08-31"
    json_access = next(m for m in json_calendar["missions"] if m["mission"].startswith("Accès aux soins"))
    assert (json_access["demarrage"], json_access["deploiement"]) == ("2026-02-28", "2027-02-28")
    assert len(json_calendar["missions"]) == len(calendar) - 1  # the Word table's rows, less its header


#: A members file with structures and the governance and writing columns: (profession, gouvernance, elaboration,
#: nombre). By hand: GPs 3 members, 3 in the governance, 0 in the writing; MSP 2 / 2 / 2; centres de santé 1 / 0 / 0.
STRUCTURE_MEMBERS = [("Médecins généralistes", "oui", "non", 3), ("MSP", "oui", "oui", 2),
                     ("Centres de santé", "non", "non", 1)]


@pytest.fixture(scope="module")
def structures_run(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("documents-structures")
    members = root / "adherents-structures.csv"
    members.write_text("profession,rpps,gouvernance,elaboration,nombre\n"
                       + "".join(f"{p},,{g},{e},{n}\n" for p, g, e, n in STRUCTURE_MEMBERS), encoding="utf-8")
    result = run_in(database_copy(fixture_data_dir, root), root / "maps",
                    ["diagnostic", "cpts:CPTS du Verdon", "--adherents", str(members)])
    assert result.code == 0, result.stderr
    return result


def test_docx_members_table_has_the_msp_and_centres_de_sante_rows(structures_run: Run) -> None:
    """The Word Trame's members table gave the MSP and centres de santé rows empty while the report and
    representativite_trame.csv counted them: it now reads the same rows, figures from the members file."""
    document = read_docx(structures_run.maps(SLUG) / "rapport.docx")
    word = {r[0]: r[1:] for r in cells(table_after(document, "Professionnels de santé adhérents de la CPTS"))[1:]}
    with open(structures_run.tables(SLUG) / "representativite_trame.csv", encoding="utf-8-sig",
              newline="") as handle:
        machine = {r["groupe"]: r for r in csv.DictReader(handle)}
    for group, row, (_, _, _, members) in zip(
            ("Médecins généralistes", "Maisons de santé pluriprofessionnelles (MSP)", "Centres de santé (CDS)"),
            ("Médecins généralistes", "MSP", "Centres de santé"), STRUCTURE_MEMBERS, strict=True):
        assert word[group][0].split(" (")[0] == machine[row]["adherents"] == str(members), group
        # Counts and their shares, as the report writes them (a review: the Word cells were bare counts).
        for cell, column in zip(word[group][1:], ("gouvernance", "elaboration"), strict=True):
            share = machine[row][f"part_{column}_pct"]
            assert cell == machine[row][column] + (f" ({share.replace('.', ',')}\u202f%)" if share else ""), group
    assert [c.split(" (")[0] for c in word["Maisons de santé pluriprofessionnelles (MSP)"][1:]] == ["2", "2"]
    assert [c.split(" (")[0] for c in word["Centres de santé (CDS)"][1:]] == ["0", "0"]
    assert [c.split(" (")[0] for c in word["Médecins généralistes"][1:]] == ["3", "0"]
    source = next(p.text for p in document.paragraphs if p.text.startswith("Source : Fichier des adhérents"))
    assert "FINESS" in source and "des structures du territoire pour les MSP" in source
    # The members notes printed by the run (2 MSP for 1 structure: no share) are under the Word table too (a
    # review: its cells stood unexplained).
    printed = [line.split("note (adhérents) : ", 1)[1] for line in structures_run.stdout.splitlines()
               if "note (adhérents) : " in line]
    texts = [plain_spaces(p.text) for p in document.paragraphs]
    assert any(note.startswith("MSP : 2 adhérents déclarés pour 1 structure du territoire") for note in printed)
    assert all(plain_spaces(note) in texts for note in printed)


def test_docx_figures_with_sources(trame: Any, run: Run) -> None:
    texts = [p.text for p in trame.paragraphs]
    figures = [t for t in texts if t.startswith("Figure ")]
    assert len(trame.inline_shapes) == len(figures) == 4
    for index, text in enumerate(texts):
        if text.startswith("Figure "):
            assert texts[index + 1].startswith("Source : "), text
    assert any("APL aux médecins généralistes 2023" in f for f in figures)
    source = texts[texts.index(next(f for f in figures if "Établissements de santé" in f)) + 1]
    assert "FINESS, extraction du 01/01/2026 (données fictives de démonstration)" in source


def test_docx_every_table_has_its_source(trame: Any) -> None:
    items = blocks(trame)
    captions = [i for i, item in enumerate(items) if isinstance(item, WordParagraph)
                and item.style.name == "Caption" and item.text.startswith("Tableau")]
    assert len(captions) >= 10
    for index in captions:
        assert isinstance(items[index + 1], Table), items[index].text
        source = items[index + 2]
        assert isinstance(source, WordParagraph) and source.text.startswith("Source : "), items[index].text
        assert re.search(r"\d{4}", source.text), source.text  # every source names its year or date


def test_docx_demo_warning_on_every_page(trame: Any) -> None:
    for section in trame.sections:
        header = [p.text for p in section.header.paragraphs]
        assert any("Données fictives de démonstration" in t for t in header), header


# --------------------------------------------------------------------------- the workbook


def test_workbook_for_people(run: Run, summary: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(run.tables(SLUG) / "diagnostic.xlsx")
    assert book.sheetnames[0] == "Lisez-moi"
    assert {"Communes", "Offre de soins", "Établissements", "APL", "Représentativité", "Calendrier des missions",
            "Flux - synthèse", "Simulation APL approchée"} <= set(book.sheetnames)
    communes = book["Communes"]
    header = [c.value for c in communes[1]]
    assert header[:3] == ["Code INSEE", "Commune", "Type d'unité"]
    assert communes.freeze_panes == "A2"
    assert communes.column_dimensions["B"].width > 15
    codes = [row[0] for row in communes.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(c, str) and len(c) == 5 and c.startswith("04") for c in codes)  # leading zero kept
    surfaces = [row[header.index("Surface (km²)")] for row in communes.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, float) and v == round(v, 2) for v in surfaces)
    offre = book["Offre de soins"]
    header = [c.value for c in offre[1]]
    rows = {r[0]: r for r in offre.iter_rows(min_row=2, values_only=True)}
    gp = rows["Médecins généralistes"]
    assert gp[header.index("Professionnels (effectif distinct)")] == summary["supply"]["Médecins généralistes"][
        "praticiens"]
    density = gp[header.index("Densité territoire (pour 10 000 hab.)")]
    assert density == round(summary["supply"]["Médecins généralistes"]["densite_10000"], 1)
    assert header[-1] == "Avertissement" and gp[-1] == "données fictives de démonstration"
    assert offre["A2"].number_format == "@"
    # The ACI's categories as the report words them; the CSV keeps the codes (a review: « complementaire »).
    for sheet, csv_name in (("Financement ACI", "financement.csv"), ("Calendrier des missions", "calendrier.csv")):
        header = [c.value for c in book[sheet][1]]
        shown = {r[header.index("Catégorie")] for r in book[sheet].iter_rows(min_row=2, values_only=True)}
        assert "mission socle" in shown and "socle" not in shown, sheet
        with open(run.tables(SLUG) / csv_name, encoding="utf-8-sig", newline="") as handle:
            assert "socle" in {r["categorie"] for r in csv.DictReader(handle)}, csv_name
    # The funding lines name their taille and text: the CSV is read apart from the report (Verdon: under 40 000
    # inhabitants, taille 1).
    with open(run.tables(SLUG) / "financement.csv", encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert list(lines[0])[-2:] == ["taille", "texte"] and {r["taille"] for r in lines} == {"1"}
    # A number in the workbook (a review: the text « '1 »).
    header = [c.value for c in book["Financement ACI"][1]]
    assert {r[header.index("Taille ACI")] for r in book["Financement ACI"].iter_rows(min_row=2, values_only=True)
            if r[0] is not None} == {1}
    assert len({r["texte"] for r in lines}) == 1 and lines[0]["texte"].startswith("montants de l'ACI du 20 juin 2019")


def test_workbook_readme_names_sources_and_years(run: Run) -> None:
    book = openpyxl.load_workbook(run.tables(SLUG) / "diagnostic.xlsx")
    text = "\n".join(str(v) for row in book["Lisez-moi"].iter_rows(values_only=True) for v in row if v is not None)
    assert "Territoire : CPTS du Verdon (cpts:CPTS du Verdon)" in text
    assert "Données fictives de démonstration" in text
    assert "Annuaire Santé (RPPS/ADELI), extraction du 01/01/2026" in text
    assert "FINESS, extraction du 01/01/2026" in text
    assert "Insee, populations légales 2023" in text
    assert "DREES, accessibilité potentielle localisée (APL) aux médecins généralistes 2022-2023" in text
    assert "communes.csv : code_insee" in text  # the correspondence with the CSV machine names


def test_workbook_has_no_formula_and_no_empty_sheet(run: Run) -> None:
    book = openpyxl.load_workbook(run.tables(SLUG) / "diagnostic.xlsx")
    for sheet in book.worksheets:
        assert sheet.max_row >= 2, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


# --------------------------------------------------------------------------- the CSV files


def test_csv_files_for_spreadsheets(run: Run) -> None:
    folder = run.tables(SLUG)
    files = sorted(folder.glob("*.csv"))
    assert {f.name for f in files} >= {"communes.csv", "offre.csv", "etablissements.csv", "population.csv",
                                       "references.csv", "financement.csv", "apl.csv", "voisins.csv",
                                       "representativite.csv", "calendrier.csv", "simulation_apl.csv"}
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name  # UTF-8 BOM: Excel reads the accents right
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert len(rows) >= 2 and all(rows[0]), path.name  # a header, and at least one line
    for name, header in STABLE_HEADERS.items():
        rows = list(csv.reader(io.StringIO((folder / name).read_text("utf-8-sig"), newline="")))
        assert rows[0] == header, name
    text = (folder / "communes.csv").read_bytes().decode("utf-8-sig")
    assert '\r\n"04094","Gréoux-les-Bains",' in text  # codes quoted: kept as text by spreadsheets


def test_simulation_names_units_and_sums_up_the_territory(run: Run, summary: dict[str, Any]) -> None:
    simulation = summary["simulation"]
    territory = simulation["territoire"]
    assert [t["groupe"] for t in territory] == ["Médecins généralistes"]
    units = {u["code"]: u for u in simulation["communes"]}
    # The territory's average is weighted by the model's demand: the DREES standardised population of the
    # latest APL sheet, read here from the workbook itself.
    workbook = mirror_path() / "apl" / "drees-apl-medecins-generalistes-2022-2023.xlsx"
    sheet = pd.read_excel(workbook, sheet_name="APL 2023", header=8, engine="calamine",
                          dtype={"Code commune INSEE": str}).iloc[1:]
    column = next(c for c in sheet.columns if str(c).startswith("Population standardisée"))
    weight = dict(zip(sheet["Code commune INSEE"], pd.to_numeric(sheet[column]), strict=True))
    for key, value in (("avant", "before"), ("apres", "after")):
        weighted = sum(units[c][value] * weight[c] for c in units) / sum(weight[c] for c in units)
        assert territory[0][key] == pytest.approx(weighted, rel=1e-3)
    assert territory[0]["apres"] > territory[0]["avant"]  # two more GPs in Gréoux-les-Bains, inside
    rows = list(csv.DictReader(io.StringIO((run.tables(SLUG) / "simulation_apl.csv").read_text("utf-8-sig"))))
    assert {r["code"]: r["nom"] for r in rows}["04094"] == "Gréoux-les-Bains"
    # Two decimals, the change the difference of the figures shown (a review: 108,86 → 111,78, écart 2,93).
    assert all(len(r[k].partition(".")[2]) <= 2 for r in rows for k in ("avant", "apres", "ecart"))
    assert all(Decimal(r["apres"]) - Decimal(r["avant"]) == Decimal(r["ecart"]) for r in rows)


# --------------------------------------------------------------------------- the report


def test_report_embeds_maps_and_links(run: Run) -> None:
    page = (run.maps(SLUG) / "rapport.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3  # territory, establishments, flows
    for href in ("carte.html", "flux.html"):
        assert f'href="{href}"' in page
        assert (run.maps(SLUG) / href).is_file()
    assert "Établissements du territoire par groupe" in page  # the chart
    assert "etablissements.csv" in page and "diagnostic.xlsx" in page  # where the full list is
