"""The perimeter editor page in headless Chromium, network blocked, on the hand-computed case.

The case is described in :mod:`tests.render.editor_cases` (grid of six units
A–F plus G without polygon). Expected figures are worked out by hand from that
description; self-containment is also checked against
:func:`pipeline.analysis.flows.territory_flow_indicators`, the diagnostic's
implementation. Screenshots go to ``/tmp/cpts-screens``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.analysis.flows import territory_flow_indicators
from pipeline.render.editor import InitialPerimeter, ListedPerimeter, write_editor_page
from pipeline.sources.delimited import read_csv_checked
from pipeline.store.territory import CODE_COLUMNS, file_names
from tests.browser import blocked_requests, close_page, dialogs, open_page, screenshot, settle
from tests.render import editor_cases as case
from tests.render.editor_cases import A, B, C, D, E, F, G

pytestmark = [pytest.mark.browser]

SCREENS = Path("/tmp/cpts-screens")

#: Seed 001 (ACI 2019, Occitanie): « 185 000 / 242 000 / 315 000 / 380 000 » possible per taille, volet
#: supplémentaire « 35 000 / 45 000 / 55 000 / 70 000 », maxima 220 000 / 287 000 / 370 000 / 450 000.
FUNDING = {
    1: {"total_possible": 185_000, "volet_supplementaire": 35_000, "maximum": 220_000},
    2: {"total_possible": 242_000, "volet_supplementaire": 45_000, "maximum": 287_000},
}


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_editor_page(case.editor_data(), tmp_path_factory.mktemp("editeur") / "editeur.html").path


@pytest.fixture()
def editor(page_path: Path) -> Iterator[Any]:
    page, errors, console = open_page(page_path)
    yield page
    assert errors == [], errors
    assert console == [], console
    assert blocked_requests(page) == []
    assert dialogs(page) == []
    close_page(page)


def call(page: Any, expression: str) -> Any:
    return page.evaluate(f"window.cptsEditor.{expression}")


#: The legend's colour of a unit outside the perimeter claimed by no other CPTS (« zone blanche »).
WHITE_ZONE = "#f0c85a"
#: The fill colour of each drawn unit on the map, in code order (the layers are added so).
FILLS = """(() => { const out = []; window.cptsEditor.map.eachLayer(l => {
  if (l.getTooltip && l.getTooltip() && l.options.fillColor) { out.push(l.options.fillColor); } }); return out; })()"""


def hover_text(page: Any, lat: float, lon: float) -> str:
    """The tooltip of the unit under the mouse at (lat, lon)."""
    point = page.evaluate(f"(() => {{ const p = window.cptsEditor.map.latLngToContainerPoint([{lat}, {lon}]);"
                          " return [p.x, p.y]; })()")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + point[0], box["y"] + point[1])
    settle(page)
    return str(page.text_content(".unit-tip"))


def test_initial_perimeter_figures(editor: Any) -> None:
    s = call(editor, "state()")
    assert s["communes"] == [A, B, D]
    assert s["population"] == 41_000 and s["taille"] == 2
    assert s["financement"] == FUNDING[2]
    assert s["population_par_annee"] == {"2022": 41_000}
    # B is also claimed by CPTS Beta; D and A only by the edited CPTS Alpha.
    assert s["unites_partagees"] == [B] and s["population_partagee"] == 15_000
    assert s["partage"] == [{"cpts": "CPTS Beta", "liste": "L1", "communes": [B], "population": 15_000}]
    assert s["zones_blanches_creees"] == [] and s["zones_blanches_absorbees"] == []
    assert s["cpts_editee"] == "CPTS Alpha" and s["perimetre_initial"] == [A, B, D]
    screenshot(editor, SCREENS / "editeur-synthetique.png")


def test_population_of_exactly_40000_is_taille_2(editor: Any) -> None:
    # « Taille 2 (entre 40 000 et 80 000 habitants) » : A + B = 25 000 + 15 000.
    s = call(editor, f"load(['{A}', '{B}'])")
    assert s["population"] == 40_000 and s["taille"] == 2 and s["financement"] == FUNDING[2]
    # The band as the ACI words it, the same text as the report's (seed 001).
    assert editor.text_content("#v-taille") == "Taille 2 (de 40\u202f000 à moins de 80\u202f000 habitants)"
    # The margins: one inhabitant less is taille 1; 39 999 more is taille 3 (« entre 80 000 et 175 000 »).
    assert editor.text_content("#v-seuils") == ("population au seuil exact de la taille 2 (un habitant de moins : "
                                                 "taille 1) ; il manque 40\u202f000 habitants pour la taille 3.")
    call(editor, f"add('{D}')")  # 41 000: 1 000 may be lost (40 000 is still taille 2)
    assert editor.text_content("#v-seuils").startswith("jusqu’à 1\u202f000 habitants de moins sans quitter la "
                                                       "taille 2 ; il manque 39\u202f000 habitants pour la taille 3")
    call(editor, f"remove('{D}')")
    s = call(editor, f"remove('{B}')")
    assert s["population"] == 25_000 and s["taille"] == 1 and s["financement"] == FUNDING[1]
    s = call(editor, "load([])")
    assert s["communes"] == [] and s["taille"] is None and s["financement"] is None


def test_load_takes_one_code_as_a_string_and_clearing_says_so(editor: Any) -> None:
    """A review: ``load('04070')`` threw a TypeError where ``add('04070')`` took the string; « Vider » said « 0 unité
    chargée »."""
    assert call(editor, f"load('{A}')")["communes"] == [A]
    editor.click("#btn-clear")
    assert call(editor, "state()")["communes"] == [] and editor.text_content("#message") == "Périmètre vidé"


def test_removing_a_unit_claimed_by_no_other_cpts_creates_a_white_zone(editor: Any) -> None:
    s = call(editor, f"remove('{D}')")
    assert s["zones_blanches_creees"] == [D] and s["population_zones_blanches_creees"] == 1_000
    assert s["retirees"] == [D]
    # Removing B (also in CPTS Beta) leaves it covered: no white zone for it.
    s = call(editor, f"remove('{B}')")
    assert s["zones_blanches_creees"] == [D]


def test_adding_an_unclaimed_unit_absorbs_a_white_zone_and_mixes_legal_years(editor: Any) -> None:
    s = call(editor, f"add('{F}')")
    assert s["zones_blanches_absorbees"] == [F] and s["population_zones_blanches_absorbees"] == 300
    assert s["population"] == 41_300
    assert s["population_par_annee"] == {"2017": 300, "2022": 41_000}
    assert s["annees_population"] == ["2017", "2022"]
    detail = editor.text_content("#v-population-detail")
    assert "2017 (300 hab.)" in detail and "2022 (41\u202f000 hab.)" in detail


def test_a_unit_without_population_makes_the_total_unavailable(editor: Any) -> None:
    s = call(editor, f"add('{G}')")
    assert s["population"] is None and s["taille"] is None
    assert s["population_connue"] == 41_000 and s["unites_sans_population"] == [G]
    assert editor.text_content("#v-population") == "non disponible"
    assert s["zones_blanches_absorbees"] == [G] and s["population_zones_blanches_absorbees"] is None


def test_shared_population_counts_each_unit_once_and_names_every_cpts(editor: Any) -> None:
    s = call(editor, f"load(['{A}', '{B}', '{C}', '{E}'])")
    assert s["unites_partagees"] == [B, C, E]
    assert s["population_partagee"] == 15_000 + 8_000 + 500
    assert s["partage"] == [
        {"cpts": "CPTS Beta", "liste": "L1", "communes": [B, C], "population": 23_000},
        {"cpts": case.HOSTILE, "liste": "L2", "communes": [E], "population": 500},
    ]
    # The hostile CPTS name is shown as text: no element was created from it.
    assert case.HOSTILE in editor.text_content("#l-partage")
    assert editor.evaluate("document.querySelectorAll('b[onclick]').length") == 0
    assert editor.text_content("#v-partage") == "3 unités partagées, 23\u202f500 hab. (48,5\u202f% de la population)"


def test_the_sharing_of_a_cpts_reaching_off_the_page_is_said_of_its_units_here(editor: Any) -> None:
    """A review read « Aucune unité revendiquée par une autre CPTS » for a CPTS whose commune beyond the load
    another CPTS claims: the page knows the claims of its own units only. The third listed CPTS has E here and
    02001 off the page; nobody else claims E."""
    s = call(editor, f"startFrom({case.HOSTILE!r})")
    assert (s["unites_partagees"], s["unites_hors_zone"]) == ([], 1)
    assert editor.text_content("#v-partage") == ("Aucune unité revendiquée par une autre CPTS (parmi ses unités de "
                                                 "cette page ; celles hors de la page ne sont pas comptées).")
    s = call(editor, f"add('{B}')")  # B is Alpha's and Beta's
    assert editor.text_content("#v-partage") == ("1 unité partagée, 15\u202f000 hab. (parmi ses unités de cette "
                                                 "page ; celles hors de la page ne sont pas comptées)")


def expected_flows(codes: list[str]) -> dict[str, float]:
    od = case.od().assign(groupe="Médecins généralistes")
    row = territory_flow_indicators(od, codes)["synthese"].iloc[0]
    return {"autoconfinement": row["auto_confinement"], "attraction": row["attraction"],
            "recours_non_affectes": row["non_affecte"]}


def test_self_containment_by_hand_and_as_the_diagnostic_computes_it(editor: Any) -> None:
    s = call(editor, "state()")
    # Residents of A, B, D: 220 + 100 + 40 = 360 served consultations, 290 of them inside; 5 unserved.
    assert s["recours_residents"] == 360 and s["recours_internes"] == 290
    assert s["autoconfinement"] == pytest.approx(290 / 360)
    # Made inside: 315, of which C→B 10, E→A 10 and 01099→A 5 come from outside.
    assert s["attraction"] == pytest.approx(25 / 315)
    assert s["recours_non_affectes"] == 5
    for codes in ([A, B, D], [A, B], [C, E, F], [A, B, C, D, E, F]):
        s = call(editor, f"load({codes!r})")
        expected = expected_flows(codes)
        assert s["autoconfinement"] == pytest.approx(expected["autoconfinement"], nan_ok=True)
        assert s["attraction"] == pytest.approx(expected["attraction"], nan_ok=True)
        assert s["recours_non_affectes"] == pytest.approx(expected["recours_non_affectes"])
    assert call(editor, f"load(['{A}', '{B}'])")["autoconfinement"] == pytest.approx(250 / 320)


def test_self_containment_is_unavailable_without_flows(editor: Any) -> None:
    s = call(editor, f"load(['{F}'])")
    assert s["autoconfinement"] is None and s["recours_residents"] == 0
    assert editor.text_content("#v-autoconfinement") == "non disponible"


def test_cut_bassins_de_vie_and_epci(editor: Any) -> None:
    s = call(editor, "state()")
    assert s["bassins_coupes"] == [
        {"code": "01001", "nom": "Aubert", "unites_dans_perimetre": 2, "unites_total": 3},
        {"code": "01002", "nom": "Belleville", "unites_dans_perimetre": 1, "unites_total": 4},
    ]
    assert [(e["code"], e["unites_dans_perimetre"], e["unites_total"]) for e in s["epci_coupes"]] == [
        ("200000001", 2, 3), ("200000002", 1, 3)]
    assert [li.text_content() for li in editor.locator("#l-bv li").all()] == [
        "Aubert (01001) : 2 unités sur 3 dans le périmètre", "Belleville (01002) : 1 unité sur 4 dans le périmètre"]
    s = call(editor, f"load(['{A}', '{B}', '{C}'])")
    assert s["epci_coupes"] == []  # all of CC Nord
    s = call(editor, f"load({[A, B, C, D, E, F, G]!r})")
    # Every unit of the page, but BV 01001 has a third unit outside the zone (bv_totals).
    assert [b["code"] for b in s["bassins_coupes"]] == ["01001"] and s["epci_coupes"] == []


def test_clicking_a_unit_on_the_map_adds_then_removes_it(editor: Any) -> None:
    assert editor.text_content("#v-population") == "41\u202f000 habitants"
    point = editor.evaluate("(() => { const p = window.cptsEditor.map.latLngToContainerPoint([45.15, 5.25]);"
                            " return [p.x, p.y]; })()")
    box = editor.locator("#map").bounding_box()
    editor.mouse.click(box["x"] + point[0], box["y"] + point[1])
    settle(editor)
    assert call(editor, "state()")["communes"] == [A, B, C, D]
    assert editor.text_content("#v-population") == "49\u202f000 habitants"
    assert "CPTS Beta" in editor.text_content("#l-partage")
    # The tooltip under the mouse follows the change.
    assert "Dans le périmètre" in editor.text_content(".unit-tip")
    screenshot(editor, SCREENS / "editeur-synthetique-clic.png")
    editor.mouse.click(box["x"] + point[0], box["y"] + point[1])
    settle(editor)
    assert call(editor, "state()")["communes"] == [A, B, D]


def test_outline_is_the_border_between_selected_and_other_units(editor: Any) -> None:
    # A, B, D form an L of three 0.1° squares: 8 outer edges (A top/left, B top/right/bottom, D left/bottom/right).
    segments = call(editor, "outline()")
    assert len(segments) == 8
    assert sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in segments) == pytest.approx(0.8, abs=1e-4)


def test_export_downloads_a_csv_that_the_territory_reader_accepts(editor: Any, tmp_path: Path) -> None:
    call(editor, f"add('{F}')")
    editor.fill("#perimeter-name", "Périmètre négocié n°2")
    with editor.expect_download() as info:
        editor.click("#btn-export")
    download = info.value
    assert download.suggested_filename == "perimetre-perimetre-negocie-n-2.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    raw = target.read_bytes()
    # The page opened on « CPTS Alpha » of listing L1: each row names the CPTS it redraws.
    assert raw.startswith(b"\xef\xbb\xbfcode_insee,nom,cpts_redessinee,liste\r\n")
    frame = read_csv_checked(target, required=["code_insee", "nom", "cpts_redessinee", "liste"])
    assert frame["code_insee"].tolist() == [A, B, D, F]
    assert frame["nom"].tolist() == ["Aubert-lès-Bains", "Belleville-sur-Saône", "Dompierre", "Saint-Œuf"]
    assert set(frame["cpts_redessinee"]) == {"CPTS Alpha"} and set(frame["liste"]) == {"L1"}


def test_an_empty_perimeter_is_not_exported(editor: Any) -> None:
    call(editor, "load([])")
    editor.click("#btn-export")
    settle(editor)
    assert editor.text_content("#message") == "Périmètre vide : rien à exporter"


def test_import_reads_a_spreadsheet_csv_with_lost_leading_zeros(editor: Any, tmp_path: Path) -> None:
    source = tmp_path / "liste.csv"
    source.write_text("Nom;Code_INSEE\nCésy;1003\nÉcully;01005\nInconnue;99999\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("window.cptsEditor.state().communes.length === 2")
    s = call(editor, "state()")
    assert s["communes"] == [C, E] and s["codes_inconnus"] == ["99999"]
    assert "99999" in editor.text_content("#message")


def test_import_of_an_export_edits_its_cpts_again(editor: Any, tmp_path: Path) -> None:
    """A review: the page opened on CPTS Alpha imported an export redrawing CPTS Beta and counted Beta as another
    CPTS sharing its units, while the diagnostic of the same file leaves Beta out."""
    call(editor, "startFrom('CPTS Beta')")
    call(editor, f"add('{A}')")
    source = tmp_path / "beta.csv"
    source.write_text(call(editor, "csv()"), encoding="utf-8")
    call(editor, "startFrom('CPTS Alpha')")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("window.cptsEditor.state().cpts_editee === 'CPTS Beta'")
    s = call(editor, "state()")
    assert s["communes"] == [A, B, C]
    # A and B are Alpha's: shared with Alpha, never with Beta, the CPTS being redrawn.
    assert [p["cpts"] for p in s["partage"]] == ["CPTS Alpha"] and s["unites_partagees"] == [A, B]
    assert call(editor, "csv()").splitlines()[1] == f"{A},Aubert-lès-Bains,CPTS Beta,L1"
    # The listing in another case is the same listing, as the diagnostic of the file reads it (a review: « PACA »
    # for « paca » opened a new perimeter, counting the CPTS redrawn as a neighbour sharing its own units).
    call(editor, "startFrom('CPTS Alpha')")
    source.write_text(f"code_insee,cpts_redessinee,liste\n{A},cpts beta,l1\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("window.cptsEditor.state().cpts_editee === 'CPTS Beta'")
    s = call(editor, "state()")
    assert s["communes"] == [A] and [p["cpts"] for p in s["partage"]] == ["CPTS Alpha"]
    # Two CPTS in one file: nothing is loaded, as TERRITORY=fichier: refuses it.
    source.write_text(f"code_insee,cpts_redessinee\n{A},CPTS Beta\n{C},CPTS Alpha\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("document.querySelector('#message').textContent.indexOf('Plusieurs') === 0")
    assert call(editor, "state()")["communes"] == [A]


def test_import_naming_a_cpts_absent_from_the_page_is_a_new_perimeter(editor: Any, tmp_path: Path) -> None:
    """A review: the page kept editing CPTS Beta, so it left Beta out of the sharing, while the diagnostic of the
    same file (a CPTS it does not know) counts Beta as sharing B."""
    call(editor, "startFrom('CPTS Beta')")
    source = tmp_path / "absente.csv"
    source.write_text(f"code_insee,cpts_redessinee,liste\n{B}\n{C},CPTS Inexistante,L9\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("window.cptsEditor.state().cpts_editee === null")
    s = call(editor, "state()")
    assert s["communes"] == [B, C]
    # Beta is another CPTS again: it shares B and C, Alpha shares B.
    assert sorted((p["cpts"], tuple(p["communes"])) for p in s["partage"]) == [("CPTS Alpha", (B,)),
                                                                              ("CPTS Beta", (B, C))]
    assert editor.text_content("#message") == ("CPTS redessinée « CPTS Inexistante » (liste L9) absente de cette page "
                                               ": le périmètre importé est édité comme un nouveau périmètre ; 2 "
                                               "unités chargées")
    assert call(editor, "csv()").splitlines()[0] == "\ufeffcode_insee,nom"


def test_undo_after_starting_from_another_cpts_gives_back_the_edited_cpts(editor: Any) -> None:
    call(editor, "startFrom('CPTS Beta')")
    s = call(editor, "undo()")
    assert s["cpts_editee"] == "CPTS Alpha" and s["communes"] == [A, B, D]
    assert s["unites_partagees"] == [B]  # shared with Beta again, Alpha being edited
    assert call(editor, "csv()").splitlines()[1].endswith(",CPTS Alpha,L1")


def test_a_leading_quote_in_a_cpts_name_is_doubled_in_the_export(editor: Any) -> None:
    # « '=X » and « =X » are two names: the export writes « ''=X » and « '=X », and the readers undo one quote.
    read = "window.CptsEditorCore.redrawnFromCsv('code_insee,cpts_redessinee\\n1,{}')"
    assert editor.evaluate(read.format("\\'\\'=X")) == {"cpts": "'=X", "liste": None, "several": False}
    assert editor.evaluate(read.format("\\'=X"))["cpts"] == "=X"


def test_import_refuses_a_file_without_a_code_column_as_the_command_line_does(editor: Any, tmp_path: Path) -> None:
    """An origin–destination table (or a headerless list) used to be read from its first column: a review loaded
    18 units from the origins of a FLUX= table that ``TERRITORY=fichier:`` refuses."""
    before = call(editor, "state()")["communes"]
    source = tmp_path / "flux.csv"
    source.write_text(f"origine;destination;volume\n{C};{E};5\n{E};{C};3\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("document.querySelector('#message').textContent.indexOf('flux.csv') >= 0")
    assert editor.text_content("#message") == (
        "Colonne de codes absente dans flux.csv : attendu l’une de " + ", ".join(CODE_COLUMNS)
        + " (comme pour TERRITORY=fichier:) ; rien n’est chargé")
    assert call(editor, "state()")["communes"] == before
    assert editor.evaluate("window.CptsEditorCore.CODE_COLUMNS") == list(CODE_COLUMNS)
    assert editor.evaluate("window.CptsEditorCore.NAME_COLUMNS") == list(file_names.NAME_COLUMNS)
    assert sorted(editor.evaluate("window.CptsEditorCore.NAME_WORDS")) == sorted(file_names.NAME_WORDS)
    assert sorted(editor.evaluate("window.CptsEditorCore.SMALL_WORDS")) == sorted(file_names.SMALL_WORDS)
    assert sorted(editor.evaluate("window.CptsEditorCore.FIRST_NAMES")) == sorted(file_names.FIRST_NAMES)
    # The same names column as the command line's (pipeline.store.territory.file_names.name_column).
    for header in ("CODGEO;LIBGEO", "nom;prenom;code_insee;ville", "Nom du médecin;COMMUNE;code", "code;nom_cpts"):
        picked = editor.evaluate("t => { const r = window.CptsEditorImport.readTable(t); "
                                 "return r.name < 0 ? null : r.headers[r.name]; }", f"{header}\n04070;x;y;z\n")
        columns = header.split(";")
        code = next(c for c in columns if c.lower().startswith(("cod", "insee")))
        assert picked == file_names.name_column(columns, code), header


def test_search_finds_a_commune_whatever_its_accents(editor: Any) -> None:
    editor.fill("#search", "saint oeuf")
    items = editor.locator("#search-results li")
    assert items.count() == 1
    assert items.first.text_content().startswith("Saint-Œuf (01006")
    items.first.locator("button").click()
    assert F in call(editor, "state()")["communes"]
    editor.fill("#search", "ECULLY")
    assert editor.locator("#search-results li").first.text_content().startswith("Écully-le-Haut")


def test_undo_restores_the_previous_perimeter(editor: Any) -> None:
    call(editor, f"add('{C}')")
    call(editor, f"remove('{A}')")
    assert call(editor, "undo()")["communes"] == [A, B, C, D]
    assert call(editor, "undo()")["communes"] == [A, B, D]


def test_starting_from_another_listed_cpts_changes_who_is_the_other(editor: Any) -> None:
    s = call(editor, "startFrom('CPTS Beta')")
    assert s["communes"] == [B, C] and s["cpts_editee"] == "CPTS Beta"
    # B is now shared with CPTS Alpha; removing C (claimed by Beta only) creates a white zone.
    assert s["partage"] == [{"cpts": "CPTS Alpha", "liste": "L1", "communes": [B], "population": 15_000}]
    assert call(editor, f"remove('{C}')")["zones_blanches_creees"] == [C]


def test_same_name_in_another_listing_is_another_cpts(tmp_path: Path) -> None:
    # As the diagnostic's neighbours table: only the edited name *in its listing* is left out.
    perimeters = [ListedPerimeter("CPTS Alpha", "L1", (A, B, D)), ListedPerimeter("CPTS Alpha", "L2", (B,))]
    data = case.editor_data(perimeters=perimeters, initial=InitialPerimeter(
        codes=(A, B, D), name="CPTS Alpha", cpts="CPTS Alpha", listing="L1"))
    page, errors, console = open_page(write_editor_page(data, tmp_path / "editeur.html").path)
    try:
        s = call(page, "state()")
        assert s["partage"] == [{"cpts": "CPTS Alpha", "liste": "L2", "communes": [B], "population": 15_000}]
        s = call(page, "startFrom('CPTS Alpha', 'L2')")
        assert s["communes"] == [B]
        assert s["partage"] == [{"cpts": "CPTS Alpha", "liste": "L1", "communes": [B], "population": 15_000}]
        assert call(page, "csv()").splitlines()[1] == f"{B},Belleville-sur-Saône,CPTS Alpha,L2"
        # A file naming the CPTS without its listing is ambiguous here: refused, as TERRITORY=fichier: does.
        source = tmp_path / "ambigu.csv"
        source.write_text(f"code_insee,cpts_redessinee\n{A},CPTS Alpha\n", encoding="utf-8")
        page.set_input_files("#file-import", str(source))
        page.wait_for_function("document.querySelector('#message').textContent.indexOf('plusieurs listes') >= 0")
        assert call(page, "state()")["communes"] == [B]
        assert errors == [] and console == []
    finally:
        close_page(page)


def test_units_of_a_region_without_listing_are_of_unknown_coverage_not_white_zones(tmp_path: Path) -> None:
    # D (claimed by the edited CPTS only) and F (claimed by none) lie in a région no loaded listing speaks for:
    # removing D or adding F neither creates nor absorbs a white zone, as the coverage counts none there. B, in
    # such a région too but claimed by CPTS Beta, stays a shared unit (a claim is known wherever it lies).
    data = case.editor_data(unknown_coverage=frozenset({B, D, F}))
    page, errors, console = open_page(write_editor_page(data, tmp_path / "editeur.html").path)
    try:
        s = call(page, f"remove('{D}')")
        assert s["zones_blanches_creees"] == [] and s["couverture_inconnue"] == [D]
        s = call(page, f"add('{F}')")
        assert s["zones_blanches_absorbees"] == [] and s["couverture_inconnue"] == [D, F]
        assert s["population_zones_blanches_absorbees"] == 0 and s["population_zones_blanches_creees"] == 0
        assert s["unites_partagees"] == [B]
        s = call(page, f"add('{C}')")  # claimed by CPTS Beta: known, neither white nor unknown
        assert s["couverture_inconnue"] == [D, F]
        settle(page)
        assert page.text_content("#v-inconnues") == (
            "2 unités ajoutées ou retirées sans CPTS connue dans un département dont les listes de CPTS chargées ne "
            "rendent pas compte : couverture non connue, ni créée ni absorbée.")
        assert page.text_content("#v-creees") == "Créées : aucune"
        # The map says so too (a review: every unit of the Gironde, no listing loaded, was painted and described as
        # a white zone). D, removed, and F, outside: neither in the legend's white-zone colour; C selected is red.
        call(page, f"remove('{C}')")
        call(page, f"remove('{F}')")
        fills = page.evaluate(FILLS)
        assert WHITE_ZONE not in fills and fills[3] == fills[5] == "#9aa3ad"  # D and F
        assert hover_text(page, 45.05, 5.25).startswith("Saint-Œuf (01006)300 hab. (population légale 2017)Aucune "
                                                        "CPTS connue : couverture inconnue (aucune liste chargée)")
        assert page.is_visible("#legend-unknown") and page.is_visible("#legend-white")
        assert page.inner_text("#legend-unknown") == ("Hors périmètre, couverture inconnue (aucune liste de CPTS "
                                                        "chargée pour ce territoire)")
        call(page, f"add('{F}')")  # a unit of unknown coverage in the perimeter is blue, as any other
        assert page.evaluate(FILLS)[5] == "#1f6feb"
        assert errors == [] and console == []
    finally:
        close_page(page)
    # The page of a zone without such units says nothing of it.
    page, errors, console = open_page(write_editor_page(case.editor_data(), tmp_path / "autre.html").path)
    try:
        assert page.evaluate(FILLS)[5] == WHITE_ZONE and page.is_hidden("#legend-unknown")
        assert "Aucune CPTS (zone blanche)" in hover_text(page, 45.05, 5.25)
        s = call(page, f"add('{F}')")
        assert s["couverture_inconnue"] == [] and s["zones_blanches_absorbees"] == [F]
        settle(page)
        assert page.text_content("#v-inconnues") == ""
    finally:
        close_page(page)


def test_export_of_a_hostile_cpts_name_reads_back_exactly(editor: Any, tmp_path: Path) -> None:
    call(editor, f"startFrom({case.HOSTILE!r})")
    target = tmp_path / "p.csv"
    target.write_text(call(editor, "csv()"), encoding="utf-8")
    frame = read_csv_checked(target, required=["code_insee", "cpts_redessinee", "liste"])
    assert set(frame["cpts_redessinee"]) == {case.HOSTILE} and set(frame["liste"]) == {"L2"}


def test_the_export_keeps_the_units_of_the_cpts_outside_the_page(editor: Any, tmp_path: Path) -> None:
    """A review: a CPTS with units outside the page's zone was exported without them, its file still naming the
    CPTS redrawn, so that its diagnostic read them as removed (Pays d'Aubagne: 12 units instead of 14). Here the
    third listed CPTS has E on the page and 02001 outside its zone."""
    call(editor, f"startFrom({case.HOSTILE!r})")
    call(editor, f"add('{C}')")
    lines = call(editor, "csv()").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [C, E, "02001"]
    assert lines[-1].startswith("02001,,")
    source = tmp_path / "export.csv"
    source.write_text(call(editor, "csv()"), encoding="utf-8")
    # Read back on the page: 02001 is kept for the export, not « inconnu »; the same file again.
    call(editor, "startFrom('CPTS Alpha')")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function(f"window.cptsEditor.state().cpts_editee === {case.HOSTILE!r}")
    s = call(editor, "state()")
    assert s["communes"] == [C, E] and s["codes_inconnus"] == []
    assert s["unites_hors_zone"] == 1 and s["taille"] is None  # 02001 kept, outside the page: not whole here
    said = editor.text_content("#message")
    assert "1 unité de " in said and "gardée pour l’export" in said
    assert call(editor, "csv()") == source.read_bytes().decode("utf-8")
    # A file of that CPTS without 02001 (removed on a page that showed it) keeps it out.
    quoted = '"' + case.HOSTILE.replace('"', '""') + '"'
    # 02001 twice in the file: written once (a review: twice, « 2 unités … gardées »).
    source.write_text(f"code_insee,cpts_redessinee,liste\n{E},{quoted},L2\n02001,{quoted},L2\n02001,{quoted},L2\n",
                      encoding="utf-8")
    call(editor, "startFrom('CPTS Alpha')")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function(f"window.cptsEditor.state().cpts_editee === {case.HOSTILE!r}")
    assert [line.split(",")[0] for line in call(editor, "csv()").splitlines()[1:]] == [E, "02001"]
    assert "1 unité de " in editor.text_content("#message")
    source.write_text(f"code_insee,cpts_redessinee,liste\n{E},{quoted},L2\n", encoding="utf-8")
    call(editor, "startFrom('CPTS Alpha')")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function(f"window.cptsEditor.state().cpts_editee === {case.HOSTILE!r}")
    assert [line.split(",")[0] for line in call(editor, "csv()").splitlines()[1:]] == [E]
    # Redrawn without its unit outside the zone, the CPTS is whole on the page: its taille is known again.
    s = call(editor, "state()")
    assert s["unites_hors_zone"] == 0 and s["taille"] is not None


def test_unknown_codes_are_reported_not_added(editor: Any) -> None:
    s = call(editor, "add(['4070', ' 01003 ', 'Lyon'])")
    assert C in s["communes"] and s["codes_inconnus"] == ["4070", "Lyon"]
    # A page cannot tell an unknown code from a commune outside its zone: said so, and that the export lacks them.
    # What is no code is said so, and a code read otherwise than typed says how (a review: « null » was said to be
    # outside the loaded départements, « 1004 » shown without its leading zero).
    assert editor.text_content("#message") == (
        "Codes absents de cette page, non ajoutés : « Lyon » (n'est pas un code INSEE) ; 4070 lu 04070 (codes "
        "inconnus, ou communes hors de la zone de cette page : absents de l'export)")
    call(editor, "add(null)")
    assert editor.text_content("#message") == ("Codes absents de cette page, non ajoutés : « null » (n'est pas un "
                                                "code INSEE)")


def test_city_code_selects_its_arrondissements(tmp_path: Path) -> None:
    frame = case.units().iloc[:3].copy()
    frame["code"] = ["13201", "13202", "13203"]
    frame["departement"] = "13"
    data = case.editor_data(units=frame, perimeters=[], od=None, bv_totals=None, demo=False,
                            initial=InitialPerimeter())
    path = write_editor_page(data, tmp_path / "editeur.html").path
    page, errors, console = open_page(path)
    try:
        s = call(page, "state()")
        assert s["communes"] == [] and s["autoconfinement"] is None
        assert page.is_hidden("#demo-banner")
        s = call(page, "add('13055')")
        assert s["communes"] == ["13201", "13202", "13203"] and s["population"] == 48_000
        assert call(page, "remove('13055')")["communes"] == []
        assert errors == [] and console == [] and blocked_requests(page) == []
    finally:
        close_page(page)


def test_funding_names_its_agreement_for_people(editor: Any) -> None:
    """A review: the panel showed the internal key « ACI-2019-avenant-2 »."""
    text = editor.text_content("#v-financement")
    assert text.startswith("Financement annuel (montants de l'ACI du 20 juin 2019, hors révisions des avenants "
                           "suivants ; mission de crise de l'avenant 2 de décembre 2021) : au moins ")
    assert "ACI-2019" not in text
    # The crisis mission has no amount in the sources: the totals are floors, never a « maximum » (a review).
    assert "maximum" not in text and "le financement possible est au moins celui indiqué" in text


def test_demo_banner_and_sources_are_shown(editor: Any) -> None:
    assert editor.is_visible("#demo-banner")
    assert editor.text_content("#demo-banner") == "Données fictives de démonstration"
    assert "synthétiques" in editor.text_content("#sources")
    assert "2 mars 2026" in editor.text_content("#generated")
    assert editor.title() == "Éditeur de périmètre — cas d'essai"


def test_a_cpts_partly_outside_the_zone_says_its_figures_are_partial(editor: Any) -> None:
    # The hostile-named CPTS claims E and 02001, which is outside the page's zone: 2 units, 1 not drawn.
    option = editor.evaluate("""() => [...document.querySelectorAll('#start-cpts option')]
        .map(o => o.textContent).find(t => t.includes('Gamma'))""")
    assert option.endswith("(liste L2, 2 unités, dont 1 hors zone non affichées : chiffres partiels)")
    index = editor.evaluate("""() => [...document.querySelectorAll('#start-cpts option')]
        .find(o => o.textContent.includes('Gamma')).value""")
    editor.select_option("#start-cpts", index)
    assert call(editor, "state()")["communes"] == [E]
    assert ("1 de ses 2 unités est hors de la zone de cette page, les chiffres ne portent que sur sa partie dans "
            "la zone (1 unité ;") in editor.text_content("#message")
    # Its taille, funding margins and self-containment are those of the whole CPTS, which this page does not hold:
    # « non disponible », as for a CPTS beyond the load, never the part's figures read as the CPTS's (a review read
    # « taille 1, il manque 20 112 habitants pour la taille 2 » for a CPTS across a région's boundary).
    s = call(editor, "state()")
    assert s["unites_hors_zone"] == 1 and s["taille"] is None and s["autoconfinement"] is None
    assert editor.text_content("#v-taille") == "non disponible"
    assert editor.text_content("#v-financement").startswith(
        "Taille non disponible : 1 unité de la CPTS est hors de la zone de cette page (choisissez une zone qui la "
        "contient entière)")
    assert editor.text_content("#v-seuils") == ""
    # Starting from a CPTS wholly in the zone gives its figures back.
    alpha = editor.evaluate("""() => [...document.querySelectorAll('#start-cpts option')]
        .find(o => o.textContent.startsWith('CPTS Alpha')).value""")
    editor.select_option("#start-cpts", alpha)
    s = call(editor, "state()")
    assert s["cpts_editee"] == "CPTS Alpha" and s["unites_hors_zone"] == 0 and s["taille"] is not None


def test_zones_reaching_beyond_the_page_leave_the_counts_of_a_cpts_partly_outside_it_unknown(editor: Any) -> None:
    """A review: the Gapençais (3 units in the 04, 28 in the 05), edited on the 04's page, read « 1 unité sur 26 »
    for Gap's bassin de vie (14 of 26), and « hors des départements chargés » for units only off the page. Gamma
    claims E and 02001 (off the page). With A added: BV 01001 (A and D on the page, a third unit off it) may hold
    02001, its count is unknown; BV 01002 (B, C, E, F, all on the page) is known, 1 of 4."""
    index = editor.evaluate("""() => [...document.querySelectorAll('#start-cpts option')]
        .find(o => o.textContent.includes('Gamma')).value""")
    editor.select_option("#start-cpts", index)
    s = call(editor, f"add('{A}')")
    assert s["unites_hors_zone"] == 1 and s["communes"] == [A, E]
    assert s["bassins_coupes"] == [
        {"code": "01001", "nom": "Aubert", "unites_dans_perimetre": None, "unites_total": 3},
        {"code": "01002", "nom": "Belleville", "unites_dans_perimetre": 1, "unites_total": 4},
    ]
    assert [li.text_content() for li in editor.locator("#l-bv li").all()] == [
        "Aubert (01001) : unités dans le périmètre non disponible (la zone déborde de cette page), 3 en tout",
        "Belleville (01002) : 1 unité sur 4 dans le périmètre"]
    assert editor.text_content("#v-coupes-hors-base").startswith(
        "Zones coupées : les unités de la CPTS hors de la zone de cette page ne sont placées dans aucune zone")
    assert editor.text_content("#v-parties") == ("Continuité du périmètre : non disponible (ses unités hors de la "
                                                 "zone de cette page n'y ont pas de contour).")


def test_arrow_keys_on_the_cpts_list_browse_it_and_enter_starts_from_the_one_shown(editor: Any) -> None:
    """A review: each arrow key on the closed « Partir d'une CPTS » list replaced the perimeter being edited (three
    presses, three CPTS in turn, the edits lost)."""
    s = call(editor, f"add('{C}')")
    assert s["cpts_editee"] == "CPTS Alpha" and s["communes"] == [A, B, C, D]
    editor.focus("#start-cpts")
    for _ in range(2):
        editor.keyboard.press("ArrowDown")
    s = call(editor, "state()")
    assert s["cpts_editee"] == "CPTS Alpha" and s["communes"] == [A, B, C, D]
    shown = editor.evaluate("document.getElementById('start-cpts').selectedOptions[0].textContent")
    assert not shown.startswith("CPTS Alpha")
    # Leaving the list puts back the CPTS edited; Entrée starts from the one shown.
    editor.keyboard.press("Tab")
    assert editor.evaluate("document.getElementById('start-cpts').selectedOptions[0].textContent").startswith(
        "CPTS Alpha")
    editor.focus("#start-cpts")
    editor.keyboard.press("ArrowDown")
    shown = editor.evaluate("document.getElementById('start-cpts').selectedOptions[0].textContent")
    editor.keyboard.press("Enter")
    assert shown.startswith(call(editor, "state()")["cpts_editee"])
    # The edits before are one undo away.
    assert call(editor, "undo()")["communes"] == [A, B, C, D]


def test_parts_of_the_drawn_perimeter_are_counted_as_the_diagnostic_counts_them(editor: Any) -> None:
    # The initial A, B, D touch each other: one piece.
    s = call(editor, "state()")
    assert s["parties"] == 1 and s["hors_partie_principale"] == []
    assert editor.text_content("#v-parties") == "Périmètre d'un seul tenant"
    # A (25 000) and C (8 000) are 0.1° apart: two parts, C outside the main one, named in the panel.
    s = call(editor, f"load(['{A}', '{C}'])")
    assert s["parties"] == 2 and s["hors_partie_principale"] == [C]
    assert editor.text_content("#v-parties").startswith("Périmètre en 2 parties séparées de plus de 50 m")
    assert "Césy" in editor.text_content("#l-parties")
    # B joins them (A–B and B–C share sides): one piece again.
    s = call(editor, f"add('{B}')")
    assert s["parties"] == 1 and editor.text_content("#l-parties") == ""
    # D is apart from C and F, which share a side: C + F (8 300) is the main part, D (1 000) outside it.
    s = call(editor, f"load(['{D}', '{F}', '{C}'])")
    assert s["parties"] == 2 and s["hors_partie_principale"] == [D]  # C and F share a side
    s = call(editor, f"load(['{D}', '{C}', '{A}', '{F}'])")
    assert s["parties"] == 2 and s["hors_partie_principale"] == [C, F]  # A + D = 26 000 > C + F = 8 300
    # G has no polygon: its place is unknown, so is the continuity of the whole perimeter (as the diagnostic says).
    s = call(editor, f"load(['{A}', '{B}', '{G}'])")
    assert s["parties"] is None and s["parties_dessinees"] == 1 and s["sans_contour"] == [G]
    assert editor.text_content("#v-parties").startswith("Unités dessinées d'un seul tenant — continuité du "
                                                        "périmètre entier non disponible (sans contour :")


def test_a_cpts_with_communes_beyond_the_load_has_no_containment_continuity_nor_cut_counts(tmp_path: Path) -> None:
    """A review: « CPTS Hauts Pays du Verdon & Monts d'Azur » (11 communes in unloaded départements) showed its
    self-containment, « Périmètre d'un seul tenant » and the units of its bassins de vie, where its diagnostic says
    « non disponible » (``pertinence.parties_du_perimetre.nombre`` null, a zone reaching beyond its counts null)."""
    perimeters = [ListedPerimeter("CPTS Alpha", "L1", (A, B, D), beyond_the_load=2), *case.perimeters()[1:]]
    # Bassin de vie 01001 (A, D) has its third unit beyond the load, 01002 is whole on the page; EPCI too.
    data = case.editor_data(perimeters=perimeters, bv_beyond={"01001": 1})
    page, errors, console = open_page(write_editor_page(data, tmp_path / "editeur.html").path)
    try:
        s = call(page, f"load(['{A}', '{B}'])")
        assert s["communes_hors_base"] == 2 and s["taille"] is None
        assert s["autoconfinement"] is None and s["attraction"] is None
        assert s["parties"] is None and s["parties_dessinees"] == 1 and s["hors_partie_principale"] == []
        assert s["bassins_coupes"] == [
            {"code": "01001", "nom": "Aubert", "unites_dans_perimetre": None, "unites_total": 3},
            {"code": "01002", "nom": "Belleville", "unites_dans_perimetre": 1, "unites_total": 4}]
        assert [e["unites_dans_perimetre"] for e in s["epci_coupes"]] == [2]
        settle(page)
        why = "2 communes de la CPTS dans sa liste sont hors des départements chargés dans la base"
        assert page.text_content("#v-autoconfinement") == "non disponible"
        assert page.text_content("#v-flux-detail").startswith(f"Auto-confinement et attraction non disponibles : {why}")
        assert page.text_content("#v-parties") == ("Continuité du périmètre : non disponible (ses communes hors des "
                                                   "départements chargés dans la base n'y ont pas de contour).")
        assert page.locator("#l-bv li").first.text_content() == (
            "Aubert (01001) : unités dans le périmètre non disponible (la zone déborde des départements chargés), 3 "
            "en tout")
        assert page.text_content("#v-coupes-hors-base").startswith("Zones coupées : les communes de la CPTS hors")
        # Another CPTS, whole in the load: every figure again.
        s = call(page, "startFrom('CPTS Beta')")
        assert s["autoconfinement"] is not None and s["parties"] == 1
        assert all(z["unites_dans_perimetre"] is not None for z in s["bassins_coupes"])
        settle(page)
        assert page.text_content("#v-parties") == "Périmètre d'un seul tenant"
        assert page.text_content("#v-coupes-hors-base") == ""
        assert errors == [] and console == []
    finally:
        close_page(page)


def test_one_import_is_one_undo(editor: Any, tmp_path: Path) -> None:
    """A review: one undo after importing a file that redraws a CPTS gave back the units of the CPTS edited before
    but neither its name nor the CPTS edited (the import had left two undo entries)."""
    before = call(editor, "state()")
    for content in (f"code_insee,cpts_redessinee,liste\n{B}\n{C},CPTS Beta,L1\n",
                    f"code_insee,cpts_redessinee\n{C},CPTS Absente\n", f"code_insee\n{C}\n{E}\n"):
        source = tmp_path / "liste.csv"
        source.write_text(content, encoding="utf-8")
        editor.set_input_files("#file-import", str(source))
        editor.wait_for_function("window.cptsEditor.state().cpts_editee !== 'CPTS Alpha'")
        s = call(editor, "undo()")
        assert (s["cpts_editee"], s["communes"], s["nom"]) == ("CPTS Alpha", before["communes"], "CPTS Alpha")
        assert s["partage"] == before["partage"] and s["zones_blanches_creees"] == []
        assert editor.is_disabled("#btn-undo")  # nothing else to undo on a page just opened
        assert editor.input_value("#start-cpts") == editor.evaluate(
            "[...document.querySelectorAll('#start-cpts option')].find(o => o.textContent.startsWith('CPTS Alpha'))"
            ".value")


def test_a_plain_commune_list_is_a_new_perimeter_not_the_cpts_redrawn(editor: Any, tmp_path: Path) -> None:
    """A review: a list without ``cpts_redessinee`` imported on a page editing a CPTS kept editing it, so the shared
    population left that CPTS out and the export named it, where ``TERRITORY=fichier:`` of the file counts it."""
    source = tmp_path / "liste-simple.csv"
    source.write_text(f"code_insee\n{A}\n{C}\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("window.cptsEditor.state().cpts_editee === null")
    s = call(editor, "state()")
    # A is Alpha's, C Beta's: both shared, Alpha being no longer the CPTS edited.
    assert s["unites_partagees"] == [A, C] and s["population_partagee"] == 25_000 + 8_000
    assert s["nom"] == "liste-simple" and editor.input_value("#start-cpts") == ""
    assert editor.text_content("#message") == (
        "2 unités chargées ; liste sans colonne cpts_redessinee : importée comme un nouveau périmètre (comme "
        "TERRITORY=fichier: la lit), CPTS Alpha n’est plus la CPTS éditée")
    assert call(editor, "csv()").splitlines()[0] == "\ufeffcode_insee,nom"


def test_the_start_list_shows_the_cpts_the_page_opened_on(editor: Any) -> None:
    shown = editor.evaluate("document.getElementById('start-cpts').selectedOptions[0].textContent")
    assert shown.startswith("CPTS Alpha (liste L1")
    call(editor, "startFrom('CPTS Beta')")
    assert editor.evaluate("document.getElementById('start-cpts').selectedOptions[0].textContent").startswith(
        "CPTS Beta (liste L1")
    call(editor, "undo()")
    assert editor.evaluate("document.getElementById('start-cpts').selectedOptions[0].textContent").startswith(
        "CPTS Alpha (liste L1")


def test_the_search_list_closes_when_leaving_it_and_names_its_active_option(editor: Any) -> None:
    """A review: after a search, Tab left the list open over the Exporter and Importer buttons."""
    editor.fill("#search", "e")
    assert editor.is_visible("#search-results")
    editor.press("#search", "Tab")
    assert editor.is_hidden("#search-results")
    assert editor.evaluate("document.activeElement.id") == "btn-export"
    editor.focus("#search")
    assert editor.is_visible("#search-results")
    assert editor.get_attribute("#search", "aria-controls") == "search-results"
    assert editor.get_attribute("#search", "aria-expanded") == "true"
    editor.press("#search", "ArrowDown")
    editor.press("#search", "ArrowDown")
    active = editor.locator("#search-results li.active")
    assert active.count() == 1
    assert editor.get_attribute("#search", "aria-activedescendant") == active.get_attribute("id")
    # A click on a result's button still adds it (the press does not close the list first).
    label = str(editor.locator("#search-results li").nth(0).locator(".label").text_content())
    editor.locator("#search-results li").nth(0).locator("button").click()
    assert label.split("(")[1][:5] in call(editor, "state()")["communes"]
    assert editor.is_visible("#search-results")
    editor.press("#search", "Escape")
    assert editor.is_hidden("#search-results")


def test_the_export_keeps_the_communes_of_the_cpts_beyond_the_load(tmp_path: Path) -> None:
    """A review: « CPTS du Gapençais » on the 04 page (28 of its communes in the unloaded 05) was exported with its
    3 communes of 04 only, still named redrawn: its file's diagnostic read taille 1 and a self-containment where the
    page said « non disponible ». Its listed codes beyond the load are written back, as listed, and kept on import;
    the share of shared population is unknown, as in its diagnostic."""
    beyond = ("05001", "05003")
    perimeters = [ListedPerimeter("CPTS Alpha", "L1", (A, B, D), beyond_the_load=2, beyond_the_load_codes=beyond),
                  *case.perimeters()[1:]]
    page, errors, console = open_page(write_editor_page(case.editor_data(perimeters=perimeters),
                                                        tmp_path / "editeur.html").path)
    try:
        # The page opens on CPTS Alpha (CPTS=): its export already carries them.
        lines = call(page, "csv()").splitlines()
        assert [line.split(",")[0] for line in lines[1:]] == [A, B, D, *beyond]
        s = call(page, "state()")
        assert s["part_population_partagee"] is None and s["population_partagee"] is not None
        call(page, "startFrom('CPTS Beta')")
        call(page, "startFrom('CPTS Alpha')")
        call(page, f"remove('{D}')")
        exported = call(page, "csv()")
        assert [line.split(",")[0] for line in exported.splitlines()[1:]] == [A, B, *beyond]
        with page.expect_download():
            page.click("#btn-export")
        said = page.text_content("#message")
        assert "2 communes de CPTS Alpha hors des départements chargés (2 codes), gardées telles que listées" in said
        assert "le diagnostic du fichier demande de charger le département 05" in said
        source = tmp_path / "export.csv"
        source.write_text(exported, encoding="utf-8")
        call(page, "startFrom('CPTS Beta')")
        page.set_input_files("#file-import", str(source))
        page.wait_for_function("window.cptsEditor.state().cpts_editee === 'CPTS Alpha'")
        s = call(page, "state()")
        assert s["communes"] == [A, B] and s["codes_inconnus"] == []
        assert "2 communes de CPTS Alpha hors des départements chargés (2 codes), gardées pour l’export" in \
            page.text_content("#message")
        assert call(page, "csv()") == exported
        assert errors == [] and console == []
    finally:
        close_page(page)


def test_import_refuses_a_file_whose_code_column_holds_anything_but_codes(editor: Any, tmp_path: Path) -> None:
    """A review: « =04081 » in the code column was set aside as an absent code and the rest loaded, where
    ``TERRITORY=fichier:`` refuses the file. The command line reads commune names there too, against every commune
    of France; the page, knowing its own only, read « Villeneuve » or « Marseille 1er » otherwise (a re-check): it
    refuses any cell that is no code, naming its line, and loads nothing."""
    before = call(editor, "state()")
    source = tmp_path / "liste.csv"
    source.write_text(f"code_insee,nom\n{A},Aubert-lès-Bains\n{B},\n=04081,Esparron\nCésy,\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("document.getElementById('message').textContent.includes('rien n’est chargé')")
    assert editor.text_content("#message") == (
        "Territoire non lu (liste.csv) : « =04081 » (ligne 4) n’est pas un code INSEE ; « Césy » (ligne 5) n’est "
        "pas un code INSEE ; la page ne lit que les codes INSEE (TERRITORY=fichier: lit aussi les noms de "
        "communes) ; rien n’est chargé")
    assert call(editor, "state()")["communes"] == before["communes"]  # nothing loaded
    # Codes as a spreadsheet writes them are still codes.
    source.write_text(f"code_insee\n{A}\n1003\n=\"{F}\"\n", encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function(f"window.cptsEditor.state().communes.join() === '{A},{C},{F}'")


def test_an_imported_redraw_without_its_communes_beyond_the_load_is_whole_as_its_diagnostic_reads_it(
        tmp_path: Path) -> None:
    """A re-check: the export of « CPTS du Gapençais » without its 28 communes of the 05, imported again, still
    read « taille non disponible : 28 communes … hors des départements chargés », where its file's diagnostic
    (which holds no 05 code) gives a taille. The communes beyond the load are those the file keeps: none here, one
    of two there (05001 and its former code 05002 are one commune), all of them when all are kept."""
    beyond = ("05001", "05002", "05003")
    perimeters = [ListedPerimeter("CPTS Alpha", "L1", (A, B, D), beyond_the_load=2, beyond_the_load_codes=beyond,
                                  beyond_the_load_communes=("05001", "05001", "05003")), *case.perimeters()[1:]]
    page, errors, console = open_page(write_editor_page(case.editor_data(perimeters=perimeters),
                                                        tmp_path / "editeur.html").path)
    try:
        source = tmp_path / "export.csv"
        for kept, communes in (((), 0), (("05002",), 1), (("05001", "05002"), 1), (beyond, 2)):
            rows = [f"{code},,CPTS Alpha,L1" for code in (A, B, *kept)]
            source.write_text("\n".join(["code_insee,nom,cpts_redessinee,liste", *rows]) + "\n", encoding="utf-8")
            call(page, "startFrom('CPTS Beta')")
            page.set_input_files("#file-import", str(source))
            page.wait_for_function("window.cptsEditor.state().cpts_editee === 'CPTS Alpha'")
            s = call(page, "state()")
            assert (s["communes"], s["communes_hors_base"]) == ([A, B], communes), kept
            assert (s["taille"] is None) == (communes > 0), kept
            assert [line.split(",")[0] for line in call(page, "csv()").splitlines()[1:]] == [A, B, *kept]
            # Undone and done again, the kept communes stay those of the file.
            call(page, "undo()")
        assert errors == [] and console == []
    finally:
        close_page(page)


def test_a_cpts_reaching_beyond_the_load_has_the_taille_of_its_whole_population(tmp_path: Path) -> None:
    """A review: a CPTS with communes in départements not loaded read « taille non disponible » where its diagnostic
    gives the taille of its whole population (the national COG's). Known answer by hand: A, B and D hold 25 000,
    15 000 and 1 000 inhabitants; beyond the load, 05001 (listed with its former code 05002) 30 000 and 05003
    12 000."""
    beyond = ("05001", "05002", "05003")
    alpha = ListedPerimeter("CPTS Alpha", "L1", (A, B, D), beyond_the_load=2, beyond_the_load_codes=beyond,
                            beyond_the_load_communes=("05001", "05001", "05003"),
                            beyond_the_load_populations=(30_000, 30_000, 12_000))
    unknown = ListedPerimeter("CPTS Gamma", "L1", (E,), beyond_the_load=1, beyond_the_load_codes=("05004",),
                              beyond_the_load_communes=("05004",), beyond_the_load_populations=(None,))
    # Two arrondissements of Lyon beyond the load: one commune, each arrondissement its own population (a
    # re-check: Lyon 1er counted as the whole of Lyon); with the city listed too, the city once.
    arrondissements = ListedPerimeter("CPTS Delta", "L1", (F,), beyond_the_load=1,
                                      beyond_the_load_codes=("69381", "69382"),
                                      beyond_the_load_communes=("69123", "69123"),
                                      beyond_the_load_units=("69381", "69382"),
                                      beyond_the_load_populations=(28_000, 31_000))
    city = ListedPerimeter("CPTS Epsilon", "L1", (F,), beyond_the_load=1, beyond_the_load_codes=("69123", "69381"),
                           beyond_the_load_communes=("69123", "69123"), beyond_the_load_units=("69123", "69381"),
                           beyond_the_load_populations=(519_000, 28_000))
    page, errors, console = open_page(write_editor_page(
        case.editor_data(perimeters=[alpha, *case.perimeters()[1:], unknown, arrondissements, city]),
        tmp_path / "editeur.html").path)
    try:
        s = call(page, "startFrom('CPTS Alpha')")
        assert (s["population"], s["population_territoire_entier"], s["taille"]) == (41_000, 83_000, 3)
        assert page.text_content("#v-taille") == "Taille 3 (de 80\u202f000 à 175\u202f000 habitants)"
        assert page.text_content("#v-seuils").startswith(
            "établie sur la population du territoire entier, 83\u202f000 hab., dont 42\u202f000 dans ses communes hors "
            "des départements chargés dans la base ; jusqu’à 3\u202f000 habitants de moins sans quitter la taille 3")
        s = call(page, f"remove('{B}')")
        assert (s["population_territoire_entier"], s["taille"]) == (68_000, 2)
        # An imported redraw keeping 05002 only: its commune 05001 (30 000), with A and B.
        source = tmp_path / "export.csv"
        source.write_text("code_insee,nom,cpts_redessinee,liste\n" + "".join(
            f"{code},,CPTS Alpha,L1\n" for code in (A, B, "05002")), encoding="utf-8")
        page.set_input_files("#file-import", str(source))
        page.wait_for_function("window.cptsEditor.state().communes_hors_base === 1")
        s = call(page, "state()")
        assert (s["population_territoire_entier"], s["taille"]) == (70_000, 2)
        # A commune beyond the load of unknown population: the taille is not known.
        s = call(page, "startFrom('CPTS Gamma')")
        assert (s["taille"], s["population_territoire_entier"]) == (None, None)
        s = call(page, "startFrom('CPTS Delta')")
        assert (s["communes_hors_base"], s["population_territoire_entier"], s["taille"]) == (1, 300 + 59_000, 2)
        s = call(page, "startFrom('CPTS Epsilon')")
        assert (s["communes_hors_base"], s["population_territoire_entier"], s["taille"]) == (1, 300 + 519_000, 4)
        assert errors == [] and console == []
    finally:
        close_page(page)


def test_an_imported_redraw_keeps_any_code_of_a_departement_not_loaded_and_refuses_an_empty_code(
        tmp_path: Path) -> None:
    """A re-check: in a redraw of a CPTS, a code of a département the database does not hold that its listing does
    not give (a former code, a commune added) was called « inconnu » and dropped, the page giving a taille where the
    file's diagnostic refuses it; and an empty code cell was dropped without a word, where the command line refuses
    the file. Here the database holds the 01 only: 05125 (beyond the load) counts as one more commune."""
    beyond = ("05001", "05002")
    perimeters = [ListedPerimeter("CPTS Alpha", "L1", (A, B, D), beyond_the_load=1, beyond_the_load_codes=beyond,
                                  beyond_the_load_communes=("05001", "05001")), *case.perimeters()[1:]]
    data = case.editor_data(perimeters=perimeters, loaded_departements=("01",))
    page, errors, console = open_page(write_editor_page(data, tmp_path / "editeur.html").path)
    try:
        source = tmp_path / "redraw.csv"
        source.write_text("code_insee,nom,cpts_redessinee,liste\n" + "".join(
            f"{code},,CPTS Alpha,L1\n" for code in (A, "05002", "05125", "05125")), encoding="utf-8")
        call(page, "startFrom('CPTS Beta')")
        page.set_input_files("#file-import", str(source))
        page.wait_for_function("window.cptsEditor.state().cpts_editee === 'CPTS Alpha'")
        s = call(page, "state()")
        assert (s["communes"], s["codes_inconnus"], s["communes_hors_base"], s["taille"]) == ([A], [], 2, None)
        assert "2 communes de CPTS Alpha hors des départements chargés (2 codes), gardées pour l’export" in \
            page.text_content("#message")
        assert [line.split(",")[0] for line in call(page, "csv()").splitlines()[1:]] == [A, "05002", "05125"]
        # An empty code on a line naming something: refused, the line named, nothing loaded.
        source.write_text(f"code_insee,nom\n{A},Aubert\n,Belleville-sur-Saône\n  ,  \n", encoding="utf-8")
        page.set_input_files("#file-import", str(source))
        page.wait_for_function("document.getElementById('message').textContent.includes('rien n’est chargé')")
        assert page.text_content("#message").startswith(
            "Territoire non lu (redraw.csv) : code INSEE vide (ligne 3) : la ligne serait ignorée et sa commune "
            "absente ; ")
        assert call(page, "state()")["communes"] == [A]
        assert errors == [] and console == []
    finally:
        close_page(page)


def test_an_imported_redraw_of_a_cpts_absent_from_the_page_says_the_codes_it_could_not_place(editor: Any,
                                                                                              tmp_path: Path) -> None:
    """A re-check: importing a redraw of a CPTS the page does not list dropped its codes absent from the page
    without a word: the warning replaced what the loading said."""
    source = tmp_path / "autre.csv"
    source.write_text(f"code_insee,cpts_redessinee,liste\n{A},CPTS Inexistante,L1\n05011,CPTS Inexistante,L1\n",
                      encoding="utf-8")
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("window.cptsEditor.state().cpts_editee === null")
    said = editor.text_content("#message")
    assert "« CPTS Inexistante »" in said and "05011" in said
    assert call(editor, "state()")["codes_inconnus"] == ["05011"]


def test_a_redraw_adding_a_loaded_commune_beyond_the_page_keeps_it_and_unloaded_codes_are_said_so(
        tmp_path: Path) -> None:
    """A re-check: a redraw adding a commune the database holds beyond the page (02005 of the loaded 02) dropped it,
    the page giving a taille where the file's diagnostic counts it; outside a redraw, a code of a département the
    database does not hold was called « inconnu », not « hors des départements chargés » as the command line says."""
    page, errors, console = open_page(write_editor_page(case.editor_data(loaded_departements=("01", "02")),
                                                        tmp_path / "editeur.html").path)
    try:
        source = tmp_path / "redraw.csv"
        source.write_text(f"code_insee,cpts_redessinee,liste\n{A},CPTS Beta,L1\n02005,CPTS Beta,L1\n",
                          encoding="utf-8")
        page.set_input_files("#file-import", str(source))
        page.wait_for_function("window.cptsEditor.state().cpts_editee === 'CPTS Beta'")
        s = call(page, "state()")
        assert (s["communes"], s["unites_hors_zone"], s["taille"], s["codes_inconnus"]) == ([A], 1, None, [])
        assert [line.split(",")[0] for line in call(page, "csv()").splitlines()[1:]] == [A, "02005"]
        source.write_text(f"code_insee\n{A}\n05061\n", encoding="utf-8")
        page.set_input_files("#file-import", str(source))
        page.wait_for_function("window.cptsEditor.state().cpts_editee === null")
        # Kept for the export, as the file has it (its diagnostic asks for the 05), the page's figures unknown.
        assert "05061 (hors des départements chargés dans la base : gardés tels quels ; make data " \
               "DEPARTEMENTS=… les ajoute)" in page.text_content("#message")
        assert call(page, "state()")["taille"] is None
        assert errors == [] and console == []
    finally:
        close_page(page)
