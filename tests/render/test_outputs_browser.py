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

from pipeline.render.palette import HIGHLIGHT_COLOR as HIGHLIGHT
from tests.app.test_diagnostic_e2e import DEMO_TEXT, run_cli
from tests.browser import close_page, dialogs, open_page, screenshot, settle
from tests.french_spacing import as_typed

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
    body = as_typed(page.inner_text("body"))
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


# --------------------------------------------------------------------------- the review of the maps (HEAD 763811a)

#: Leaflet's map of the page.
MAP_JS = "Object.values(window).find(v => v instanceof L.Map)"
#: Boxes (x, y, width, height) and texts of the labels shown on the flow map.
SHOWN_LABELS_JS = """() => Array.from(document.querySelectorAll('.cpts-label')).filter(el =>
    getComputedStyle(el).visibility !== 'hidden').map(el => { const r = el.getBoundingClientRect();
    return {text: el.innerText, key: el.dataset.key || null, left: r.left, right: r.right, top: r.top,
            bottom: r.bottom}; })"""


def test_establishment_legend_counts_the_territory_s_own_apart(outputs: dict[str, Any], page_of: Any) -> None:
    """The legend's counts are those of etablissements.csv's « dans_territoire », and each marker says where it is
    (the legend read « MSP (2) » for one MSP inside)."""
    import pandas as pd

    table = pd.read_csv(outputs["tables"] / "etablissements.csv", dtype=str)
    page, errors, _ = page_of("carte.html")
    legend = page.inner_text(".cpts-legend")
    for group, rows in table.groupby("groupe"):
        inside = int((rows["dans_territoire"] == "oui").sum())
        assert f"{group} ({inside} dans le territoire, {len(rows) - inside} autour)" in legend, (group, legend)
    infos = page.evaluate(f"""(() => {{ const out = []; {MAP_JS}.eachLayer(g => {{
        if (g instanceof L.MarkerClusterGroup) g.getLayers().forEach(l => out.push(l.feature.properties.info)); }});
        return out; }})()""")
    assert len(infos) == len(table)
    assert all("dans le territoire" in info or "hors du territoire" in info for info in infos)
    assert sum("dans le territoire" in info for info in infos) == int((table["dans_territoire"] == "oui").sum())
    assert errors == []


def test_commune_search_ignores_accents_and_hyphens(page_of: Any) -> None:
    page, errors, _ = page_of("carte.html")
    box = page.locator(".leaflet-control-search input.search-input")
    for typed, found in (("greoux", "Gréoux-les-Bains"), ("GREOUX LES", "Gréoux-les-Bains"), ("bains", "Gréoux")):
        box.fill("")
        box.press_sequentially(typed)
        page.wait_for_timeout(500)  # leaflet-search waits 400 ms after the last key
        assert found in page.inner_text(".leaflet-control-search .search-tooltip"), typed
    assert errors == []


