"""The comparison page shows a listing's CPTS names as text, never as HTML, and sets French spaces in its prose.

A CPTS name comes from a listing an ARS or a CPTS wrote: « <img src=x onerror=…> » in it ran its script when
the map's tooltip was shown (Leaflet sets a string tooltip as HTML). The page is built here from a two-CPTS
comparison written by hand, then opened in headless Chromium.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.app.batch_rows import comparison_table
from pipeline.model.perimeter import BORDERING, FIGURES, PARTIAL, PARTS, REACH, UNKNOWN_NEIGHBOURS, Comparison
from pipeline.render.comparison.page import payload, render_page
from tests.browser import close_page, open_page

HOSTILE = '<img src=x onerror="window.__injected=1">CPTS Balise'
PLAIN = "CPTS du Plateau"


def _row(name: str, anchor: str, population: int) -> dict[str, object]:
    row: dict[str, object] = {f: 1.0 for f in FIGURES}
    row.update({"cpts": name, "liste": "essai", "slug": anchor, "ancre": anchor, "population": population,
                "taille": "1", "type_territoire": "rural", PARTIAL: 0, REACH: "", BORDERING: "",
                UNKNOWN_NEIGHBOURS: 0, PARTS: 1})
    return row


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    table = comparison_table([_row(HOSTILE, "balise", 12_000), _row(PLAIN, "plateau", 30_000)])
    shapes = gpd.GeoDataFrame({"ancre": ["balise", "plateau"]},
                              geometry=[box(5.0, 44.0, 5.5, 44.5), box(5.5, 44.0, 6.0, 44.5)], crs=4326)
    failures = pd.DataFrame([{"cpts": "CPTS <b>Grasse</b>", "liste": "essai", "erreur": "code inconnu : 99999"}])
    comparison = Comparison(name="essai", table=table, failures=failures, shapes=shapes,
                            labels={"titre": "Comparaison des CPTS – liste essai"})
    path = tmp_path_factory.mktemp("comparaison") / "index.html"
    path.write_text(render_page(payload(comparison, dt.datetime(2026, 12, 1, 10, 0))), encoding="utf-8")
    return path


@pytest.mark.browser
def test_a_cpts_name_holding_html_is_shown_as_text_in_the_map_tooltip_and_the_table(page_file: Path) -> None:
    page, errors, console = open_page(page_file)
    try:
        shapes = page.locator("path.leaflet-interactive")
        assert shapes.count() == 2
        texts: list[str] = []
        for index in range(2):
            shapes.nth(index).hover(force=True)
            page.wait_for_selector(".leaflet-tooltip")
            # Read every tooltip in one evaluation: hovering the next shape closes this one, and a locator read
            # item by item could wait for a tooltip Leaflet has just removed.
            texts += page.evaluate("[...document.querySelectorAll('.leaflet-tooltip')].map(t => t.innerText)")
        assert any(text.startswith(HOSTILE + "\u00a0: ") for text in texts), texts
        assert page.evaluate("window.__injected") is None  # the name's script never ran
        assert page.locator(".leaflet-tooltip img, #body img, #failure-list b").count() == 0
        assert HOSTILE in page.inner_text("#body")
        assert "CPTS <b>Grasse</b> (liste essai)\u00a0: code inconnu\u00a0: 99999" in page.inner_text("#failure-list")
    finally:
        close_page(page)
    assert errors == [] and console == []


def test_the_page_prose_has_french_non_breaking_spaces(page_file: Path) -> None:
    data = payload(Comparison(name="essai", table=comparison_table([_row(PLAIN, "plateau", 30_000)]),
                              failures=pd.DataFrame(columns=["cpts", "liste", "erreur"])),
                   dt.datetime(2026, 12, 1, 10, 0))
    # « Sources : … ; recours modélisés. » : a non-breaking space before the colon, a narrow one before « ; ».
    assert data["meta"]["sources"].startswith("Sources\u00a0: Insee/Etalab")
    assert "chargées\u202f; recours modélisés." in data["meta"]["sources"]
    assert " :" not in data["meta"]["note"] and " ;" not in data["meta"]["note"]
    assert "« " not in data["meta"]["note"] and " »" not in data["meta"]["note"]
    # CPTS names and codes stay as the listing wrote them (the CSV and the workbook read the same rows).
    assert [row["cpts"] for row in data["rows"]] == [PLAIN]
