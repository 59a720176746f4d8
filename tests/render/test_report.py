"""HTML report: French formatting, escaping, structure, and rendering in headless Chromium."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import aci
from pipeline.render.charts import population_chart, supply_chart
from pipeline.render.hyphenation import hyphenated
from pipeline.render.report import TRAME_SECTIONS, format_date, format_number, render_report, table_view, write_report
from pipeline.render.sections.taille import calendar_title
from tests.browser import close_page, dialogs, open_page, screenshot
from tests.french_spacing import as_typed

NNBSP = "\u202f"
XSS = "<script>alert(1)</script>"
SCREENSHOT_DIR = Path("/tmp/cpts_screenshots")


def demo_context(demo_data: bool = True) -> dict:
    """A report context shaped like the diagnostic's ("Trame d'un projet de santé")."""
    communes = pd.DataFrame(
        {
            "Commune": ["Digne-les-Bains", "Aiglun", XSS],
            "Code": ["04070", "04001", "04999"],
            "Population": [16_372, 1_412, np.nan],
            "Densité (hab./km²)": [140.25, 40.0, 6.8],
        }
    )
    offre = pd.DataFrame(
        {
            "Profession": ["Médecins généralistes", "Infirmiers"],
            "Effectif": [21, 64],
            "Densité territoire": [7.123, 22.5],
            "Densité France": [8.4, 15.1],
        }
    )
    sections = []
    for title in TRAME_SECTIONS[:-1]:
        sections.append({"title": title, "paragraphs": [f"Texte de la section « {title} »."]})
    sections[0]["tables"] = [
        {"title": "Communes du territoire", "data": communes, "decimals": {"Densité (hab./km²)": 1}}
    ]
    sections[0]["charts"] = [
        {
            "title": "Évolution de la population",
            "svg": population_chart([2010, 2015, 2021], [24_100, 24_800, 25_310]),
            "caption": "Source : Insee, recensements.",
        }
    ]
    sections[1]["key_figures"] = [{"label": "Population", "value": 25_310}, {"label": "Taille ACI", "value": "2"}]
    sections[2]["tables"] = [offre]
    sections[2]["charts"] = [
        {
            "title": "Médecins généralistes pour 10 000 habitants",
            "svg": supply_chart({"Territoire": 7.1, "Département": 8.9, "Région": 9.6, "France": 8.4}),
        }
    ]
    sections[3]["paragraphs"].append(f"Établissement {XSS} signalé.")
    sections[6]["subsections"] = [{"title": "CPTS voisines", "paragraphs": ["Deux CPTS voisines."]}]
    return {
        "title": "Diagnostic territorial – CPTS du Pays dignois",
        "territory": "communes:04070,04001",
        "generated": dt.date(2026, 11, 1),
        "demo_data": demo_data,
        "summary": ["Synthèse du diagnostic."],
        "sections": sections,
        "sources": [
            {
                "nom": "Populations légales",
                "producteur": "Insee",
                "millesime": "2021",
                "url": "https://www.insee.fr/fr/statistiques/7739582",
                "telechargement": dt.date(2026, 10, 3),
                "licence": "Licence Ouverte 2.0",
            },
            {"nom": "Lien piégé", "url": "javascript:alert(1)"},
            "FINESS (extraction du 30/09/2026)",
        ],
    }


def test_format_number_known_answers() -> None:
    assert format_number(1234567.891, 2) == f"1{NNBSP}234{NNBSP}567,89"
    assert format_number(1234) == f"1{NNBSP}234"
    assert format_number(999) == "999"
    assert format_number(0.125, 2) == "0,13"  # half-up, not banker's rounding
    assert format_number(2.5) == "3"
    assert format_number(-1500.5, 1) == f"\u22121{NNBSP}500,5"
    assert format_number(-0.01, 1) == "0,0"
    assert format_number(12.5, 1, "%") == f"12,5{NNBSP}%"
    assert format_number(np.int64(25000)) == f"25{NNBSP}000"
    assert format_number(float("nan")) == "non disponible"
    assert format_number(None) == "non disponible"
    assert format_number(pd.NA) == "non disponible"
    assert format_date(dt.date(2026, 11, 1)) == "1er novembre 2026"
    assert format_date(dt.date(2026, 8, 15)) == "15 août 2026"


