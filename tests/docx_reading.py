"""Open a Word file the tool wrote, with its French non-breaking spaces read as ordinary ones.

The tool sets the spaces before « : ; ? ! » and inside « » non-breaking
(``pipeline/render/docx/typography.py``); tests that compare the Word file's
wording with the seed documents or with the HTML report read it through
:func:`read_docx`, and ``tests/render/test_docx_typography.py`` checks the
spaces themselves on the raw file.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.document import Document as WordDocument
from docx.oxml.ns import qn

from tests.french_spacing import as_typed


def read_docx(path: str | Path) -> WordDocument:
    """The document at ``path`` with the typographic spaces around punctuation as ordinary spaces."""
    document = docx.Document(str(path))
    roots = [document.element.body] + [section.header._element for section in document.sections]
    for root in roots:
        for element in root.iter(qn("w:t")):
            if element.text:
                element.text = as_typed(element.text)
    return document


def plain_spaces(text: str) -> str:
    """``text`` with every non-breaking space (U+00A0, U+202F) as an ordinary one, to compare wordings."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")
