"""French non-breaking spaces in a Word document.

French typography puts a space before « : ; ? ! » and inside « », and that
space must never break (a colon alone at the start of a line, a guillemet
alone at the end of one). The texts of the Trame and of the diagnostic are
written with ordinary spaces; Word would break at them, so the whole
document is set once, after it is built: a non-breaking space (U+00A0)
before the colon and inside guillemets, a narrow one (U+202F) before
« ; ? ! » and « % », as the Imprimerie nationale's rules give them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from docx.document import Document as WordDocument
from docx.oxml.ns import qn

NBSP = "\u00a0"
NNBSP = "\u202f"

#: (pattern, replacement) applied in order; a space means any ordinary space or tab run.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[ \t]+:"), NBSP + ":"),
    (re.compile(r"[ \t]+([;?!%])"), NNBSP + r"\1"),
    (re.compile(r"«[ \t]+"), "«" + NBSP),
    (re.compile(r"[ \t]+»"), NBSP + "»"),
)
#: A text run that starts with a mark the space before it must not break from.
_STARTS_WITH_MARK = re.compile(r"^[:;?!%»]")


def french_spaces(text: str) -> str:
    """``text`` with the spaces around French punctuation made non-breaking.

    >>> french_spaces("Taille 1 : moins de 40 000 habitants ; « diabète » ?")
    'Taille 1\\xa0: moins de 40 000 habitants\\u202f; «\\xa0diabète\\xa0»\\u202f?'
    >>> french_spaces("https://example.org/a?b=1 10:30")
    'https://example.org/a?b=1 10:30'
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


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
