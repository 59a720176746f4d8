"""French non-breaking spaces in the HTML report (the Word Trame's are in ``test_docx_typography.py``).

A review: the report wrote « Territoire : … » with ordinary spaces (126 of them in the Verdon's), so a browser or
the printed PDF could put a colon or a closing guillemet alone at the start of a line.
"""

from __future__ import annotations

import re

from pipeline.render.french_typography import NBSP, NNBSP, french_spaces_in_html
from pipeline.render.report import render_report
from tests.render.test_report import demo_context


def test_only_the_text_of_a_page_is_set() -> None:
    page = ('<p title="a : b">Taille : 1 ; « x » ?</p><script>var a = b ? c : d;</script>'
            '<style>p { margin : 0 }</style><!-- note : gardée --><b>Source</b> : IGN')
    assert french_spaces_in_html(page) == (
        f'<p title="a : b">Taille{NBSP}: 1{NNBSP}; «{NBSP}x{NBSP}»{NNBSP}?</p><script>var a = b ? c : d;</script>'
        f'<style>p {{ margin : 0 }}</style><!-- note : gardée --><b>Source</b>{NBSP}: IGN')


def test_the_report_breaks_no_line_before_a_colon_or_inside_guillemets() -> None:
    context = demo_context()
    context["sections"][0]["paragraphs"] = ["Territoire : « CPTS du Verdon » ; population ?"]
    page = render_report(context)
    text = re.sub(r"<[^>]*>", "", re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S))
    assert f"Territoire{NBSP}: «{NBSP}CPTS du Verdon{NBSP}»{NNBSP}; population{NNBSP}?" in text
    # No ordinary space before a colon or a closing guillemet anywhere in the visible text.
    assert re.findall(r".{0,20}[ \t\n](?::|»)", text) == []
