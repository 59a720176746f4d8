"""Flows wording and tables (model or given table, decay named, names and French columns), territory-file
messages, overseas collectivities (COM) refused, territories without polygon, ``couverture --seuil``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pipeline.cli import build_parser
from pipeline.errors import TerritoryError
from pipeline.render.sections.common import AMBULATORY_WORDS
from pipeline.store.territory import resolve_territory
from tests.app.test_diagnostic_e2e import run_cli
from tests.conftest import cli_environment

pytestmark = [pytest.mark.national, pytest.mark.xdist_group("national")]


@pytest.fixture()
def db(national_db: Any) -> Any:
    return national_db


COM_MESSAGE = "hors du champ du diagnostic : il ne compte que des communes de collectivités d'outre-mer"


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8").replace("<wbr>", ""))))


# --------------------------------------------------------------------------- (14) messages


def test_missing_territory_file_names_the_path_once(db: Any) -> None:
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "fichier:/nonexistent.csv")
    assert str(info.value) == "Fichier de territoire introuvable (fichier /nonexistent.csv)"


def test_unknown_code_in_territory_file_names_the_path_once(db: Any, tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("code_insee\n04070\n99999\n0407O\n", encoding="utf-8")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{p}")
    assert str(info.value).count(str(p)) == 1
    # Each value with its line (a review: « 0407O » was named without it).
    message = str(info.value)
    # The file in the list's header, not after its last item (a review read it as that item's).
    assert message.startswith(f"Territoire non résolu (codes du fichier) (fichier {p}) :\n"
                              "  - code INSEE inconnu : 99999 (ligne 3)")
    assert message.endswith("« 0407O » (ligne 4) n'est ni un code INSEE ni un nom de commune connu")


# --------------------------------------------------------------------------- (16) --seuil


@pytest.mark.parametrize(("value", "expected"), [
    ("-5", "option --seuil : seuil invalide « -5 » : la population minimale doit être strictement positive"),
    ("0", "option --seuil : seuil invalide « 0 » : la population minimale doit être strictement positive"),
    ("abc", "option --seuil : seuil invalide « abc » : attendu un nombre entier d'habitants"),
])
def test_couverture_rejects_non_positive_threshold(capsys: pytest.CaptureFixture[str], value: str,
                                                   expected: str) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["couverture", "--region", "93", "--seuil", value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "python -m pipeline couverture : erreur : " + expected in err
    assert " error:" not in err and "invalid int" not in err


def test_couverture_accepts_positive_threshold() -> None:
    assert build_parser().parse_args(["couverture", "--region", "93", "--seuil", "15000"]).seuil == 15000


# --------------------------------------------------------------------------- (15) COM and no polygon


@pytest.mark.parametrize("spec", ["communes:98735", "departement:975"])
def test_com_territory_is_refused(db: Any, spec: str) -> None:
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, spec)
    assert f"Territoire « {spec} » {COM_MESSAGE}" in str(info.value)


@pytest.fixture(scope="module")
def runs(loaded_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    maps_dir = tmp_path_factory.mktemp("maps")
    work = tmp_path_factory.mktemp("inputs")
    od = work / "od.csv"
    od.write_text("origine;destination;volume;groupe\n04070;04070;800;Médecins généralistes\n"
                  "04070;04001;150;Médecins généralistes\n04001;04070;50;Médecins généralistes\n",
                  encoding="utf-8")
    argv = {
        "modele": ["diagnostic", "communes:04070", "--signature", "2025-01-15", "--ajout",
                   "médecins généralistes:2@04070"],
        "table": ["diagnostic", "communes:04070,04001", "--flux", str(od)],
        "sans_polygone": ["diagnostic", "communes:14666"],
        "com": ["diagnostic", "communes:98735"],
        "com_dep": ["diagnostic", "departement:975"],
    }
    out: dict[str, Any] = {"maps": maps_dir, "data": loaded_data_dir}
    with cli_environment(loaded_data_dir, maps_dir):
        for key, args in argv.items():
            out[key] = run_cli(args)
    yield out


def tables(runs: dict[str, Any], slug: str) -> Path:
    return Path(runs["data"]) / "processed" / "diagnostics" / slug


@pytest.mark.parametrize("key", ["com", "com_dep"])
def test_com_diagnostic_exits_2_in_french(runs: dict[str, Any], key: str) -> None:
    code, out, err, _ = runs[key]
    assert code == 2 and COM_MESSAGE in err and "Traceback" not in err and "Diagnostic de" not in out


def test_territory_without_polygon_skips_flows_with_a_note(runs: dict[str, Any]) -> None:
    code, out, err, _ = runs["sans_polygone"]
    assert code == 0, err
    assert "Traceback" not in err
    assert "flux de patients et APL approchée non calculés : aucune commune du territoire n'a de polygone" in out
    # The year of the contours loaded, the mirror's « contours-communes-2018 » (a review: online contours of another
    # year were said « reliquat des contours 2018 »).
    assert "note : unités sans polygone dans les contours communaux 2018 : 14666\n" in out
    report = text_of(runs["maps"] / "communes-14666" / "rapport.html")
    assert "Flux de patients Flux de patients et APL approchée non calculés" in report
    # The APL approchée's own reason, said once (it read « APL approchée non calculée : flux de patients et APL
    # approchée non calculés : … »).
    summary = json.loads((tables(runs, "communes-14666") / "summary.json").read_text(encoding="utf-8"))
    assert summary["access_indisponible"] == (
        "APL approchée non calculée : aucune commune du territoire n'a de polygone dans les contours communaux "
        "chargés (IGN Admin Express COG 2018), or ce modèle part des distances entre communes voisines")
    assert (runs["maps"] / "communes-14666" / "carte.html").is_file()
    assert not (runs["maps"] / "communes-14666" / "flux.html").exists()
    assert "Contours indisponibles" in (runs["maps"] / "communes-14666" / "carte.html").read_text("utf-8")
    sheets = openpyxl.load_workbook(tables(runs, "communes-14666") / "diagnostic.xlsx", read_only=True).sheetnames
    assert "Flux - synthèse" not in sheets and "APL approchée" not in sheets


# --------------------------------------------------------------------------- (9) real OD table


def test_real_od_table_is_not_described_as_the_model(runs: dict[str, Any]) -> None:
    code, _, err, _ = runs["table"]
    assert code == 0, err
    report = text_of(runs["maps"] / "communes-04070-04001" / "rapport.html")
    assert "Origine des flux : table origine-destination fournie (" in report
    assert "aucun modèle n'est appliqué" in report
    assert "modèle de Huff" not in report and "décroissance" not in report
    flux = runs["maps"] / "communes-04070-04001" / "flux.html"
    if flux.exists():  # drawn only when a line crosses the boundary: the table has none here
        assert "Flux modélisés" not in flux.read_text("utf-8")
    # Résidents de 04070 et 04001 : 800 + 150 + 50 recours, tous dans le territoire : aucun recours hors du
    # territoire, leurs fuites ne sont pas connues (une table des recours réalisés dans le territoire), d'où
    # « non disponible » et non 100 % (une revue).
    syn = pd.read_csv(tables(runs, "communes-04070-04001") / "flux_synthese.csv")
    row = syn.set_index("groupe").loc["Médecins généralistes"]
    assert pd.isna(row["recours_residents"]) and pd.isna(row["auto_confinement"])
    assert row["origine_des_flux"].startswith("table origine-destination fournie")


def test_modelled_flows_name_their_decay(runs: dict[str, Any]) -> None:
    report = text_of(runs["maps"] / "communes-04070" / "rapport.html")
    assert "modèle de Huff, décroissance exponentielle avec la distance, taux 0,30 par km" in report
    assert "Les volumes de recours sont des ordres de grandeur" in report
    assert "table origine-destination fournie" not in report
    flux = (runs["maps"] / "communes-04070" / "flux.html").read_text("utf-8")
    assert "Flux modélisés de recours aux médecins généralistes" in flux


# --------------------------------------------------------------------------- (10) names, (11) wording


def test_flow_tables_carry_names_and_french_columns(runs: dict[str, Any]) -> None:
    report = text_of(runs["maps"] / "communes-04070" / "rapport.html")
    assert "bassin_de_vie" not in report and "n_communes" not in report and "coupe" not in report.split()
    assert ("Code BV2022 Bassin de vie Profession Unités du bassin dont dans le territoire "
            "Coupé par le périmètre") in report
    assert "04070 Digne-les-Bains" in report  # BV2022 04070 is named
    assert "Profession Code INSEE Commune Recours annuels modélisés Part des recours des habitants (%)" in report
    dest = pd.read_csv(tables(runs, "communes-04070") / "flux_destinations.csv", dtype={"destination": str})
    assert dest["nom"].notna().all()
    assert set(dest.loc[dest["destination"] == "04001", "nom"]) <= {"Aiglun"}
    assert dict(zip(dest["destination"], dest["nom"], strict=True)).get("04047", "Champtercier") == "Champtercier"
    bv = pd.read_csv(tables(runs, "communes-04070") / "flux_bassins_de_vie.csv", dtype={"bassin_de_vie": str})
    assert set(bv["bassin_de_vie_nom"]) == {"Digne-les-Bains"}
    # Volumes without decimals in the report: « 1 234 », never « 1 234,5 ».
    section = report[report.index("Principales destinations hors du territoire"):]
    section = section[:section.index("Bassins de vie 2022")]
    assert not re.search(r"[A-Za-zéè] \d[\d  ]*,\d \d+,\d", section)


def test_approx_apl_wording_names_presence_shares(runs: dict[str, Any]) -> None:
    report = text_of(runs["maps"] / "communes-04070" / "rapport.html")
    assert "offre en effectifs" not in report
    assert "une offre en parts de présence des professionnels de l'Annuaire Santé" in report
    # What the model counts, which the supply table does not restrict (a review: the report did not say it).
    assert f"exerçant en ambulatoire : {AMBULATORY_WORDS}" in " ".join(report.split())


# --------------------------------------------------------------------------- (13) exports


def test_workbook_has_the_report_tables(runs: dict[str, Any]) -> None:
    path = tables(runs, "communes-04070") / "diagnostic.xlsx"
    sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    expected = ["Calendrier des missions", "Premier et second recours", "Mode d'exercice", "Flux - synthèse",
                "Flux - destinations", "Flux - bassins de vie", "APL approchée", "Simulation APL approchée"]
    assert set(expected) <= set(sheets)
    assert all(len(s) <= 31 for s in sheets)
    # The workbook speaks French (its « Lisez-moi » gives each label's CSV machine name).
    calendar = pd.read_excel(path, sheet_name="Calendrier des missions", engine="openpyxl")
    assert list(calendar.columns[:2]) == ["Mission", "Catégorie"] and len(calendar) > 0
    simulation = pd.read_excel(path, sheet_name="Simulation APL approchée", engine="openpyxl",
                               dtype={"Code INSEE": str})
    assert {"Avant", "Après", "Écart", "Scénario"} <= set(simulation.columns)
    row = simulation.set_index("Code INSEE").loc["04070"]
    # Rounded to 0.1 in the workbook.
    assert row["Après"] > row["Avant"] and abs(row["Écart"] - (row["Après"] - row["Avant"])) <= 0.1 + 1e-9
    assert set(simulation["Scénario"]) == {"Médecins généralistes : +2 à 04070"}
    approx = pd.read_excel(path, sheet_name="APL approchée", engine="openpyxl", dtype={"Code INSEE": str})
    assert approx["Code INSEE"].tolist() == ["04070"] and "APL officielle 2023" in approx.columns
    for name in ("calendrier", "recours", "mode_exercice", "flux_synthese", "apl_approchee", "simulation_apl"):
        assert (tables(runs, "communes-04070") / f"{name}.csv").is_file(), name
    # Without --signature and --ajout there is no calendar or what-if sheet.
    other = openpyxl.load_workbook(tables(runs, "communes-04070-04001") / "diagnostic.xlsx",
                                   read_only=True).sheetnames
    assert "Calendrier des missions" not in other and "Simulation APL approchée" not in other