def test_flow_table_rows_are_drawn_named_and_located(outputs: dict[str, Any], page_of: Any) -> None:
    """Every destination of the table has its commune drawn and named; hovering its row highlights it, clicking it
    brings it into view; the outside communes drawn are those of the table and of the flows."""
    import pandas as pd

    page, errors, _ = page_of("flux.html")
    dest = pd.read_csv(outputs["tables"] / "flux_destinations.csv", dtype={"destination": str})
    listed = dest[dest["groupe"] == "Médecins généralistes"].head(10)
    drawn = page.evaluate(f"""(() => {{ const out = {{places: [], flows: []}}; {MAP_JS}.eachLayer(g => {{
        if (!(g instanceof L.GeoJSON)) return;
        g.eachLayer(l => {{ const p = l.feature.properties;
          if (p.listed !== undefined) out.places.push(p.key);
          else if (p.sens !== undefined) out.flows.push(p.key); }}); }});
        return out; }})()""")
    assert set(listed["destination"]) <= set(drawn["places"])
    assert set(drawn["places"]) <= set(listed["destination"]) | set(drawn["flows"])  # nothing else drawn
    names = page.eval_on_selector_all(".cpts-label.cpts-place", "els => els.map(e => [e.dataset.key, e.textContent])")
    assert {code: name for code, name in names if code in set(listed["destination"])} == dict(
        zip(listed["destination"], listed["nom"], strict=True))
    panel = page.locator(".cpts-flow-panel")
    for code in listed["destination"].tail(3):  # the smallest ones had no drawn flow (a review)
        row = panel.locator("section").first.locator(f"tr[data-key='{code}']")
        row.hover()
        lit = page.evaluate(f"""(() => {{ let n = 0; {MAP_JS}.eachLayer(g => {{ if (!(g instanceof L.GeoJSON)) return;
            g.eachLayer(l => {{ if (l.feature.properties.key === '{code}' && l.feature.properties.listed
              && l.options.color === '{HIGHLIGHT}') n++; }}); }}); return n; }})()""")
        assert lit == 1, code
        assert page.locator(f".cpts-label.cpts-place.cpts-active[data-key='{code}']").is_visible()
        page.evaluate(f"{MAP_JS}.setView([46.5, 2.5], 6, {{animate: false}})")  # far away: the click must come back
        row.click()
        settle(page)
        inside = page.evaluate(f"""(() => {{ const m = {MAP_JS}; let b = null; m.eachLayer(g => {{
            if (!(g instanceof L.GeoJSON)) return; g.eachLayer(l => {{
              if (l.feature.properties.key === '{code}' && l.feature.properties.listed) b = l.getBounds(); }}); }});
            return m.getBounds().contains(b.getCenter()) && m.getZoom() > 8; }})()""")
        assert inside, code
    assert errors == []


def test_flow_origin_row_brings_out_its_own_flow_only(page_of: Any) -> None:
    page, errors, _ = page_of("flux.html")
    origins = page.locator(".cpts-flow-panel section").nth(1).locator("tr[data-key]")
    assert origins.count() > 0
    for i in range(origins.count()):
        origins.nth(i).hover()
        opacities = page.evaluate("Array.from(document.querySelectorAll('path[marker-end]')).map(p => "
                                  "p.getAttribute('stroke-opacity'))")
        assert opacities.count("0.95") == 1, i  # its flow, not the residents' flows to the same commune
    assert errors == []


def test_flow_labels_do_not_overlap(page_of: Any) -> None:
    page, errors, _ = page_of("flux.html")  # 1 280 px wide
    for step in (0, 1, -2):
        if step:
            page.evaluate(f"{MAP_JS}.setZoom({MAP_JS}.getZoom() + {step}, {{animate: false}})")
            settle(page)
        shown = page.evaluate(SHOWN_LABELS_JS)
        assert shown
        clashes = [(a["text"], b["text"]) for i, a in enumerate(shown) for b in shown[i + 1:]
                   if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"]
                   and b["top"] < a["bottom"]]
        assert clashes == [], (step, clashes)
    # The first destination of the table (the largest) stays named.
    first = page.locator(".cpts-flow-panel section").first.locator("tr[data-key]").first.get_attribute("data-key")
    assert first in [label["key"] for label in page.evaluate(SHOWN_LABELS_JS)]
    assert errors == []


def test_flow_map_on_a_narrow_screen(outputs: dict[str, Any]) -> None:
    """At 800 px the table opens folded and the map fills the space left (it was squeezed to 30–40 px); the button
    unfolds it."""
    page, errors, _ = open_page(outputs["maps"] / "flux.html", width=800, height=800)
    try:
        panel = page.locator(".cpts-flow-panel")
        assert "cpts-folded" in (panel.get_attribute("class") or "")
        assert not panel.locator("section").first.is_visible()
        box = page.locator("path.leaflet-interactive").evaluate_all(
            "els => { const xs = els.map(e => e.getBoundingClientRect()); "
            "return [Math.min(...xs.map(r => r.left)), Math.max(...xs.map(r => r.right))]; }")
        assert box[1] - box[0] > 300, box
        screenshot(page, SCREENS / "diagnostic-flux-800.png")
        page.locator(".cpts-fold").click()
        assert panel.locator("section").first.is_visible()
        assert page.locator(".cpts-fold").inner_text() == "Replier le tableau"
        assert errors == []
    finally:
        close_page(page)
