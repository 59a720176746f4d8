"""Rendering folium maps through :func:`fast_templates` writes the page folium writes on its own, without
evaluating the names of the data as templates."""

from __future__ import annotations

import contextlib
import itertools

import branca.element
import folium.features
import jinja2
import pytest

from pipeline.render.folium_templates import Literal, fast_templates, is_literal
from pipeline.render.maps import coverage_map, flow_map, territory_map
from pipeline.render.offline import render_self_contained
from tests.render.map_data import INDICATORS, synthetic_coverage, synthetic_territory


@pytest.mark.parametrize("text", [
    "",
    "\n",
    "plain text\n",
    "two trailing newlines\n\n",
    "windows\r\nlines\r\n",
    "old mac\rline\r",
    "  leading and trailing spaces  ",
    "var a = {x: 1}; function f() { return {y: 2}; }\n",
    "<script>alert(1)</script> « accents » \u202f",
])
def test_literal_renders_what_jinja_renders(text: str) -> None:
    assert is_literal(text)
    assert Literal(text).render(this=object(), kwargs={}) == jinja2.Template(text).render(this=object(), kwargs={})


@pytest.mark.parametrize("text", ["{{ this }}", "a {% if x %}b{% endif %}", "{# comment #}", "{{"])
def test_jinja_syntax_is_kept_as_written(text: str) -> None:
    assert not is_literal(text)
    assert Literal(text + "\n").render(this=object()) == text


def test_names_with_template_syntax_are_shown_as_written() -> None:
    """A review found « CPTS {{ 7*7 }} » shown « 49 » and « {# x » stopping the map: folium rendered the
    rendered blocks again as Jinja templates (outside a sandbox: a crafted listing could run code)."""
    data = synthetic_territory()
    data["communes"].loc[0, "nom"] = "{{ 7*7 }}"
    data["communes"].loc[1, "nom"] = "{# x"
    title = "CPTS {{ cycler.__init__.__globals__ }} {% if 1 %}oui{% endif %}"
    page = render_self_contained(territory_map(indicators=INDICATORS, title=title, **data))
    assert "{{ 7*7 }}" in page and "{# x" in page
    assert "CPTS {{ cycler.__init__.__globals__ }} {% if 1 %}oui{% endif %}" in page
    assert "os.system" not in page and "CPTS oui" not in page


def _pages(monkeypatch: pytest.MonkeyPatch, fast: bool) -> list[str]:
    """The three kinds of maps, built afresh (a folium map renders once) with element ids 0, 1, 2…"""
    ids = itertools.count()
    monkeypatch.setattr(branca.element.Element, "_generate_id", classmethod(lambda cls: f"{next(ids):032x}"))
    data = synthetic_territory(xss=True)
    maps = [
        territory_map(indicators=INDICATORS, title="CPTS du Pays dignois", demo_data=True, **data),
        flow_map(data["flows"], perimeter=data["perimeter"], communes=data["communes"]),
        coverage_map(**synthetic_coverage()),
    ]
    with fast_templates() if fast else contextlib.nullcontext():
        return [m.get_root().render() for m in maps]


def test_maps_render_byte_for_byte_as_folium_renders_them(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _pages(monkeypatch, fast=False)
    fast = _pages(monkeypatch, fast=True)
    assert [len(page) > 10_000 for page in plain] == [True] * 3
    assert fast == plain


def test_template_factories_are_restored_even_after_an_error() -> None:
    saved = branca.element.Template, folium.features.Template
    with pytest.raises(RuntimeError), fast_templates():
        assert branca.element.Template is not saved[0]
        raise RuntimeError
    assert (branca.element.Template, folium.features.Template) == saved
