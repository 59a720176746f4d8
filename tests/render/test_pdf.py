"""The report printed as a PDF annex: A4, page numbers, running header in the margin, numbered table of
contents that matches the pages where headings land, long tables flowing with repeated headers."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import PipelineError
from pipeline.render import pdf as pdf_module
from pipeline.render.pdf import BrowserMissingError, destination_pages, find_chromium, page_count, print_pdf
from pipeline.render.report import css_string, render_report, write_report
from tests.render.pdf_text import page_texts

DEMO = "Données fictives de démonstration"
ROWS = 500
SUBSECTIONS = 12
TITLE = 'Diagnostic territorial – CPTS « Test » "guillemets" </style>'
SCREENSHOT_DIR = Path("/tmp/cpts_screenshots")


def long_context() -> dict:
    """A report with a 500-row table and subsections of uneven lengths (headings land anywhere on a page)."""
    rng = random.Random(7)
    big = pd.DataFrame({
        "Code": [f"C{i:05d}" for i in range(ROWS)],
        "Commune": [f"Lieu-dit numéro {i}" for i in range(ROWS)],
        "Population": np.arange(ROWS) * 37,
        "Densité": np.linspace(0, 100, ROWS),
    })
    subsections = [
        {"title": f"Sous-partie {chr(65 + k)}",
         "paragraphs": [f"Paragraphe {k}.{j} : " + "texte de remplissage " * rng.randint(5, 60)
                        for j in range(rng.randint(1, 6))]}
        for k in range(SUBSECTIONS)
    ]
    return {
        "title": TITLE,
        "territory": "communes:04070",
        "generated": dt.date(2026, 11, 1),
        "demo_data": True,
        "sections": [
            {"title": "Communes du périmètre", "paragraphs": ["Introduction."],
             "tables": [{"title": "Grande table", "data": big, "decimals": {"Densité": 1}}]},
            {"title": "Offre libérale", "paragraphs": ["Présentation."], "subsections": subsections},
            {"title": "Équipements", "paragraphs": ["Fin."]},
        ],
        "sources": [{"nom": "Insee", "millesime": "2021"}],
    }


def toc_titles() -> list[str]:
    return (["Communes du périmètre", "Offre libérale"] + [f"Sous-partie {chr(65 + k)}" for k in range(SUBSECTIONS)]
            + ["Équipements", "Sources et provenance des données"])


def lines(text: str) -> list[str]:
    return [unicodedata.normalize("NFKC", line).strip() for line in text.split("\n")]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    from tests.browser import _browser

    # Another Playwright session already runs in this thread (the shared test browser), as in a notebook:
    # printing must still work (it runs in a thread of its own).
    _browser()
    folder = tmp_path_factory.mktemp("pdf")
    html = write_report(long_context(), folder / "rapport.html")
    path = print_pdf(html, folder / "sortie" / "rapport.pdf")
    return path, page_texts(path.read_bytes())


@pytest.mark.browser
def test_long_report_prints_on_a_reasonable_number_of_a4_pages(printed: tuple[Path, list[str]]) -> None:
    path, texts = printed
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    # About 35 rows per page: 500 rows take 13 to 17 pages; plus cover, subsections, sources.
    assert 16 <= len(texts) <= 30
    assert page_count(data) == len(texts)
    media = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data))
    assert len(media) == 1
    width, height = (float(v) for v in media.pop())
    assert abs(width - 595.3) < 1.5 and abs(height - 841.9) < 1.5  # A4 portrait, in points


@pytest.mark.browser
def test_every_page_is_numbered_and_carries_the_demo_warning(printed: tuple[Path, list[str]]) -> None:
    _, texts = printed
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        flat = unicodedata.normalize("NFKC", text.replace("\n", ""))
        assert f"page {number} / {total}" in flat, number
        assert DEMO in lines(text), number
        # The running title is in the margin box, with its quotes and brackets intact.
        assert 'Diagnostic territorial – CPTS « Test » "guillemets" </style>' in lines(text), number


@pytest.mark.browser
def test_table_of_contents_numbers_are_the_pages_where_headings_land(printed: tuple[Path, list[str]]) -> None:
    _, texts = printed
    toc = lines(texts[0])
    assert "Sommaire" in toc
    shown = {}
    for title in toc_titles():
        index = toc.index(title)
        shown[title] = int(toc[index + 1])
    landed = {}
    for number, text in enumerate(texts[1:], start=2):
        for line in lines(text):
            if line in shown and line not in landed:
                landed[line] = number
    assert landed == shown
    # Sections start on a new page, in order; the long table pushes the second one far.
    assert shown["Communes du périmètre"] == 2
    assert shown["Offre libérale"] >= 15
    assert shown["Équipements"] > shown["Sous-partie L"]


@pytest.mark.browser
def test_long_table_rows_stay_whole_and_header_repeats(printed: tuple[Path, list[str]]) -> None:
    _, texts = printed
    page_of_code: dict[str, int] = {}
    page_of_name: dict[str, int] = {}
    for number, text in enumerate(texts, start=1):
        for line in lines(text):
            if re.fullmatch(r"C\d{5}", line):
                page_of_code[line] = number
            elif line.startswith("Lieu-dit numéro "):
                page_of_name[line] = number
    assert len(page_of_code) == ROWS and len(page_of_name) == ROWS
    for i in range(ROWS):
        assert page_of_code[f"C{i:05d}"] == page_of_name[f"Lieu-dit numéro {i}"], i
    table_pages = sorted(set(page_of_code.values()))
    assert len(table_pages) >= 12
    for number in table_pages:
        page = lines(texts[number - 1])
        assert page.index("Code") < page.index("Commune") < page.index("Population") < page.index("Densité")
        first_row = next(line for line in page if re.fullmatch(r"C\d{5}", line))
        assert page.index("Densité") < page.index(first_row)  # the header comes before the rows on every page


@pytest.mark.browser
def test_look_at_the_printed_pages(printed: tuple[Path, list[str]]) -> None:
    """Render pages of the PDF to PNG with Chromium's own PDF viewer, for a person to look at."""
    from tests.browser import _browser

    path, texts = printed
    context = _browser().new_context(viewport={"width": 820, "height": 1160})
    try:
        for number in (1, 3, len(texts)):
            page = context.new_page()
            page.goto(f"{path.resolve().as_uri()}#page={number}&zoom=page-fit&toolbar=0&navpanes=0")
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            shot = b""
            for _ in range(20):  # the viewer draws the page asynchronously: a blank frame is a few kB
                page.wait_for_timeout(500)
                shot = page.screenshot(path=str(SCREENSHOT_DIR / f"rapport_pdf_page_{number}.png"))
                if len(shot) > 20_000:
                    break
            assert len(shot) > 20_000
            page.close()
    finally:
        context.close()


