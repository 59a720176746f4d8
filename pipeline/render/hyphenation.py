"""Break opportunities in table headers, at French hyphenation points (pyphen, the dictionaries of LibreOffice)."""

from __future__ import annotations

import functools
import re

import pyphen
from markupsafe import Markup, escape

#: Words longer than this get break opportunities in table headers (« Profession » stays whole).
HYPHENATED_FROM = 11
#: The break opportunity: an empty element, so that a header's text stays its text (a soft hyphen stayed in the
#: printed PDF's text layer: « Particularités » could no longer be searched or copied).
BREAK = "<wbr>"


@functools.lru_cache(maxsize=1)
def _french_hyphenation() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="fr_FR")


def hyphenated(text: str) -> Markup:
    """``text`` escaped for HTML, with ``<wbr>`` at the French hyphenation points of its long words.

    A printed table of ten columns is wider than the A4 page when its headers' words stay whole
    (« Professionnels », « départements ») and ugly when they break anywhere (« Profe/ssion/nels »): the browser
    breaks « Profes/sionnels » only where the column needs it.
    """
    hyphenator = _french_hyphenation()
    # « 10 000 » is one number: a narrow no-break space between its groups, as in the table's figures (a review:
    # « pour 10 / 000 hab. » printed on two lines).
    text = re.sub(r"(?<=\d) (?=\d{3}(?!\d))", "\u202f", text)
    # Letters only, whole words: a machine name (« part_gouvernance_pct ») or a code keeps its form.
    pieces = re.split(rf"((?<!\w)[^\W\d_]{{{HYPHENATED_FROM},}}(?!\w))", text)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:  # a long word
            out.append(Markup(BREAK).join(escape(part) for part in hyphenator.inserted(piece, hyphen="\0").split("\0")))
        else:
            out.append(escape(piece))
    return Markup("").join(out)