def test_table_view_formats_columns() -> None:
    view = table_view(
        {"data": pd.DataFrame({"a": [1000, 2], "b": [1.25, np.nan], "c": ["x", None]}), "decimals": {"b": 2}}
    )
    assert view["numeric"] == [True, True, False]
    assert view["rows"] == [[f"1{NNBSP}000", "1,25", "x"], ["2", "non disponible", "non disponible"]]
    # A string column's missing value (a destination outside the load has no name): « non disponible », never
    # « <NA> » (a review), nor a date's « NaT ».
    names = pd.DataFrame({"nom": pd.array(["Digne", pd.NA], dtype="string"), "quand": [pd.Timestamp(0), pd.NaT]})
    assert table_view(names)["rows"][1] == ["non disponible", "non disponible"]


def test_missing_figures_are_said_in_words() -> None:
    """A missing figure says « non disponible », in a table as in a key figure: no abbreviation to explain (a
    review read the Word Trame's « n.d. » as « néant » in a sentence)."""
    context = demo_context()
    context["sections"][1]["key_figures"].append({"label": "APL 2023", "value": float("nan")})
    page = as_typed(render_report(context))
    assert "n.d." not in page and "<td class=\"num texte\">non disponible</td>" in page  # the communes table's
    assert "non disponible" in page.split("APL 2023", 1)[1][:200]


def test_render_report_structure_and_escaping() -> None:
    page = render_report(demo_context())
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in page
    # Table of contents: one link per section plus sources.
    for title in TRAME_SECTIONS[:-1]:
        assert f">{title}</a>" in page.replace("&#39;", "'")
    assert 'href="#sources"' in page
    assert page.count('<div class="demo-banner" role="note">Données fictives de démonstration</div>') == 10
    # French numbers in tables, right-aligned.
    assert f'<td class="num">16{NNBSP}372</td>' in page
    assert '<td class="num">140,2</td>' in page or '<td class="num">140,3</td>' in page
    assert '<td class="num">7,1</td>' in page  # default 1 decimal for float columns
    # SVG charts inline, no XML prolog; no external resources at all.
    assert page.count("<svg") == 2
    assert "<?xml" not in page
    assert "src=" not in page and "<link" not in page
    # Escaping: data text is shown, not executed; javascript: URLs are not links.
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in page
    assert '<a href="https://www.insee.fr/fr/statistiques/7739582">' in page
    assert "1er novembre 2026" in page and "chargé le 3 octobre 2026" in page and "téléchargé" not in page
    assert "@media print" in page


def test_no_banner_without_demo_data(tmp_path: Path) -> None:
    path = write_report(demo_context(demo_data=False), tmp_path / "rapport.html")
    assert "Données fictives" not in path.read_text(encoding="utf-8")


def test_plain_string_svg_is_escaped() -> None:
    context = {"title": "T", "sections": [{"title": "S", "charts": [{"svg": "<svg onload='alert(1)'></svg>"}]}]}
    page = render_report(context)
    assert "<svg onload" not in page and "&lt;svg onload" in page


@pytest.mark.browser
def test_report_in_browser(tmp_path: Path) -> None:
    path = write_report(demo_context(), tmp_path / "rapport.html")
    page, errors, console = open_page(path, height=1400)
    try:
        assert errors == [] and console == []
        assert dialogs(page) == []
        toc = page.locator("nav.sommaire a")
        assert toc.count() == len(TRAME_SECTIONS) + 1  # 8 sections, 1 subsection, sources
        assert page.locator("main table").count() == 2
        assert page.locator("main svg").count() == 2
        # SVG charts are laid out (non-zero size) and their text is French.
        box = page.locator("main svg").first.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        assert f"25{NNBSP}310" in page.locator("main svg").first.text_content()
        assert page.locator(".demo-banner").first.is_visible()
        assert XSS in page.locator("main").inner_text()
        # TOC anchors resolve.
        for href in toc.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            assert page.locator(href).count() == 1
        screenshot(page, SCREENSHOT_DIR / "rapport.png", full_page=False)
        pdf = page.pdf(path=str(tmp_path / "rapport.pdf"), format="A4")
        assert len(pdf) > 10_000
    finally:
        close_page(page)


