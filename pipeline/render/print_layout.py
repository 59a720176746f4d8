"""The report laid out as on the printed page before Chromium prints it, its broken header words hyphenated.

A table header's long words may break at their French hyphenation points (``<wbr>``,
:mod:`pipeline.render.hyphenation`). The browser writes no hyphen at such a break: a review read « Profes /
sionnels » and « dé / partement » in the printed report. A soft hyphen would write one, but stays in the PDF's
text where the word is not broken (« Particularités » could no longer be searched or copied). So the page is laid
out at the printed width, and a hyphen is written where a line does break inside a word, and nowhere else.
"""

from __future__ import annotations

from typing import Any

#: Width of the printed page's content in CSS pixels: A4 (210 mm) less the report's side margins (``@page`` of
#: rapport.html.j2, 14 mm each), at 96 px per inch.
PRINTED_WIDTH_MM = 210 - 2 * 14
PRINTED_WIDTH_PX = round(PRINTED_WIDTH_MM / 25.4 * 96)

#: Writes a hyphen (``span.coupure``) before each ``<wbr>`` of a table header where the line breaks between two
#: letters; returns how many. A hyphen that pushes its syllable onto the next line (the line was full) is taken
#: back with its break opportunity: the browser then breaks elsewhere, and the loop looks again.
HYPHENATE_BREAKS = r"""() => {
  const letter = /\p{L}/u;
  const edge = (node, last) => {
    const range = document.createRange();
    const n = node.textContent.length;
    range.setStart(node, last ? n - 1 : 0);
    range.setEnd(node, last ? n : 1);
    const rects = range.getClientRects();
    return rects.length ? rects[rects.length - 1] : null;
  };
  const hyphenOf = wbr => wbr.previousSibling.nodeType === 1 ? wbr.previousSibling : null;
  const broken = wbr => {
    const hyphen = hyphenOf(wbr);
    const a = edge(hyphen ? hyphen.firstChild : wbr.previousSibling, true), b = edge(wbr.nextSibling, false);
    return a !== null && b !== null && b.top >= a.bottom - 1;
  };
  let open = Array.from(document.querySelectorAll('th wbr')).filter(wbr => {
    const before = wbr.previousSibling, after = wbr.nextSibling;
    return before && after && before.nodeType === 3 && after.nodeType === 3
      && letter.test(before.textContent.slice(-1)) && letter.test(after.textContent.slice(0, 1));
  });
  for (let pass = 0; pass < 8; pass++) {
    let changed = false;
    for (const wbr of open) {
      const hyphen = hyphenOf(wbr);
      if (!hyphen && broken(wbr)) {
        const span = document.createElement('span');
        span.className = 'coupure';
        span.textContent = '-';
        wbr.before(span);
        changed = true;
      }
    }
    for (const wbr of open) {
      const hyphen = hyphenOf(wbr);
      if (hyphen && !broken(wbr)) {
        hyphen.remove();
        wbr.remove();
        changed = true;
      }
    }
    open = open.filter(wbr => wbr.isConnected);
    if (!changed) break;
  }
  return document.querySelectorAll('span.coupure').length;
}"""


def lay_out_for_print(page: Any) -> int:
    """Lay the loaded ``page`` (Playwright) out as printed (print styles, the page's width) and hyphenate its
    broken header words; returns the number of hyphens written."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINTED_WIDTH_PX, "height": 1000})
    written: int = page.evaluate(HYPHENATE_BREAKS)
    return written
