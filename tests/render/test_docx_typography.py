"""French non-breaking spaces in the Word Trame (pipeline/render/docx/typography.py).

French typography puts a space before « : ; ? ! » and inside « », and Word must
not break a line at it (a review found ordinary spaces there: « : » alone at the
start of a line in Word).
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
from docx.oxml.ns import qn

from pipeline.render.docx.typography import french_spaces, set_french_spacing
from pipeline.render.docx.writer import write_trame_docx
from tests.render.test_docx import trame

#: A breakable space where French typography wants a non-breaking one.
BREAKABLE = re.compile(r"[ \t][:;?!»]|«[ \t]")


def paragraph_texts(document: docx.document.Document) -> list[str]:
    roots = [document.element.body] + [section.header._element for section in document.sections]
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for root in roots for p in root.iter(qn("w:p"))]


def test_no_breakable_space_before_french_punctuation_in_the_trame(tmp_path: Path) -> None:
    raw = docx.Document(str(write_trame_docx(trame(tmp_path), tmp_path / "t.docx")))
    texts = paragraph_texts(raw)
    assert [t for t in texts if BREAKABLE.search(t)] == []
    # The seed's own lines, with the non-breaking spaces where the ordinary ones were.
    assert "☐ Taille 1\u00a0: moins de 40 000 habitants" in texts
    assert "Nom de la CPTS\u00a0:" in texts
    assert any("projet «\u00a0diabète\u00a0» et un projet «\u00a0addiction\u00a0»" in t for t in texts)
    assert any("\u202f; " in t for t in texts)  # « Insee, COG 2026 ; codes postaux … »


def test_french_spaces_closed_forms() -> None:
    assert french_spaces("Taille 1 : moins") == "Taille 1\u00a0: moins"
    assert french_spaces("a ; b ? c ! d 5 %") == "a\u202f; b\u202f? c\u202f! d 5\u202f%"
    assert french_spaces("« x »") == "«\u00a0x\u00a0»"
    assert french_spaces("Source  :  Insee") == "Source\u00a0:  Insee"
    # Nothing to do without a space before the mark: addresses, times, ratios stay as written.
    for text in ("https://www.insee.fr/a?b=1", "10:30", "1:25 000", "«x»", "page 1 / 3"):
        assert french_spaces(text) == text


def test_a_space_ending_one_run_before_a_mark_starting_the_next(tmp_path: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Population ")
    paragraph.add_run("40 000").bold = True
    paragraph.add_run(" habitants ")
    paragraph.add_run(": légale")
    quoted = document.add_paragraph("projet «")
    quoted.add_run(" diabète »")
    set_french_spacing(document)
    assert [p.text for p in document.paragraphs] == ["Population 40 000 habitants\u00a0: légale",
                                                      "projet «\u00a0diabète\u00a0»"]
