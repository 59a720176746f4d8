"""Render folium maps without evaluating rendered text as a template again.

When a folium map is rendered, branca wraps each element's rendered header,
body and script in a new ``Element(text)``, which compiles ``text`` as a Jinja
template and renders it once more. That costs about 200 compilations per
diagnostic's two maps, and it evaluates whatever the text holds: a commune or
CPTS name of a user's listing reading ``{{ 7*7 }}`` came out « 49 », one
reading ``{# x`` stopped the map, and Jinja outside a sandbox runs what such a
name asks (template injection).

:func:`fast_templates` swaps the two template factories, for the duration of
one render only:

* in branca's ``Element``, every text becomes a :class:`Literal`, rendered to
  what Jinja gives for a text without template syntax: the text with its
  newlines normalised and one trailing newline dropped (Jinja's defaults,
  which branca keeps). Such text is already rendered output, never a
  template;
* every template folium builds itself (constant texts, which folium may use
  as more than a text to render) is compiled once per distinct text:
  compiled templates are immutable and reusable.

Without template syntax in the data, the page is byte for byte the one
folium writes on its own (``tests/render/test_folium_templates.py`` renders
the three kinds of maps both ways); with it, the names are shown as written.
:func:`literal_element` gives the pipeline's own data-bearing elements (the
map's title and source) the same protection before the render.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from typing import Any

import branca.element
import folium.features
import folium.template

_JINJA_SYNTAX = ("{{", "{%", "{#")
_NEWLINES = re.compile(r"\r\n|\r")


class Literal:
    """A rendered text kept as text: what Jinja renders for it when it holds no template syntax."""

    def __init__(self, source: str) -> None:
        text = _NEWLINES.sub("\n", source)
        self._text = text[:-1] if text.endswith("\n") else text

    def render(self, *_args: Any, **_kwargs: Any) -> str:
        return self._text


def is_literal(source: str) -> bool:
    """True when ``source`` has no Jinja syntax (Jinja would render it as :class:`Literal` does)."""
    return not any(marker in source for marker in _JINJA_SYNTAX)


def literal_element(html: str) -> branca.element.Element:
    """A branca ``Element`` showing ``html`` as it is (data in it is never evaluated as a template)."""
    element = branca.element.Element()
    element._template = Literal(html)  # type: ignore[assignment]  # render() only calls its render()
    return element


@functools.lru_cache(maxsize=256)
def _compiled_folium(source: str) -> folium.template.Template:
    return folium.template.Template(source)


@contextlib.contextmanager
def fast_templates() -> Iterator[None]:
    """Within the block, branca and folium build templates through the shortcuts above (then restored)."""
    saved = branca.element.Template, folium.features.Template
    branca.element.Template = Literal  # type: ignore[assignment,misc]
    folium.features.Template = _compiled_folium  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        branca.element.Template, folium.features.Template = saved  # type: ignore[misc]