@pytest.mark.parametrize(("signature", "title"), [
    (dt.date(2019, 6, 20), "Calendrier des missions après la signature (après l'avenant au contrat pour une mission "
                           "ajoutée depuis)"),
    (dt.date(2022, 1, 1), "Calendrier des missions après la signature"),
])
def test_calendar_title_says_when_a_mission_runs_from_the_avenant(signature: dt.date, title: str) -> None:
    """The HTML and spreadsheet calendar of a 2019 contract was titled « après signature » while its crisis
    row runs from the contract's avenant (its remark, and the Word Trame, say so)."""
    assert calendar_title(aci.mission_calendar(signature)) == title


def test_long_header_words_get_break_opportunities_at_french_points() -> None:
    """Printed, a ten-column table fits the A4 page only if its headers' long words can break: « Profes/sionnels »
    where the column needs it, never « Profe/ssion/nels ». The opportunity is an empty element (``<wbr>``): a soft
    hyphen stayed in the PDF's text, where « Particularités » could no longer be searched."""
    assert hyphenated("Professionnels (effectif distinct)") == "Pro<wbr>fes<wbr>sion<wbr>nels (effectif distinct)"
    assert hyphenated("Profession ou structure") == "Profession ou structure"  # ten letters: whole
    assert hyphenated("part_gouvernance_pct QN01370NABCDEF") == "part_gouvernance_pct QN01370NABCDEF"  # names, codes
    assert hyphenated("Établissements <b>") == "Éta<wbr>blis<wbr>se<wbr>ments &lt;b&gt;"  # escaped, not markup
    # A number's groups never part (a review: « pour 10 / 000 hab. » on two lines); codes side by side may.
    assert hyphenated("Densité (pour 10 000 hab.)") == "Densité (pour 10\u202f000 hab.)"
    assert hyphenated("04070 04001") == "04070 04001"
    view = table_view(pd.DataFrame({"Densité département (Alpes-de-Haute-Provence)": [1.5]}))
    assert view["columns"] == ["Densité département (Alpes-de-Haute-Provence)"]
    assert view["headers"] == ["Densité dé<wbr>par<wbr>te<wbr>ment (Alpes-de-Haute-Provence)"]
    html = render_report({"title": "T", "sections": [{"title": "S", "tables": [
        pd.DataFrame({"Densité département": [1.5]})]}]})
    assert '<th scope="col" class="num">Densité dé<wbr>par<wbr>te<wbr>ment</th>' in html


def test_a_unit_with_many_qpv_names_two_and_counts_the_others() -> None:
    """Marseille's thirty-odd QPV made its row of the communes table a whole printed page (rows never split)."""
    from types import SimpleNamespace

    from pipeline.render.sections.population import shortened_qpv
    from pipeline.render.trame import communes_rows

    many = " ; ".join(f"QPV {name} (QN0130{i}M) en ZIP" for i, name in enumerate(["A", "B", "C", "D"]))
    shortened = "QPV A (QN01300M) en ZIP ; QPV B (QN01301M) en ZIP ; et 2 autres QPV"
    assert shortened_qpv(many) == shortened
    assert shortened_qpv("QPV A (QN01300M) en ZIP ; QPV B (QN01301M) en ZIP") == \
        "QPV A (QN01300M) en ZIP ; QPV B (QN01301M) en ZIP"
    assert shortened_qpv("aucun QPV zoné") == "aucun QPV zoné"
    # The Word Trame's Tableau 1 as the report (a review: Marseille's 41 QPV in one cell made a 20 cm row).
    units = pd.DataFrame({"nom": ["Marseille"], "unit_code": ["13055"], "codes_postaux": ["13001"],
                          "particularites": [many]})
    rows = communes_rows(SimpleNamespace(units=units))  # type: ignore[arg-type]
    assert rows[0].particularites == shortened
    # The Word Trame says where the others are, under the table (a review: it never did).
    from pipeline.render.sections.population import qpv_list_note

    assert qpv_list_note(units).endswith(
        "la liste complète est dans le fichier communes.csv et la feuille « Communes » du classeur diagnostic.xlsx")
    assert qpv_list_note(units.assign(particularites=["aucun QPV zoné"])) == ""
