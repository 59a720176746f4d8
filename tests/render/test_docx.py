"""The « Trame d'un projet de santé » as a Word file: headings in the Trame's order, filled diagnostic,
ticked taille, members table, sources under tables, demo warning on every page, A4 page numbers."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table
from docx.text.paragraph import Paragraph as WordParagraph
from PIL import Image

from pipeline.errors import PipelineError
from pipeline.render.docx import (
    CalendarRow,
    CommuneRow,
    Figure,
    MembersRow,
    Paragraph,
    SubHeading,
    TrameDocument,
    trame_profession,
    write_trame_docx,
)
from pipeline.render.table_spec import Column, TableSpec
from tests.docx_reading import read_docx

NNBSP = "\u202f"
DEMO = "Données fictives de démonstration"

#: Headings of the Trame (seed 002), in its order, levels 1 and 2.
TRAME_HEADINGS = [
    (1, "Structure juridique porteuse du projet de la CPTS"),
    (1, "DIAGNOSTIC TERRITORIAL DE LA CPTS"),
    (2, "Description du territoire du projet"),
    (2, "Caractéristique de la population"),
    (2, "Identification et analyse de l’offre de soin du territoire"),
    (1, "ACTIONS DE LA CPTS SELON LES MISSIONS DEFINIES PAR L’ACI"),
    (2, "a) Les missions socles obligatoires"),
    (2, "b) Les missions complémentaires optionnelles de l’ACI"),
    (2, "c) Autres actions hors champs de l'ACI CPTS"),
    (2, "d) Macro-planning du projet de santé"),
    (1, "ORGANISATION DE LA CPTS"),
    (2, "0. Les professionnels de santé adhérents de la CPTS"),
    (2, "Dynamique d’inclusion et d’ouverture de la CPTS"),
    (2, "Liste des services / établissements partenaires de la CPTS"),
    (2, "Modalités existantes de travail et de communication entre la CPTS et les autres acteurs impliqués"),
]
MISSIONS = [
    "1. AMELIORER L’ACCES AUX SOINS : FACILITER L’ACCES AU MEDECIN TRAITANT ET AMELIORER LA PRISE EN CHARGE DES "
    "SOINS NON PROGRAMMES EN VILLE",
    "2. PERMETTRE L’ORGANISATION ET COORDINATION DES PARCOURS PLURI-PROFESSIONNELS AUTOUR DU PATIENT",
    "3. DEVELOPPER DES ACTIONS DE PREVENTION",
    "4. DEVELOPPER UNE REPONSE AUX CRISES SANITAIRES GRAVES.",
    "DEVELOPPER LA QUALITE ET LA PERTINENCE DES SOINS",
    "ACCOMPAGNER LES PROFESSIONNELS DE SANTE SUR LE TERRITOIRE",
]


def png(path: Path) -> Path:
    Image.new("RGB", (320, 200), (40, 90, 160)).save(path)
    return path


def supply_spec() -> TableSpec:
    frame = pd.DataFrame({"groupe": ["Médecins généralistes", "Infirmiers", "Sages-femmes"],
                          "praticiens": [21, 64, 0], "densite": [8.297, 25.286, np.nan],
                          "densite_france": [8.4, 15.1, 3.2]})
    return TableSpec("offre", "Professionnels de santé (densité pour 10 000 habitants)", frame, [
        Column("groupe", "Profession", "text"), Column("praticiens", "Effectif", "integer"),
        Column("densite", "Densité territoire", "decimal", 1), Column("densite_france", "Densité France", "decimal", 1),
    ], "Annuaire Santé (RPPS), extraction du 30/09/2026", demo=True)


def trame(tmp_path: Path, **changes: object) -> TrameDocument:
    fields: dict[str, object] = {
        "cpts_name": "CPTS du Pays dignois",
        "territory": "communes:04070,04001",
        "generated": dt.date(2026, 11, 1),
        "communes": [CommuneRow("Digne-les-Bains", "04070", "04000", "QPV Centre-ville (ZIP)"),
                     CommuneRow("Aiglun", "04001", "04510", "")],
        "communes_source": "Insee, COG 2026 ; codes postaux de La Poste 2025",
        "population": 40_000,
        "population_year": 2021,
        "population_source": "Insee, populations légales 2021",
        "taille": 2,
        "taille_note": "Bornes de l'ACI du 20 juin 2019 : une population d'exactement 40 000 habitants relève de la "
                       "taille 2.",
        "population_characteristics": [
            Paragraph("La population a augmenté de 0,4 % par an."),
            Figure(png(tmp_path / "carte.png"), "Carte du territoire", "IGN, Admin Express"),
        ],
        "care_supply": [SubHeading("Professionnels de santé"), supply_spec()],
        "members": [MembersRow("Médecins généralistes", 12, 57.142857), MembersRow("Infirmiers", 20, None, 2, 5),
                    MembersRow("Maisons de santé pluriprofessionnelles (MSP)", 1)],
        "members_source": "Liste des adhérents fournie par la CPTS (octobre 2026)",
        "calendar": [CalendarRow("Accès aux soins", "mission socle", 6, 18, dt.date(2026, 2, 28),
                                 dt.date(2027, 2, 28)),
                     CalendarRow("Qualité et pertinence des soins", "mission complémentaire", None, None)],
        "calendar_source": "ACI du 20 juin 2019",
        "signature": dt.date(2025, 8, 28),
        "demo_warning": DEMO,
    }
    fields.update(changes)
    return TrameDocument(**fields)  # type: ignore[arg-type]


def blocks(document: WordDocument) -> list[WordParagraph | Table]:
    """Paragraphs and tables of the body, in document order."""
    out: list[WordParagraph | Table] = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            out.append(WordParagraph(child, document))
        elif child.tag.endswith("}tbl"):
            out.append(Table(child, document))
    return out


def cells(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_after(document: WordDocument, caption: str) -> Table:
    items = blocks(document)
    for index, item in enumerate(items):
        if isinstance(item, WordParagraph) and item.text.endswith(caption):
            following = items[index + 1]
            assert isinstance(following, Table)
            return following
    raise AssertionError(f"no table captioned {caption!r}")


@pytest.fixture()
def document(tmp_path: Path) -> WordDocument:
    return read_docx(write_trame_docx(trame(tmp_path), tmp_path / "trame.docx"))


def test_headings_follow_the_trame(document: WordDocument) -> None:
    headings = [(int(p.style.name[-1]), p.text) for p in document.paragraphs
                if p.style.name in ("Heading 1", "Heading 2")]
    assert headings == TRAME_HEADINGS
    missions = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
    assert [m for m in missions if m in MISSIONS] == MISSIONS
    assert document.paragraphs[0].style.name == "Title"
    assert document.paragraphs[0].text == "Trame d’un projet de santé de CPTS"


def test_communes_table_and_population_with_its_year(document: WordDocument) -> None:
    table = table_after(document, "Communes du territoire")
    assert cells(table) == [
        ["COMMUNES", "CODE POSTAL", "Particularité du territoire (QPV, ZIP, ZAC)"],
        ["Digne-les-Bains (04070)", "04000", "QPV Centre-ville (ZIP)"],
        ["Aiglun (04001)", "04510", "non disponible"],
    ]
    population = next(p for p in document.paragraphs if p.text.startswith("Evaluation de la population"))
    assert population.text == ("Evaluation de la population concernée par le projet (nombre d’habitants) : "
                               f"40{NNBSP}000 habitants (population municipale légale 2021)")


def test_a_population_of_the_loaded_communes_only_says_so(tmp_path: Path) -> None:
    scope = "communes des départements chargés seulement : la population du territoire entier n'est pas connue"
    document = read_docx(write_trame_docx(trame(tmp_path, population_scope=scope), tmp_path / "t.docx"))
    population = next(p for p in document.paragraphs if p.text.startswith("Evaluation de la population"))
    assert population.text.endswith(f"40{NNBSP}000 habitants (population municipale légale 2021), {scope}")


def ticked(document: WordDocument) -> list[str]:
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [c.text for row in table.rows for c in row.cells]
    return sorted({t.strip() for t in texts if t.startswith("☒")})


def test_taille_box_ticked(document: WordDocument, tmp_path: Path) -> None:
    """« Taille 2 : entre 40 000 et 80 000 habitants » : exactly one box ticked, the others ☐."""
    assert ticked(document) == ["☒ Taille 2 : entre 40 000 et 80 000 habitants"]
    unticked = {c.text for t in document.tables for row in t.rows for c in row.cells if c.text.startswith("☐")}
    assert unticked == {"☐ Taille 1 : moins de 40 000 habitants", "☐ Taille 3 : entre 80 000 et 175 000 habitants",
                        "☐ Taille 4 : Plus de 175 000 habitants"}
    big = read_docx(write_trame_docx(trame(tmp_path, population=412_000, taille=4, taille_4_plus_plus=True),
                                             tmp_path / "t4.docx"))
    assert ticked(big) == ["☒ Taille 4 : Plus de 175 000 habitants", "☒ Taille 4++ : Taille 4 avec plus de 100 PS"]
    unknown = read_docx(write_trame_docx(trame(tmp_path, population=None, taille=None), tmp_path / "n.docx"))
    assert ticked(unknown) == []
    assert any("non disponible" in p.text for p in unknown.paragraphs if p.text.startswith("Evaluation"))


def test_members_table_has_the_trame_rows_and_three_columns(document: WordDocument) -> None:
    table = table_after(document, "Professionnels de santé adhérents de la CPTS")
    rows = cells(table)
    assert rows[0] == [
        "Professionnels et organisations de santé",
        "Nombre et/ou pourcentage de professionnels ayant adhéré à la CPTS",
        "Nombre et/ou pourcentage de professionnels participant à la gouvernance",
        "Nombre et/ou pourcentage de professionnels ayant participé à l’élaboration du projet de santé",
    ]
    assert [r[0] for r in rows[1:]] == [
        "Médecins généralistes", "Médecins spécialistes", "Infirmiers", "Pharmaciens", "Masseurs-kinésithérapeutes",
        "Biologistes", "Sage-femmes", "Orthophonistes", "Orthoptistes", "Chirurgiens-Dentistes",
        "Pédicures-Podologues", "Psychologues", "Maisons de santé pluriprofessionnelles (MSP)",
        "Centres de santé (CDS)", "Autres (précisez)"]
    # A row of the members file without participation figures: « non disponible », never 0 nor blank.
    assert rows[1][1:] == [f"12 (57,1{NNBSP}%)", "non disponible", "non disponible"]
    assert rows[3][1:] == ["20", "2", "5"]
    assert rows[13][1:] == ["1", "non disponible", "non disponible"]
    assert rows[2][1:] == ["", "", ""]  # no row in the file: left for the team


def test_members_who_did_not_answer_are_said_beside_the_count(tmp_path: Path) -> None:
    """A review: « 3 (1,0 %) » in the governance cell where 2 of the 5 members had not answered (the report said
    « 2 / 5 » not filled in): the count is a lower bound, said so."""
    members = [MembersRow("Masseurs-kinésithérapeutes", 5, None, 3, 1, gouvernance_unknown=2, elaboration_unknown=1)]
    document = read_docx(write_trame_docx(trame(tmp_path, members=members), tmp_path / "t.docx"))
    rows = {r[0]: r for r in cells(table_after(document, "Professionnels de santé adhérents de la CPTS"))}
    assert rows["Masseurs-kinésithérapeutes"][1:] == ["5", "3 ; 2 non renseignés", "1 ; 1 non renseigné"]


def test_supply_table_in_french_with_source_under_it(document: WordDocument) -> None:
    table = table_after(document, "Professionnels de santé (densité pour 10 000 habitants)")
    assert cells(table) == [
        ["Profession", "Effectif", "Densité territoire", "Densité France"],
        ["Médecins généralistes", "21", "8,3", "8,4"],
        ["Infirmiers", "64", "25,3", "15,1"],
        ["Sages-femmes", "0", "non disponible", "3,2"],
    ]
    items = blocks(document)
    index = next(i for i, item in enumerate(items) if item is not None and isinstance(item, Table)
                 and item._tbl is table._tbl)
    source = items[index + 1]
    assert isinstance(source, WordParagraph) and source.style.name == "Source"
    assert source.text == ("Source : Annuaire Santé (RPPS), extraction du 30/09/2026 — Données fictives de "
                           "démonstration.")


def test_every_filled_table_is_followed_by_its_source(document: WordDocument) -> None:
    items = blocks(document)
    captions = [i for i, item in enumerate(items) if isinstance(item, WordParagraph)
                and item.style.name == "Caption" and item.text.startswith("Tableau")]
    assert len(captions) == 4  # communes, supply, calendar, members
    for index in captions:
        assert isinstance(items[index + 1], Table)
        source = items[index + 2]
        assert isinstance(source, WordParagraph) and source.text.startswith("Source : "), items[index].text


def test_calendar_in_macro_planning(document: WordDocument) -> None:
    table = table_after(document, "Calendrier de l'ACI pour une signature le 28/08/2025")
    assert cells(table)[1:] == [
        ["Accès aux soins", "mission socle", "au plus tard 6 mois après la signature",
         "au plus tard 18 mois après la signature", "28/02/2026", "28/02/2027"],
        ["Qualité et pertinence des soins", "mission complémentaire", "pas de délai particulier",
         "pas de délai particulier", "—", "—"],
    ]


def test_image_inserted_with_caption_and_source(document: WordDocument) -> None:
    assert len(document.inline_shapes) == 1
    texts = [p.text for p in document.paragraphs]
    index = texts.index("Figure 1 : Carte du territoire")
    assert texts[index + 1] == "Source : IGN, Admin Express"
    assert document.paragraphs[index - 1]._p.xpath(".//pic:pic")  # the picture sits right above its caption


def test_demo_warning_in_the_header_of_every_page(document: WordDocument, tmp_path: Path) -> None:
    for section in document.sections:
        assert not section.different_first_page_header_footer
        assert DEMO in [p.text for p in section.header.paragraphs]
    real_supply = TableSpec("offre", "Offre", supply_spec().frame, supply_spec().columns, "Annuaire Santé")
    real = read_docx(write_trame_docx(trame(tmp_path, demo_warning=None, care_supply=[real_supply]),
                                              tmp_path / "r.docx"))
    assert all(DEMO not in p.text for s in real.sections for p in s.header.paragraphs)
    assert all(DEMO not in p.text for p in real.paragraphs)


def test_a4_portrait_margins_and_page_numbers(document: WordDocument, tmp_path: Path) -> None:
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1) and abs(section.page_height - Mm(297)) < Mm(0.1)
    assert section.page_width < section.page_height
    assert Mm(15) <= section.left_margin <= Mm(25) and Mm(15) <= section.right_margin <= Mm(25)
    footer = section.footer.paragraphs[0]
    instructions = [t.text.strip() for t in footer._p.iter() if t.tag.endswith("}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert footer.text.startswith("page ") and " / " in footer.text


def test_other_parts_are_empty_editable_with_grey_italic_guidance(document: WordDocument) -> None:
    guidance = [p for p in document.paragraphs if p.style.name == "Consigne Trame"]
    assert any(p.text.startswith("Informations attendues : le diagnostic territorial") for p in guidance)
    assert any(p.text.startswith("Remarque : si l’ensemble de ces missions") for p in guidance)
    style = document.styles["Consigne Trame"]
    assert style.font.italic and str(style.font.color.rgb) == "6E6E6E"
    action_tables = [t for t in document.tables if cells(t)[0] == ["Actions de la CPTS\n(Titre de la fiche action)",
                                                                   "Description des objectifs attendus\n"
                                                                   "(Résumé en une phrase)"]]
    assert len(action_tables) == 6
    assert all(all(text == "" for row in cells(t)[1:] for text in row) for t in action_tables)
    boxes = [t for t in document.tables if len(t.rows) == 1 and len(t.columns) == 1]
    prompts = [t.rows[0].cells[0].paragraphs[0].text for t in boxes]
    assert prompts == [
        "Détaillez ici les problématiques de santé du territoire appuyées sur les données du diagnostic",
        "Détaillez ici l’offre de soin, ses dynamiques, ses liens et articulation entre la CPTS et les acteurs "
        "identifiés.",
        "Détaillez ici la dynamique d’inclusion et d’ouverture de la CPTS.",
        "Détaillez ici les modalités de travail et de communication entre la CPTS et les autres acteurs impliqués.",
    ]
    assert all(t.rows[0].cells[0].paragraphs[0].style.name == "Consigne Trame" for t in boxes)


def test_table_headers_repeat_and_rows_do_not_split(tmp_path: Path) -> None:
    path = write_trame_docx(trame(tmp_path), tmp_path / "trame.docx")
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert xml.count("<w:tblHeader/>") >= 10
    assert xml.count("<w:cantSplit/>") > 50
    assert 'w:val="fr-FR"' in zipfile.ZipFile(path).read("word/styles.xml").decode("utf-8")


def test_a_row_taller_than_a_page_may_break_and_the_others_stay_whole() -> None:
    """A review: Paris's bassin de vie lists 438 units outside the territory in one cell (2.13 cm, 8 pt), a row
    about a metre tall; kept whole (« cantSplit »), Word cuts it at the foot of the page. At 8 pt a digit is
    at least 0.5 em = 0.14 cm wide, so 2.13 cm holds at most 15 of the 3 066 characters (« 75101, » × 438)
    per line: over 200 lines of at least 8 pt = 0.28 cm, 57 cm, twice the A4 page (29.7 cm)."""
    import docx

    from pipeline.render.docx import layout

    document = docx.Document()
    layout.set_up_styles(document)
    codes = ", ".join(str(75101 + i) for i in range(438))
    table = layout.add_table(document, ["Zone", "Unités hors du territoire (codes)"],
                             [["bassin de vie", codes], ["bassin de vie", "75101, 75102"]], widths_cm=[14.87, 2.13],
                             size=8)
    kept_whole = [row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
                  for row in table.rows]
    assert kept_whole == [True, False, True]
    # Lines wrapped at spaces, by hand: « ab cd » fills 5 characters; « ef » goes on; an 11-letter word is broken.
    assert [layout._wrapped_lines(text, 5) for text in ("ab cd", "ab cd ef", "abcdefghijk", "a\nb", "")] == [
        1, 2, 3, 2, 1]


def test_hostile_text_is_written_as_text(tmp_path: Path) -> None:
    communes = [CommuneRow("=HYPERLINK(\"http://x\",\"y\")\x01", "04070", "04000", "<script>alert(1)</script>")]
    path = write_trame_docx(trame(tmp_path, communes=communes, cpts_name="CPTS \x0b<b>"), tmp_path / "h.docx")
    table = table_after(read_docx(path), "Communes du territoire")
    assert cells(table)[1] == ["=HYPERLINK(\"http://x\",\"y\")\ufffd (04070)", "04000", "<script>alert(1)</script>"]


def test_missing_or_broken_image_is_a_french_error(tmp_path: Path) -> None:
    missing = trame(tmp_path, population_characteristics=[Figure(tmp_path / "absente.png", "Carte", "IGN")])
    with pytest.raises(PipelineError, match="Image introuvable"):
        write_trame_docx(missing, tmp_path / "x.docx")
    broken = tmp_path / "cassee.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(PipelineError, match="Image illisible"):
        write_trame_docx(trame(tmp_path, care_supply=[Figure(broken, "Carte", "IGN")]), tmp_path / "x.docx")
    with pytest.raises(PipelineError, match="Image illisible"):
        write_trame_docx(trame(tmp_path, care_supply=[Figure(b"GIF89a", "Carte", "IGN")]), tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


def test_image_given_as_bytes(tmp_path: Path) -> None:
    data = png(tmp_path / "graphique.png").read_bytes()
    path = write_trame_docx(trame(tmp_path, care_supply=[Figure(data, "Densités comparées", "Annuaire Santé")]),
                            tmp_path / "b.docx")
    document = read_docx(path)
    assert len(document.inline_shapes) == 2
    assert "Figure 2 : Densités comparées" in [p.text for p in document.paragraphs]


def test_document_checks_its_content(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="taille"):
        trame(tmp_path, taille=5)
    with pytest.raises(ValueError, match="4\\+\\+"):
        trame(tmp_path, taille=3, taille_4_plus_plus=True)
    with pytest.raises(ValueError, match="no row of the Trame"):
        trame(tmp_path, members=[MembersRow("Sages-femmes", 3)])
    with pytest.raises(ValueError, match="repeat"):
        trame(tmp_path, members=[MembersRow("Infirmiers", 3), MembersRow("Infirmiers", 4)])


@pytest.mark.parametrize(("group", "row"), [
    ("Médecins généralistes", "Médecins généralistes"),
    ("Sages-femmes", "Sage-femmes"),
    ("Chirurgiens-dentistes", "Chirurgiens-Dentistes"),
    ("Pédicures-podologues", "Pédicures-Podologues"),
    ("MSP", "Maisons de santé pluriprofessionnelles (MSP)"),
    ("Centres de santé", "Centres de santé (CDS)"),
    ("Autres", "Autres (précisez)"),
    ("Ergothérapeutes", None),
])
def test_pipeline_groups_map_to_trame_rows(group: str, row: str | None) -> None:
    assert trame_profession(group) == row


def test_long_name_and_territory_are_cut_in_the_properties_only(tmp_path: Path) -> None:
    """Word properties hold at most 255 characters; a 300-character name stays whole in the document."""
    name = "CPTS " + "x" * 295
    territory = "communes:" + ",".join(f"{4001 + i:05d}" for i in range(80))  # 80 codes: 488 characters
    path = write_trame_docx(trame(tmp_path, cpts_name=name, territory=territory), tmp_path / "long.docx")
    document = read_docx(path)
    title = document.core_properties.title
    assert len(title) == 255 and title.endswith("…")
    assert title.startswith("Trame d’un projet de santé de CPTS — CPTS xxx")
    comments = document.core_properties.comments
    assert len(comments) == 255 and comments.startswith("Territoire : communes:04001,04002")
    with zipfile.ZipFile(path) as archive:
        assert name in archive.read("word/document.xml").decode("utf-8")


def test_the_file_says_it_was_made_now(tmp_path: Path) -> None:
    """A review: Word's properties of every Trame said it was created on 23/12/2013 (python-docx's template)."""
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    document = read_docx(write_trame_docx(trame(tmp_path), tmp_path / "t.docx"))
    after = dt.datetime.now(dt.UTC)
    properties = document.core_properties
    created = properties.created.replace(tzinfo=dt.UTC)  # written in UTC
    assert before <= created <= after and properties.modified == properties.created
    assert properties.last_modified_by == "cpts-diagnostic" and properties.revision == 1


def test_a_figure_source_says_demonstration_once() -> None:
    """A review: « FINESS, extraction du 01/01/2026 (données fictives de démonstration) (données fictives de
    démonstration) » under the establishments' figures of the Trame."""
    from pipeline.render.figures import StaticFigure
    from pipeline.render.trame import _figure

    demo = " (données fictives de démonstration)"
    said = StaticFigure("carte-etablissements", "etablissements", "Établissements", f"FINESS{demo}", b"", demo=True)
    unsaid = StaticFigure("carte-flux", "flux", "Flux", "Modèle gravitaire", b"", demo=True)
    assert [b.source for b in _figure(said)] == [f"FINESS{demo}"]  # type: ignore[attr-defined]
    assert [b.source for b in _figure(unsaid)] == [f"Modèle gravitaire{demo}"]  # type: ignore[attr-defined]


def test_the_cpts_name_cell_is_left_to_the_team_when_the_tool_made_the_name_up(tmp_path: Path) -> None:
    """A review: an EPCI's Trame had « Rennes Métropole » as « Nom de la CPTS », a list of communes « Annecy, Poisy
    et Digne-les-Bains »: labels the tool made, which the team must not find pre-filled as its CPTS's name."""
    def name_cell(named: bool) -> str:
        path = write_trame_docx(trame(tmp_path, cpts_name="Annecy, Poisy et Digne-les-Bains", named=named),
                                tmp_path / f"{named}.docx")
        table = read_docx(path).tables[0]
        assert table.rows[1].cells[0].text == "Nom de la CPTS :"
        return table.rows[1].cells[1].text

    assert name_cell(True) == "Annecy, Poisy et Digne-les-Bains" and name_cell(False) == ""
