"""Template files of the interactive maps (CSS and Leaflet JavaScript under ``pipeline/render/templates``).

JavaScript templates are Jinja macros named ``script`` (folium's convention):
:func:`macro` loads one as a :class:`folium.template.Template` for a
:class:`branca.element.MacroElement`. Stylesheets and plain JavaScript
snippets are read as text.
"""

from __future__ import annotations

import functools
from pathlib import Path

from folium.template import Template

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@functools.cache
def text(name: str) -> str:
    """Content of a template file (``map-page.css``, ``map-cluster-icon.js``...)."""
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def macro(name: str) -> Template:
    """A folium template from a ``.js.j2`` file defining ``{% macro script(this, kwargs) %}``."""
    return Template(text(name))


def stylesheet(name: str) -> str:
    """A ``<style>`` element holding a CSS template file."""
    return f"<style>\n{text(name)}</style>"
