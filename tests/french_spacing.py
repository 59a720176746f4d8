"""The tool's French non-breaking spaces read back as the ordinary spaces the tests write.

The report and the Word Trame set the space before « : ; ? ! » and inside « » non-breaking
(:mod:`pipeline.render.french_typography`); tests that compare wordings read the documents through
:func:`as_typed`, and ``tests/render/test_french_typography.py`` checks the spaces themselves. Other
non-breaking spaces (thousands, « 0,5 % ») are left as they are.
"""

from __future__ import annotations

import re

UNDO = ((re.compile("\u00a0:"), " :"), (re.compile("\u202f([;?!])"), r" \1"), (re.compile("«\u00a0"), "« "),
        (re.compile("\u00a0»"), " »"))


def as_typed(text: str) -> str:
    """``text`` with the typographic spaces around French punctuation as ordinary spaces."""
    for pattern, replacement in UNDO:
        text = pattern.sub(replacement, text)
    return text
