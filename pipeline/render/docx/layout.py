"""Word building blocks for the Trame: page, styles, header and footer, tables, boxes.

Everything uses real Word styles so that the CPTS team can restyle the
document: ``Title``, ``Heading 1``–``3``, ``Caption``, ``List Bullet``,
``Table Grid``, plus four styles of ours: « Consigne Trame » (the Trame's
guidance, grey italics), « Source » (provenance under a table or a figure),
« Texte de tableau » and « Avertissement » (demonstration data, red).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph as WordParagraph

GUIDANCE_STYLE = "Consigne Trame"
SOURCE_STYLE = "Source"
CELL_STYLE = "Texte de tableau"
WARNING_STYLE = "Avertissement"
TABLE_STYLE = "Table Grid"
CAPTION_STYLE = "Caption"

BLUE = RGBColor(0x1D, 0x35, 0x57)
GREY = RGBColor(0x6E, 0x6E, 0x6E)
RED = RGBColor(0xB0, 0x00, 0x20)
HEADER_SHADING = "DCE3EC"
#: Font with the ballot-box glyphs ☐ ☒ in Word (LibreOffice falls back on its own).
BOX_FONT = "MS Gothic"
#: Width available between the margins of an A4 page with 2 cm margins.
TEXT_WIDTH_CM = 17.0
#: Height available between the margins (29.7 cm less 2.2 and 2 cm), less room for a caption and a repeated header.
ROW_HEIGHT_LIMIT_CM = 29.7 - 2.2 - 2.0 - 4.0
#: Font size of the table text (points), as the cell style sets it.
CELL_POINTS = 9.0
_CM_PER_POINT = 2.54 / 72


#: Characters XML 1.0 forbids (python-docx refuses them): control characters, lone surrogates.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without the characters a Word file cannot hold (replaced by U+FFFD)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def set_up_page(document: WordDocument) -> None:
    """A4 portrait, 2 cm margins, header and footer 1 cm from the edge."""
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
        section.header_distance = section.footer_distance = Cm(1)


def _set_language(style_element: Any, language: str = "fr-FR") -> None:
    rpr = style_element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)


def set_up_styles(document: WordDocument) -> None:
    """Fonts, French language (spelling), heading colours and the styles of ours."""
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    _set_language(normal.element)
    for name, size in (("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
        heading = styles[name]
        heading.font.size = Pt(size)
        heading.font.color.rgb = BLUE
        heading.paragraph_format.keep_with_next = True
    styles["Title"].font.color.rgb = BLUE
    styles[CAPTION_STYLE].paragraph_format.keep_with_next = True

    guidance = styles.add_style(GUIDANCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    guidance.base_style = normal
    guidance.font.italic = True
    guidance.font.color.rgb = GREY
    guidance.font.size = Pt(9.5)

    source = styles.add_style(SOURCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    source.base_style = normal
    source.font.size = Pt(8)
    source.font.color.rgb = GREY
    source.paragraph_format.space_before = Pt(2)
    source.paragraph_format.space_after = Pt(10)

    cell = styles.add_style(CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(CELL_POINTS)
    cell.paragraph_format.space_after = Pt(0)

    warning = styles.add_style(WARNING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    warning.base_style = normal
    warning.font.bold = True
    warning.font.color.rgb = RED
    warning.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def add_field(paragraph: WordParagraph, instruction: str, placeholder: str = "1") -> None:
    """Append a Word field (``PAGE``, ``NUMPAGES``) that the word processor computes on display."""

    def run_with(child: Any) -> None:
        run = OxmlElement("w:r")
        run.append(child)
        paragraph._p.append(run)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def set_up_header_footer(document: WordDocument, running_title: str, demo_warning: str | None) -> None:
    """Running title (and the demonstration warning, in red) on every page; « page X / Y » in the footer."""
    for section in document.sections:
        section.different_first_page_header_footer = False
        header = section.header
        header.is_linked_to_previous = False
        title = header.paragraphs[0]
        title.text = clean(running_title)
        title.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for run in title.runs:
            run.font.size = Pt(8)
            run.font.color.rgb = GREY
        if demo_warning:
            warning = header.add_paragraph(clean(demo_warning), style=WARNING_STYLE)
            warning.paragraph_format.space_after = Pt(0)
        footer = section.footer
        footer.is_linked_to_previous = False
        line = footer.paragraphs[0]
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        line.add_run("page ")
        add_field(line, "PAGE")
        line.add_run(" / ")
        add_field(line, "NUMPAGES")


def _shade(cell: _Cell, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    properties.append(shading)


def _row_flag(row: _Row, tag: str) -> None:
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement(tag)
    properties.append(flag)


def style_id(document: WordDocument, name: str) -> str:
    """Identifier of the paragraph style ``name`` in ``document``."""
    return str(document.styles[name].style_id)


def set_style(paragraph: WordParagraph, identifier: str) -> None:
    """Apply a paragraph style by identifier.

    ``paragraph.style = name`` looks the style up among all styles at each
    call, which made a long table take seconds; the identifier is looked up once.
    """
    paragraph._p.style = identifier


def fill_cell(cell: _Cell, text: str, style: str, *, bold: bool = False, right: bool = False,
              size: float | None = None) -> None:
    """Write ``text`` (lines separated by ``\\n``) in ``cell`` with the paragraph style ``style`` (identifier)."""
    lines = text.split("\n") if text else [""]
    paragraph = cell.paragraphs[0]
    set_style(paragraph, style)
    for index, line in enumerate(lines):
        if index:
            paragraph = cell.add_paragraph()
            set_style(paragraph, style)
        if line:
            run = paragraph.add_run(clean(line))
            run.bold = bold or None
            if size is not None:
                run.font.size = Pt(size)
        if right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _wrapped_lines(text: str, per_line: int) -> int:
    """Lines ``text`` takes in a cell of ``per_line`` characters, wrapped at spaces as a word processor wraps it (a
    word longer than a line is broken)."""
    total = 0
    for paragraph in (text or "").split("\n"):
        lines, used = 1, 0
        for word in paragraph.split(" "):
            if used and used + 1 + len(word) > per_line:  # to the next line
                lines, used = lines + 1, 0
            used += len(word) + (1 if used else 0)
            while used > per_line:  # broken within the word
                lines, used = lines + 1, used - per_line
        total += lines
    return total


def row_height_cm(values: Sequence[str], widths_cm: Sequence[float], points: float) -> float:
    """A generous estimate of the height of a table row: each cell's wrapped lines at a mean glyph width of 0.6
    em (capitals and bold are wider than the 0.5 em of digits) and a line height of 1.2 em, in the cell's width
    less Word's margins (0.19 cm each side); the tallest cell makes the row."""
    glyph, line = 0.6 * points * _CM_PER_POINT, 1.2 * points * _CM_PER_POINT
    tallest = 0
    for value, width in zip(values, widths_cm, strict=True):
        tallest = max(tallest, _wrapped_lines(value, max(1, int((width - 0.4) / glyph))))
    return tallest * line


