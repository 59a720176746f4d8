"""Text the printed figures can draw: the characters of their font only."""

from __future__ import annotations

import re
import unicodedata

from matplotlib.font_manager import FontProperties, findfont, get_font


def drawable(text: str, properties: FontProperties | None = None) -> str:
    """``text`` without the characters its font has no glyph for (an emoji in a CPTS's name printed as an empty
    box, and matplotlib warned in English about each, a review), spaces left by them collapsed.

    >>> drawable("CPTS 🏥 du Verdon")
    'CPTS du Verdon'
    """
    if text.isascii():
        return text
    font = get_font(findfont(properties or FontProperties()))
    # Joiners and variation selectors only shape an emoji: left out with it.
    kept = "".join(c for c in text if c.isspace() or (font.get_char_index(ord(c)) != 0
                                                      and unicodedata.category(c) != "Cf"
                                                      and not "\ufe00" <= c <= "\ufe0f"))
    return re.sub(r"[ \t]{2,}", " ", kept).strip() if kept != text else text
