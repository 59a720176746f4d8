"""The diagnostic's HTML outputs in headless Chromium, network blocked (issues 4 and 6).

One real diagnostic (``cpts:CPTS du Verdon`` with a what-if, so that flows and
the simulation are drawn) runs once for the module, in a copy of the loaded
database into which a small FINESS extraction in the official layout was
loaded: its establishments are named ``<script>alert(1)</script>`` and
``<img src=x onerror=alert(2)>``. Both must show as text in the report and
the map, and no dialog may open. Screenshots go to ``/tmp/cpts-screens``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_diagnostic_e2e import DEMO_TEXT, run_cli
from tests.browser import close_page, dialogs, open_page, screenshot

pytestmark = [pytest.mark.mirror, pytest.mark.browser, pytest.mark.xdist_group("outputs_browser")]

SCREENS = Path("/tmp/cpts-screens")
SLUG = "cpts-cpts-du-verdon"
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_NAME = "<img src=x onerror=alert(2)>"
PLAIN_NAME = "CENTRE DE SANTE DU VERDON"
#: (FINESS number, name, commune INSEE code) — communes of the CPTS du Verdon.
ESTABLISHMENTS = [("040990011", SCRIPT_NAME, "04094"), ("040990021", IMG_NAME, "04081"),
                  ("040990031", PLAIN_NAME, "04094")]


def finess_extraction(path: Path, located: dict[str, tuple[float, float]]) -> Path:
    """A FINESS extraction in the official layout (``;``, header, structureet + geolocalisation)."""
    lines = ["finess;etalab;97;2026-02-01"]
    for number, name, commune in ESTABLISHMENTS:
        name_field = '"' + name.replace('"', '""') + '"' if (";" in name or '"' in name) else name
        fields = ["structureet", number, number[:-1] + "0", name_field, name_field, "", "", "1", "R", "DU TEST", "", "",
                  commune[2:], commune[:2], "ALPES DE HAUTE PROVENCE", f"04500 COMMUNE {commune}", "", "", "124",
                  "Centre de Santé", "", "", "", "", "", "", "0", "Non concerné", "2020-01-01", "2020-01-01",
                  "2025-12-31", ""]
        lines.append(";".join(fields))
    for number, _, commune in ESTABLISHMENTS:
        x, y = located[commune]
        lines.append(f"geolocalisation;{number};{x:.2f};{y:.2f};1,ATLASANTE,96,BAN,L93_METROPOLE;2026-01-15")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def outputs(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import geopandas as gpd

    from pipeline.app.registries import finess_step
    from pipeline.app.steps import Scope
    from pipeline.store import connection as store
    from pipeline.store.queries import geography

    root = tmp_path_factory.mktemp("browser")
    data = root / "data"
    (data / "processed").mkdir(parents=True)
    shutil.copy2(fixture_data_dir / "processed" / "cpts.duckdb", data / "processed" / "cpts.duckdb")
    (data / "raw").symlink_to(fixture_data_dir / "raw", target_is_directory=True)
    maps_dir = root / "maps"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_DATA_DIR", str(data))
        mp.setenv("CPTS_MAPS_DIR", str(maps_dir))
        mp.setenv("CPTS_QUIET", "1")
        con = store.connect(read_only=False)
        try:
            polygons = geography.polygons_for(con, sorted({c for _, _, c in ESTABLISHMENTS}))
            points = gpd.GeoSeries(polygons.geometry.representative_point().to_numpy(), crs=4326).to_crs(2154)
            located = {code: (p.x, p.y) for code, p in zip(polygons["code"], points, strict=True)}
            path = finess_extraction(root / "etalab-cs1100507-stock-20260201-0412.csv", located)
            result = finess_step(path)(con, None, True, Scope())
        finally:
            con.close()
        assert result.status == "chargé" and result.rows == len(ESTABLISHMENTS)
        code, out, err, wall = run_cli(["diagnostic", "cpts:CPTS du Verdon", "--signature", "2025-08-31",
                                          "--ajout", "médecins généralistes:2@04070"])
        assert code == 0, err
        print(f"\nVerdon diagnostic with the FINESS extraction: {wall:.1f} s")
        yield {"maps": maps_dir / SLUG, "tables": data / "processed" / "diagnostics" / SLUG, "stdout": out}


@pytest.fixture()
def page_of(outputs: dict[str, Any]) -> Iterator[Any]:
    pages: list[Any] = []

    def opener(name: str) -> tuple[Any, list[str], list[str]]:
        page, errors, console = open_page(outputs["maps"] / name)
        pages.append(page)
        return page, errors, console

    yield opener
    for page in pages:
        close_page(page)


def layer_names(page: Any) -> list[str]:
    return page.eval_on_selector_all(".leaflet-control-layers-overlays label",
                                     "els => els.map(e => e.innerText.trim())")


def test_finess_loaded_as_real_data(outputs: dict[str, Any]) -> None:
    import pandas as pd

    summary = json.loads((outputs["tables"] / "summary.json").read_text("utf-8"))
    assert summary["demo_sources"] == ["annuaire-sante"]  # the real FINESS replaced the demo one
    # The console names the fictive part only, not the whole supply.
    assert ("  ATTENTION : professionnels de santé issus de données fictives de démonstration (les établissements "
            "FINESS sont réels)\n") in outputs["stdout"]
    table = pd.read_csv(outputs["tables"] / "etablissements.csv", dtype=str)
    inside = table[table["dans_territoire"] == "oui"]  # booleans are written « oui » / « non »
    assert set(inside["nom"]) == {SCRIPT_NAME, IMG_NAME, PLAIN_NAME}
    assert set(table["commune"]) == {"04094", "04081"}
    assert "avertissement" not in table.columns  # real establishments are not labelled as demo data
    offre = pd.read_csv(outputs["tables"] / "offre.csv")
    assert set(offre["avertissement"]) == {DEMO_TEXT}  # the practitioners still are


def test_territory_map(page_of: Any) -> None:
    page, errors, console = page_of("carte.html")
    screenshot(page, SCREENS / "diagnostic-carte.png")
    assert errors == [] and console == []
    assert page.evaluate("typeof L") != "undefined"
    names = layer_names(page)
    for expected in ("Population municipale", "Densité (hab./km²)", "APL médecins généralistes 2023 (DREES)",
                     "Médecins généralistes pour 10 000 hab.", "Périmètre de la CPTS", "Établissements de santé",
                     "Flux de patients", "CPTS voisines"):
        assert expected in names, (expected, names)
    assert any(n.startswith("Professionnels") for n in names), names
    assert page.locator(".cpts-legend").is_visible()
    assert page.locator(".cpts-legend h4").count() >= 2
    banner = page.locator(".cpts-demo-banner")
    assert banner.is_visible() and banner.inner_text() == "Données fictives de démonstration"
    source = page.inner_text(".cpts-source")
    assert "Annuaire Santé (données fictives de démonstration)" in source
    assert "FINESS" in source and "FINESS (données fictives" not in source
    assert dialogs(page) == []


def test_map_escapes_establishment_names(page_of: Any) -> None:
    """The names reach the tooltips as text: no script runs, no element is created from them."""
    page, errors, _ = page_of("carte.html")
    found = page.evaluate(
        """async () => {
          const out = [];
          const maps = Object.values(window).filter(v => v instanceof L.Map);
          for (const m of maps) {
            // Establishments are clustered: their markers live in a marker-cluster group.
            const layers = [];
            m.eachLayer(group => {
              if (group instanceof L.MarkerClusterGroup) { group.getLayers().forEach(l => layers.push([group, l])); }
              else if (group instanceof L.GeoJSON) { group.eachLayer(l => layers.push([null, l])); }
            });
            for (const [cluster, layer] of layers) {
              const info = layer.feature && layer.feature.properties && layer.feature.properties.info;
              if (!info || !info.includes('alert(')) continue;
              if (cluster && !m.hasLayer(layer)) {  // zoom in until the marker stands on its own, as a user would
                await new Promise(done => { cluster.zoomToShowLayer(layer, done); setTimeout(done, 3000); });
              }
              layer.fire('mouseover', {latlng: layer.getLatLng()}, true);  // hover, as a user would
              const tips = document.querySelectorAll('.leaflet-tooltip');
              const tip = tips[tips.length - 1];
              out.push({info: info, text: tip ? tip.innerText : null,
                        elements: tip ? tip.querySelectorAll('script, img').length : -1});
            }
          }
          return out;
        }"""
    )
    assert len(found) == 2, found
    texts = " ".join(f["text"] or "" for f in found)
    assert SCRIPT_NAME in texts and IMG_NAME in texts
    assert all(f["elements"] == 0 for f in found)
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in f["info"] for f in found)
    screenshot(page, SCREENS / "diagnostic-carte-tooltip.png")
    assert dialogs(page) == [] and errors == []


def test_report(page_of: Any) -> None:
    page, errors, console = page_of("rapport.html")
    screenshot(page, SCREENS / "diagnostic-rapport.png")
    assert errors == [] and console == []
    banner = page.locator(".demo-banner").first
    assert banner.is_visible() and DEMO_TEXT in banner.inner_text().lower()
    body = page.inner_text("body")
    assert SCRIPT_NAME in body and IMG_NAME in body
    assert "Simulation : +2 médecins généralistes à 04070" in body
    assert "Les effectifs de professionnels de ce diagnostic proviennent de données fictives" in body
    assert "Les établissements de ce diagnostic proviennent de données fictives" not in body
    assert page.evaluate("[...document.scripts].filter(s => s.textContent.includes('alert(')).length") == 0
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert dialogs(page) == []


def test_flow_map(page_of: Any) -> None:
    page, errors, console = page_of("flux.html")
    screenshot(page, SCREENS / "diagnostic-flux.png")
    assert errors == [] and console == []
    assert page.evaluate("typeof L") != "undefined"
    names = layer_names(page)
    assert "Périmètre de la CPTS" in names and "Flux de patients" in names, names
    assert page.locator(".cpts-legend").is_visible()
    assert page.locator(".cpts-demo-banner").is_visible()
    # Flow lines are drawn: SVG paths beyond the perimeter outline.
    assert page.locator("path.leaflet-interactive").count() > 2
    assert dialogs(page) == []


@pytest.mark.parametrize("name", ["carte.html", "flux.html"])
def test_map_controls_in_french(page_of: Any, name: str) -> None:
    """Leaflet's zoom buttons and the search box speak French, not the plugins' English defaults."""
    page, errors, console = page_of(name)
    assert errors == [] and console == []
    assert page.get_attribute("a.leaflet-control-zoom-in", "title") == "Zoomer"
    assert page.get_attribute("a.leaflet-control-zoom-out", "title") == "Dézoomer"
    assert page.get_attribute("a.leaflet-control-zoom-in", "aria-label") == "Zoomer"
    assert page.get_attribute("a.leaflet-control-layers-toggle", "title") == "Couches et indicateurs"
    assert page.get_attribute(".leaflet-control-search input.search-input", "placeholder") == "Rechercher une commune…"
    assert page.get_attribute(".leaflet-control-search .search-cancel", "title") == "Annuler"
    # A name that matches no commune shows the French alert.
    page.fill(".leaflet-control-search input.search-input", "Zzzzz")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.inner_text(".leaflet-control-search .search-alert").strip() == "Commune introuvable"
    prefix = page.get_attribute(".leaflet-control-attribution a[href='https://leafletjs.com']", "title")
    assert prefix == "Bibliothèque JavaScript de cartes interactives"
    shown = page.evaluate(
        "() => [document.body.innerText].concat(Array.from(document.querySelectorAll("
        "'[title],[aria-label],[placeholder]')).flatMap(e => [e.getAttribute('title'), "
        "e.getAttribute('aria-label'), e.getAttribute('placeholder')]).filter(Boolean))")
    for english in ("Zoom in", "Zoom out", "Layers", "Location not found", "Cancel", "Search...",
                    "A JavaScript library"):
        assert not [t for t in shown if english in t], english
