"""Soft hyphens in table headers, at French hyphenation points (pyphen, the dictionaries of LibreOffice)."""

from __future__ import annotations

import functools
import re

import pyphen

#: Words longer than this get soft hyphens in table headers (« Profession » stays whole).
HYPHENATED_FROM = 11
SOFT_HYPHEN = "\u00ad"


@functools.lru_cache(maxsize=1)
def _french_hyphenation() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="fr_FR")


def hyphenated(text: str) -> str:
    """``text`` with soft hyphens at the French hyphenation points of its long words.

    A printed table of ten columns is wider than the A4 page when its headers' words stay whole
    (« Professionnels », « départements ») and ugly when they break anywhere (« Profe/ssion/nels »): with soft
    hyphens the browser breaks « Profes-sionnels » only where the column needs it, and shows the hyphen.
    """
    hyphenator = _french_hyphenation()
    return re.sub(rf"\w{{{HYPHENATED_FROM},}}",
                  lambda match: hyphenator.inserted(match.group(0), hyphen=SOFT_HYPHEN), text)
