"""French non-breaking spaces, for the Word documents and the HTML report alike.

French typography puts a space before « : ; ? ! » and inside « », and that
space must never break (a colon alone at the start of a line, a guillemet
alone at the end of one). The texts of the diagnostic are written with
ordinary spaces; a browser or Word would break at them, so each document is
set once, after it is built: a non-breaking space (U+00A0) before the colon
and inside guillemets, a narrow one (U+202F) before « ; ? ! » and « % », as
the Imprimerie nationale's rules give them.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
NNBSP = "\u202f"

#: (pattern, replacement) applied in order; a space means any ordinary space or tab run.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[ \t]+:"), NBSP + ":"),
    (re.compile(r"[ \t]+([;?!%])"), NNBSP + r"\1"),
    (re.compile(r"«[ \t]+"), "«" + NBSP),
    (re.compile(r"[ \t]+»"), NBSP + "»"),
)
#: What of an HTML page is no text to set: scripts, styles, comments and tags (their attributes included).
_NOT_TEXT = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>)",
                       re.DOTALL | re.IGNORECASE)


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


def french_spaces_in_html(page: str) -> str:
    """``page`` with :func:`french_spaces` applied to its text only: tags, attributes, scripts, styles and
    comments are left as they are (a script's ``a ? b : c`` is code, not French)."""
    parts = _NOT_TEXT.split(page)
    return "".join(part if index % 2 else french_spaces(part) for index, part in enumerate(parts))


__all__ = ["NBSP", "NNBSP", "french_spaces", "french_spaces_in_html"]
