"""French non-breaking spaces in a Word document.

The rules are :mod:`pipeline.render.french_typography`'s; a Word document is
set once, after it is built, its text runs and the spaces between them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from docx.document import Document as WordDocument
from docx.oxml.ns import qn

from pipeline.render.french_typography import NBSP, NNBSP, french_spaces

#: A text run that starts with a mark the space before it must not break from.
_STARTS_WITH_MARK = re.compile(r"^[:;?!%»]")


def _paragraphs(document: WordDocument) -> Iterator[Any]:
    """Every ``w:p`` of the body (tables included), the headers and the footers."""
    roots = [document.element.body]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if not part.is_linked_to_previous:
                roots.append(part._element)
    for root in roots:
        yield from root.iter(qn("w:p"))


def set_french_spacing(document: WordDocument) -> None:
    """Apply :func:`french_spaces` to every text of ``document``, in place.

    A space at the end of one run before a run that starts with « : » (a bold
    figure followed by its unit, say) is made non-breaking too.
    """
    for paragraph in _paragraphs(document):
        texts = list(paragraph.iter(qn("w:t")))
        for element in texts:
            if element.text:
                element.text = french_spaces(element.text)
        for before, after in itertools.pairwise(texts):
            if not (before.text and after.text):
                continue
            if before.text.endswith(" ") and _STARTS_WITH_MARK.match(after.text):
                before.text = before.text.rstrip(" ") + (NBSP if after.text[0] in ":»" else NNBSP)
            elif before.text.endswith("«") and after.text.startswith(" "):
                after.text = NBSP + after.text.lstrip(" ")

__all__ = ["NBSP", "NNBSP", "french_spaces", "set_french_spacing"]