def test_print_style_puts_header_and_numbers_in_the_page_margin() -> None:
    page = render_report(long_context())
    style = page[page.index("<style>"):page.index("</style>")]
    assert "position: fixed" not in style and "position:fixed" not in style
    assert '@bottom-center { content: "page " counter(page) " / " counter(pages)' in style
    assert "@top-right" in style and "@top-left" in style
    assert "thead { display: table-header-group; }" in style
    assert "tr { break-inside: avoid;" in style
    assert page.count("</style>") == 1  # the hostile title did not close the style sheet
    no_demo = render_report({**long_context(), "demo_data": False})
    assert "@top-right" not in no_demo


def test_css_string_cannot_escape_its_quotes() -> None:
    assert css_string('a"b') == '"a\\000022 b"'
    assert css_string("</style>") == '"\\00003c \\00002f style\\00003e "'
    assert css_string("CPTS – Vallée") == '"CPTS – Vallée"'
    assert css_string("x" * 200).endswith('…"') and len(css_string("x" * 200)) == 92


def test_missing_chromium_is_a_machine_error_saying_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    monkeypatch.setenv("CPTS_CHROMIUM", str(tmp_path / "absent" / "chromium"))
    with pytest.raises(BrowserMissingError) as error:
        find_chromium()
    assert error.value.exit_code == 1
    assert "apt-get install chromium" in str(error.value) and "make install" in str(error.value)
    monkeypatch.delenv("CPTS_CHROMIUM")
    monkeypatch.setattr(pdf_module, "CHROMIUM_CANDIDATES", (str(tmp_path / "none"), "chromium-absent-here"))
    with pytest.raises(BrowserMissingError, match="introuvable"):
        find_chromium()
    html = write_report({"title": "T", "sections": []}, tmp_path / "r.html")
    with pytest.raises(BrowserMissingError, match="apt-get install chromium"):
        print_pdf(html, tmp_path / "r.pdf", chromium=str(tmp_path / "absent"))
    assert not (tmp_path / "r.pdf").exists()


def test_missing_html_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="Rapport HTML introuvable") as error:
        print_pdf(tmp_path / "absent.html", tmp_path / "r.pdf")
    assert error.value.exit_code == 2


def _pdf(objects: list[bytes]) -> bytes:
    """A minimal PDF with a classic cross-reference table (objects numbered from 1)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_destinations_read_from_a_dests_dictionary_and_a_names_tree() -> None:
    # Pages tree: 2 -> [3 (page 1), 4 -> [5 (page 2), 6 (page 3)]]
    objects = [
        b"<</Type /Catalog /Pages 2 0 R /Dests 7 0 R /Names <</Dests 8 0 R>>>>",
        b"<</Type /Pages /Count 3 /Kids [3 0 R 4 0 R]>>",
        b"<</Type /Page /Parent 2 0 R>>",
        b"<</Type /Pages /Count 2 /Kids [5 0 R 6 0 R] /Parent 2 0 R>>",
        b"<</Type /Page /Parent 4 0 R>>",
        b"<</Type /Page /Parent 4 0 R>>",
        b"<</offre-de-soins [6 0 R /XYZ 6 800 0]\n/territoire [3 0 R /XYZ 6 800 0]\n/acc#c3#a8s [5 0 R /Fit]>>",
        b"<</Kids [9 0 R]>>",
        b"<</Names [(sources) [5 0 R /XYZ 0 0 0] (voisins) [6 0 R /Fit]]>>",
    ]
    data = _pdf(objects)
    assert page_count(data) == 3
    assert destination_pages(data) == {"offre-de-soins": 3, "territoire": 1, "accès": 2, "sources": 2,
                                       "voisins": 3}