def add_table(
    document: WordDocument,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[bool] | None = None,
    widths_cm: Sequence[float] | None = None,
    size: float | None = None,
) -> Table:
    """A ``Table Grid`` table: shaded bold header repeated on each page, rows kept whole on a page.

    A row taller than a page (a cell listing hundreds of codes, the units of Paris's bassin de vie outside a
    territory) may break across pages: kept whole, Word cuts it at the foot of the page and its end is lost.
    """
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = document.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    aligned = list(right) if right is not None else [False] * len(header)
    cell_style = style_id(document, CELL_STYLE)
    widths = list(widths_cm) if widths_cm is not None else [TEXT_WIDTH_CM / len(header)] * len(header)
    for index, row in enumerate(table.rows):
        values = header if index == 0 else rows[index - 1]
        if row_height_cm(values, widths, size or CELL_POINTS) <= ROW_HEIGHT_LIMIT_CM:
            _row_flag(row, "w:cantSplit")
        for j, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            if index == 0:
                fill_cell(cell, value, cell_style, bold=True, size=size)
                _shade(cell, HEADER_SHADING)
            else:
                fill_cell(cell, value, cell_style, right=aligned[j], size=size)
            if widths_cm is not None:
                cell.width = Cm(widths_cm[j])
        if index == 0:
            _row_flag(row, "w:tblHeader")
    return table


def add_box(document: WordDocument, guidance: Sequence[str], empty_lines: int = 4) -> Table:
    """An editable framed box (one-cell table) with the Trame's prompt in grey italics."""
    table = document.add_table(rows=1, cols=1)
    table.style = document.styles[TABLE_STYLE]
    cell = table.rows[0].cells[0]
    cell.width = Cm(TEXT_WIDTH_CM)
    guidance_style = style_id(document, GUIDANCE_STYLE)
    for index, line in enumerate(guidance):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        set_style(paragraph, guidance_style)
        paragraph.add_run(clean(line))
    for _ in range(empty_lines):
        cell.add_paragraph()
    document.add_paragraph()
    return table


def merge_down(table: Table, column: int, first_row: int, last_row: int) -> _Cell:
    """Merge the cells of ``column`` from ``first_row`` to ``last_row`` (inclusive)."""
    top = table.cell(first_row, column)
    return top.merge(table.cell(last_row, column)) if last_row > first_row else top


def shade(cell: _Cell, colour: str = HEADER_SHADING) -> None:
    """Shade ``cell`` with ``colour`` (hex RGB)."""
    _shade(cell, colour)


__all__ = [
    "BOX_FONT",
    "CAPTION_STYLE",
    "CELL_STYLE",
    "GUIDANCE_STYLE",
    "SOURCE_STYLE",
    "TABLE_STYLE",
    "TEXT_WIDTH_CM",
    "WARNING_STYLE",
    "add_box",
    "add_field",
    "add_table",
    "clean",
    "fill_cell",
    "merge_down",
    "set_style",
    "set_up_header_footer",
    "set_up_page",
    "set_up_styles",
    "shade",
    "style_id",
]
