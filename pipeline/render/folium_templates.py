"""Render folium maps without compiling the same Jinja text hundreds of times.

When a folium map is rendered, branca wraps each element's rendered header,
body and script in a new ``Element(text)``, which compiles ``text`` as a Jinja
template only to render it back (about 200 compilations per diagnostic's two
maps, a tenth of a second or more each diagnostic); folium's GeoJSON tooltips
also compile one constant template text at each render.

:func:`fast_templates` swaps the two template factories, for the duration of
one render only:

* in branca's ``Element``, a text with no Jinja syntax (``{{``, ``{%``,
  ``{#``) becomes a :class:`Literal`, which renders to what Jinja would give
  for it: the text with its newlines normalised and one trailing newline
  dropped (Jinja's defaults, which branca keeps);
* any other text, and every template folium builds itself (folium may use
  them as more than a text to render), is compiled once per distinct text:
  compiled templates are immutable and reusable.

The page is byte for byte the one folium writes on its own
(``tests/render/test_folium_templates.py`` renders the diagnostic's maps both
ways).
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
import jinja2

_JINJA_SYNTAX = ("{{", "{%", "{#")
_NEWLINES = re.compile(r"\r\n|\r")


class Literal:
    """A template text without Jinja syntax, rendered as Jinja renders it (see the module docstring)."""

    def __init__(self, source: str) -> None:
        text = _NEWLINES.sub("\n", source)
        self._text = text[:-1] if text.endswith("\n") else text

    def render(self, *_args: Any, **_kwargs: Any) -> str:
        return self._text


def is_literal(source: str) -> bool:
    """True when ``source`` has no Jinja syntax, so that rendering it cannot depend on any variable."""
    return not any(marker in source for marker in _JINJA_SYNTAX)


@functools.lru_cache(maxsize=256)
def _compiled_branca(source: str) -> jinja2.Template:
    return jinja2.Template(source)


@functools.lru_cache(maxsize=256)
def _compiled_folium(source: str) -> folium.template.Template:
    return folium.template.Template(source)


def _branca_template(source: str) -> Literal | jinja2.Template:
    return Literal(source) if is_literal(source) else _compiled_branca(source)


@contextlib.contextmanager
def fast_templates() -> Iterator[None]:
    """Within the block, branca and folium build templates through the shortcuts above (then restored)."""
    saved = branca.element.Template, folium.features.Template
    branca.element.Template = _branca_template  # type: ignore[assignment,misc]
    folium.features.Template = _compiled_folium  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        branca.element.Template, folium.features.Template = saved  # type: ignore[misc]
