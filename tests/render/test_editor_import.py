"""The editor's « Importer… » reads a commune list as ``TERRITORY=fichier:`` reads it, in a narrow window too.

A review found them apart: postal codes given as INSEE codes (« 13001;Marseille 1er ») loaded three other
communes without a word where the command line refuses the file; « Code INSEE » headers, « 4070.0 » codes, a
quoted name over two lines, a title line and a Windows-1252 file were each read by one and not the other; and
below about 470 px the page failed (« Invalid LatLng object: (NaN, NaN) »), its API undefined.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.render.editor import write_editor_page
from pipeline.sources.annuaire.locate import place_key
from tests.browser import close_page, open_page, screenshot
from tests.render import editor_cases as case
from tests.render.editor_cases import A, B, C, E

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = case.editor_data()
    data = type(data)(**{**data.__dict__, "former_codes": {"01099": A}, "former_names": {"01099": "Vieux-Bourg"}})
    return write_editor_page(data, tmp_path_factory.mktemp("editeur") / "editeur.html").path


@pytest.fixture()
def editor(page_path: Path) -> Iterator[Any]:
    page, errors, console = open_page(page_path)
    yield page
    assert errors == [] and console == [], (errors, console)
    close_page(page)


def imported(editor: Any, tmp_path: Path, content: bytes | str) -> tuple[list[str], str]:
    """Import ``content`` as a file on a page whose perimeter was emptied: (units loaded, message)."""
    editor.evaluate("window.cptsEditor.load([])")
    editor.evaluate("document.querySelector('#message').textContent = ''")
    source = tmp_path / "liste.csv"
    source.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    editor.set_input_files("#file-import", str(source))
    editor.wait_for_function("document.querySelector('#message').textContent !== ''")
    return editor.evaluate("window.cptsEditor.state().communes"), str(editor.text_content("#message"))


def test_names_that_are_not_their_codes_refuse_the_file(editor: Any, tmp_path: Path) -> None:
    loaded, said = imported(editor, tmp_path, f"code_insee;nom\n{A};Césy\n{C};Aubert-lès-Bains\n{E};Écully\n")
    assert loaded == []
    assert said == (
        "Les noms de la colonne « nom » ne sont pas ceux des codes (2 lignes sur 3) : ligne 2 : 01001 est "
        "Aubert-lès-Bains, pas « Césy » ; ligne 3 : 01003 est Césy, pas « Aubert-lès-Bains ». Codes postaux au lieu "
        "des codes INSEE, ou lignes décalées ? Corrigez les codes (ou retirez la colonne des noms si elle est "
        "fausse) (liste.csv) ; rien n’est chargé")
    # Names under INSEE's « LIBGEO » are compared too, as the command line does (a review: postal codes read).
    loaded, said = imported(editor, tmp_path, f"CODGEO;LIBGEO\n{A};Césy\n{C};Aubert-lès-Bains\n")
    assert loaded == [] and said.startswith("Les noms de la colonne « LIBGEO » ne sont pas ceux des codes (2 lignes "
                                            "sur 2) : ligne 2 : 01001 est Aubert-lès-Bains, pas « Césy » ;")
    # One wrong name of one: « 1 ligne sur 1 » (a review: « 1 lignes sur 1 »).
    loaded, said = imported(editor, tmp_path, f"code_insee;nom\n{A};Césy\n")
    assert loaded == [] and said.startswith("Les noms de la colonne « nom » ne sont pas ceux des codes (1 ligne sur "
                                            "1) : ligne 2 : 01001 est Aubert-lès-Bains, pas « Césy ».")
    # One name of three: read, and said; « ST », case, hyphens and a former name agree, as on the command line.
    loaded, said = imported(editor, tmp_path, f"code_insee;commune\n{A};AUBERT LES BAINS\n01099;Vieux Bourg\n"
                                              f"{C};Césy\n{E};Dompierre-Vieux\n")
    assert loaded == [A, C, E]
    assert said.endswith("1 nom de la colonne « commune » ne correspond pas à son code (les codes sont lus) : "
                         "ligne 5 : 01005 est Écully-le-Haut, pas « Dompierre-Vieux »")
    # One name that is another commune's by itself (« Dompierre » is 01004): that commune may be the one meant, so
    # the file is refused, as on the command line (a review: « 13001;Marseille 1er » counted Aix-en-Provence).
    loaded, said = imported(editor, tmp_path, f"code_insee;commune\n{A};AUBERT LES BAINS\n{C};Césy\n{E};Dompierre\n")
    assert loaded == []
    assert said == ("Des noms de la colonne « commune » sont ceux d'autres communes que leurs codes : ligne 4 : 01005 "
                    "est Écully-le-Haut, or « Dompierre » est Dompierre (01004). Corrigez les codes (codes postaux au "
                    "lieu des codes INSEE ?) (liste.csv) ; rien n’est chargé")
    # A former commune merged into the code's commune names it too (« Vieux-Bourg », 01099, is in 01001), as on
    # the command line.
    loaded, said = imported(editor, tmp_path, f"code_insee;commune\n{A};Vieux-Bourg\n{C};Césy\n")
    assert loaded == [A, C] and "colonne « commune »" not in said


def test_what_the_command_line_reads_the_page_reads(editor: Any, tmp_path: Path) -> None:
    loaded, said = imported(editor, tmp_path, f"\ufeffCode INSEE;Nom\n{A};Aubert\n{B};Belleville\n")
    assert loaded == [A, B]
    loaded, said = imported(editor, tmp_path, "code_insee\n1001.0\n01003.0\n")
    assert loaded == [A, C] and "1001.0 lu comme 01001 (code écrit comme un nombre décimal par un tableur)" in said
    assert "01003.0 lu comme 01003 (code écrit comme un nombre décimal par un tableur)" in said
    loaded, said = imported(editor, tmp_path, f'code_insee,nom\n{A},"Aubert-\nlès-Bains"\n{E},Écully\n')
    assert loaded == [A, E]
    loaded, said = imported(editor, tmp_path, f"Liste des communes de la CPTS;;\ncode_insee;nom;population\n"
                                              f"{A};Aubert;25000\n")
    assert loaded == [A]
    assert said.endswith("en-tête lu ligne 2, la ligne au-dessus (« Liste des communes de la CPTS ») lue comme un "
                         "titre")
    loaded, said = imported(editor, tmp_path, f"\n\ncode_insee;nom\n{A};Aubert\n")  # blank lines: no title, no note
    assert loaded == [A] and "titre" not in said
    # One column of codes without a header, one in scientific notation (a review: refused on the command line).
    loaded, said = imported(editor, tmp_path, f"{A}\r\n\r\n1.003E+03\r\n")
    assert loaded == [A, C]
    assert said.endswith("fichier sans en-tête : chaque ligne lue comme un code commune ; 1.003E+03 lu comme 01003 "
                         "(code écrit en notation scientifique par un tableur)")
    # A spreadsheet's empty column after the codes (« 01001; »), as the command line reads it (a review).
    loaded, said = imported(editor, tmp_path, f"{A};\n{C};\n")
    assert loaded == [A, C] and said.endswith("fichier sans en-tête : chaque ligne lue comme un code commune")
    # Excel's ="01001" and a thousands space, read as TERRITORY=fichier: reads them (pipeline.geography).
    loaded, said = imported(editor, tmp_path, 'code_insee\n="01001"\n01 003\n')
    assert loaded == [A, C] and "=\"01001\" lu comme 01001 (formule de texte d'un tableur)" in said
    assert "01 003 lu comme 01003 (espace de milliers d'un tableur)" in said
    # A workbook, which the command line reads, is refused by name: the page reads CSV files only.
    loaded, said = imported(editor, tmp_path, b"PK\x03\x04" + bytes(60))
    assert loaded == [] and said == ("Le fichier est un classeur (liste.csv) : la page ne lit que les fichiers CSV ; "
                                     "enregistrez-le en « CSV UTF-8 » ; rien n’est chargé")
    # Excel's « CSV (séparateur : point-virgule) » on Windows (Windows-1252) is read, as the command line reads it;
    # a UTF-8 file with stray bytes is refused, its « é » would read « Ã© ».
    loaded, said = imported(editor, tmp_path, f"code_insee;nom\n{C};Césy\n".encode("cp1252"))
    assert loaded == [C] and "Césy" not in said and "encodé" not in said
    loaded, said = imported(editor, tmp_path, f"code_insee;nom\n{A};Aubert\n".encode() + f"{C};Césy\n".encode("cp1252")
                            + "04070;Digné\n".encode())
    assert loaded == [] and said == ("Le fichier n’est encodé ni en UTF-8 ni en Windows-1252 (UTF-8 abîmé, ou un "
                                     "autre encodage ; ligne 3) : réenregistrez-le en « CSV UTF-8 » (liste.csv) ; "
                                     "rien n’est chargé")
    # ISO-8859-15 (« œ ») and the old Macintosh encoding (« é ») are read as files.decode_text reads them: the name
    # quoted as written, not « S½ur » nor « GŽrard ».
    for name, encoding in (("Sœur", "iso8859_15"), ("Gérard", "mac_roman"), ("L'HAŸ-LES-ROSES", "iso8859_15"),
                           ("CÔTE BLEUE Sénas", "mac_roman"), ("Éguilles", "mac_roman"), ("Cœur d'Aix", "mac_roman"),
                           ("L´Escale", "cp1252"), ("«Bléone»", "mac_roman"), ("Pays d‘Aix", "cp1252"),
                           ("L'HAŸ-LES-ROSES", "mac_roman"), ("Œuvre", "mac_roman"), ("OÙ ? maître", "cp1252"),
                           ("OÙ SOIGNER", "mac_roman"), ("CÔTE côté", "cp1252")):
        loaded, said = imported(editor, tmp_path, f"code_insee;nom\n{A};{name}\n".encode(encoding))
        assert loaded == [] and f"pas « {name} »" in said, said
    # UTF-16 (Excel's « Texte Unicode », with its byte-order mark) is refused, as files.decode_text refuses it (a
    # review: the browser followed the mark and loaded it).
    for encoding in ("utf-16-le", "utf-16-be"):
        content = ("\ufeff" + f"code_insee;nom\n{C};Césy\n").encode(encoding)
        assert content[:2] in (b"\xff\xfe", b"\xfe\xff")
        loaded, said = imported(editor, tmp_path, content)
        assert loaded == [] and said == ("Le fichier est encodé en UTF-16 (export « Texte Unicode » d’Excel ?) ; "
                                         "réenregistrez-le en « CSV UTF-8 » (liste.csv) ; rien n’est chargé")
    # A quote inside an unquoted field is a character, as for Python's csv module (a review: the page opened a
    # quoted part there and lost the next rows, « 1 unité chargée » of four).
    remark = f'code_insee,remarque\n{A},pôle 5" ouest\n{C},\n{E},"ok, vu"\n'
    assert [row[0] for row in csv.reader(io.StringIO(remark))][1:] == [A, C, E]
    loaded, said = imported(editor, tmp_path, remark)
    assert loaded == [A, C, E]


def test_a_plain_list_with_codes_the_page_lacks_has_no_partial_figures(editor: Any, tmp_path: Path) -> None:
    """A review: « 04209, 04013, 05061 » imported on the 04's page dropped Gap and read « 8 466 habitants, taille 1 »
    where the file's diagnostic gives 49 759 and taille 2 (or refuses the file on a load without the 05). The codes
    the page lacks are kept for the export and the perimeter's figures are « non disponible »; the units the page
    has are still drawn and listed."""
    loaded, said = imported(editor, tmp_path, f"code_insee\n{A}\n{C}\n05061\n")
    assert loaded == [A, C]
    state = editor.evaluate("window.cptsEditor.state()")
    assert (state["population"], state["taille"], state["unites_hors_zone"], state["autoconfinement"]) == (
        None, None, 1, None)
    # Said once, as kept (a re-check read « absents de l'export » and « gardé pour l'export » side by side).
    assert said == ("2 unités chargées ; liste sans colonne cpts_redessinee : importée comme un nouveau périmètre "
                    "(comme TERRITORY=fichier: la lit), CPTS Alpha n’est plus la CPTS éditée ; 1 code absent de cette "
                    "page gardé pour l’export : 05061 (codes inconnus, ou communes hors de la zone de cette page : "
                    "gardés tels quels) ; population, taille et flux du périmètre non disponibles ici")
    assert editor.text_content("#v-population") == "non disponible"
    assert editor.text_content("#v-taille") == "non disponible"
    assert "de la CPTS" not in editor.text_content("#v-financement")  # no CPTS is edited
    # Only codes the page lacks: still a perimeter to export, as imported.
    imported(editor, tmp_path, "code_insee\n05061\n")
    editor.evaluate("window.cptsEditor.exportCsv()")
    assert editor.text_content("#message") == ("0 unité exportée, et 1 code absent de cette page, gardé tel "
                                               "qu’importé (05061)")
    assert "05061," in editor.evaluate("window.cptsEditor.csv()").split()  # kept for the export, nameless here
    # Undone, the page is as before the import: empty, nothing kept beyond it; reset, the new perimeter's start
    # (empty), without the codes kept either.
    state = editor.evaluate("window.cptsEditor.undo()")
    assert (state["communes"], state["unites_hors_zone"]) == ([], 0)
    imported(editor, tmp_path, f"code_insee\n{A}\n05061\n")
    state = editor.evaluate("window.cptsEditor.reset()")
    assert (state["communes"], state["unites_hors_zone"]) == ([], 0)
    assert "05061" not in editor.evaluate("window.cptsEditor.csv()")
    # A list the page holds whole keeps its figures: A + C = 33 000 inhabitants, taille 1; so does a list loaded
    # after the import (its codes are the whole perimeter).
    imported(editor, tmp_path, f"code_insee\n{A}\n05061\n")
    state = editor.evaluate(f"window.cptsEditor.load(['{A}', '{C}'])")
    assert (state["population"], state["taille"], state["unites_hors_zone"]) == (33000, 1, 0)
    loaded, _ = imported(editor, tmp_path, f"code_insee\n{A}\n{C}\n")
    state = editor.evaluate("window.cptsEditor.state()")
    assert (loaded, state["population"], state["taille"], state["unites_hors_zone"]) == ([A, C], 33000, 1, 0)


@pytest.mark.parametrize("name", ["Saint-Étienne-les-Orgues", "ST ETIENNE LES ORGUES", "L’Escale", "Bourg-en-Bresse",
                                  "01012 BOURG EN BRESSE CEDEX 01", "MARSEILLE 08", "Paris 15e Arrondissement",
                                  "Lyon 3E ARRONDISSEMENT", "Saint-Œuf", "Rochelle (La)", "  Ste-Foy  "])
def test_place_names_are_compared_as_the_command_line_compares_them(editor: Any, name: str) -> None:
    assert editor.evaluate("name => window.CptsEditorImport.placeKey(name)", name) == place_key(name)


@pytest.mark.parametrize("width", [360, 460, 800])
def test_a_narrow_window_shows_the_map_above_the_panel(page_path: Path, width: int) -> None:
    page, errors, console = open_page(page_path, width=width)
    try:
        assert errors == [] and console == []
        assert page.evaluate("typeof window.cptsEditor") == "object"
        box_map = page.evaluate("(() => { const r = document.getElementById('map').getBoundingClientRect(); "
                                "return [r.width, r.height, r.bottom]; })()")
        box_panel = page.evaluate("document.getElementById('panel').getBoundingClientRect().top")
        assert box_map[0] == width and box_map[1] >= 240 and box_panel >= box_map[2] - 1
        assert page.evaluate(f"window.cptsEditor.load(['{C}', '{A}', '{E}']).communes") == [A, C, E]
        # Every « Retirer » button can be reached: within the screen once scrolled to, the page itself scrolling
        # (a review: at 360 px they were cut off, in a panel box of a quarter of the screen).
        page.click("#s-liste summary")
        buttons = page.locator("#t-liste button")
        assert buttons.count() == 3
        for k in range(3):
            buttons.nth(k).scroll_into_view_if_needed()
            box = buttons.nth(k).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.scrollingElement.scrollHeight") > page.evaluate("window.innerHeight") or \
            width > 900
        if width == 360:
            screenshot(page, Path("/tmp/cpts-screens/editeur-360.png"))
    finally:
        close_page(page)


def test_search_reads_codes_and_names_as_the_import_does(editor: Any) -> None:
    """A review: « 4070 » (a lost zero), a former code and its name, and « st paul » found nothing, though the
    import reads them; and the keyboard could not add a result."""
    def first(text: str) -> str:
        editor.fill("#search", text)
        return str(editor.locator("#search-results li").first.text_content())

    assert first("1003").startswith("Césy (01003")  # « 01003 » with its zero lost
    assert first("01099").startswith("Aubert-lès-Bains (01001")  # a former code
    # The former commune's name, said (a review: nothing told why Aubert-lès-Bains was found).
    assert first("vieux bourg").startswith("Aubert-lès-Bains (ancienne commune Vieux-Bourg) (01001")
    assert first("st oeuf").startswith("Saint-Œuf (01006")
    assert first("1003 ").startswith("Césy (01003")  # pasted with a space (an independent review: nothing found)
    editor.evaluate("window.cptsEditor.load([])")
    editor.fill("#search", "cesy")
    editor.press("#search", "ArrowDown")
    assert editor.locator("#search-results li.active").count() == 1
    editor.press("#search", "Enter")
    assert editor.evaluate("window.cptsEditor.state().communes") == [C]
    editor.press("#search", "Enter")  # the same result again: removed, as its button does
    assert editor.evaluate("window.cptsEditor.state().communes") == []


def test_the_export_name_spells_out_letters_without_accents(editor: Any) -> None:
    folded = editor.evaluate("window.CptsEditorCore.fold('Ærø Œuvre ß — Saint-Étienne')")
    assert folded == "aero oeuvre ss saint etienne"


def test_search_ranks_current_names_first_and_says_a_former_name(editor: Any) -> None:
    """A review: units found through a former commune's name came first, and nothing said why they were found."""
    editor.fill("#search", "v")
    items = [str(t) for t in editor.locator("#search-results li .label").all_text_contents()]
    # « Belleville » holds a « v »; Aubert-lès-Bains only through its former commune Vieux-Bourg (01099), after.
    assert items == ["Belleville-sur-Saône (01002, dép. 01)",
                     "Aubert-lès-Bains (ancienne commune Vieux-Bourg) (01001, dép. 01)"]
    editor.fill("#search", "bourg")
    assert editor.locator("#search-results li .label").all_text_contents() == [
        "Aubert-lès-Bains (ancienne commune Vieux-Bourg) (01001, dép. 01)"]
    # Word by word, « St » read as « Saint » (the import's place names): « St Oeuf », « oeuf st ».
    editor.fill("#search", "oeuf st")
    assert editor.locator("#search-results li .label").all_text_contents() == ["Saint-Œuf (01006, dép. 01)"]


def test_arrondissements_named_as_others_are_refused_as_on_the_command_line(editor: Any) -> None:
    """The command line refuses « 13202;Marseille 1er » and « 13055;Marseille 2e » (pipeline.sources.commune_names,
    a review), and reads « Marseille 07 » and « MARSEILLE VII » as the 7e: the page's import does the same. Names
    as the COG gives them (13202 is Marseille 2e Arrondissement)."""
    said = editor.evaluate("""() => {
        const names = {'13202': ['Marseille 2e Arrondissement'], '13203': ['Marseille 3e Arrondissement'],
                       '13207': ['Marseille 7e Arrondissement'], '13055': ['Marseille'], '04070': ['Digne-les-Bains']};
        const table = rows => ({ name: 1, code: 0, headers: ['code_insee', 'nom'],
                                 rows: rows.map((r, i) => ({ cells: r, line: i + 2 })) });
        const check = rows => window.CptsEditorImport.checkNames(table(rows), c => names[c] || null, null);
        return [check([['13202', 'Marseille 1er'], ['13203', 'Marseille 2e']]),
                check([['13055', 'Marseille 1er'], ['13055', 'Marseille 2e']]),
                check([['13207', 'Marseille 07'], ['13207', 'MARSEILLE VII'], ['13207', 'Marseille'],
                       ['04070', 'Digne']])];
    }""")
    assert said[0]["error"].startswith("Les noms de la colonne « nom » ne sont pas ceux des codes (2 lignes sur 2) : "
                                       "ligne 2 : 13202 est Marseille 2e Arrondissement, pas « Marseille 1er »")
    assert "ligne 2 : 13055 est Marseille, pas « Marseille 1er »" in said[1]["error"]
    assert said[2] == {"notes": []}
