"""The interactive maps in headless Chromium, network blocked: no JavaScript error, and what readers need.

* territory map: layers, legends, search, and establishments clustered (Paris 18e–20e, 1 000 points);
* coverage map: neighbouring CPTS in different colours, and the legend's CPTS finder;
* flow map: arrowheads, volume and commune labels, the destinations table, names in tooltips;
* escaping of names taken from the data.

Screenshots go to ``/tmp/cpts_screenshots``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.render.maps import coverage_map, flow_map, save_map, territory_map
from pipeline.render.palette import ESTABLISHMENT_COLORS, FLOW_COLORS, HIGHLIGHT_COLOR
from tests.browser import close_page, dialogs, open_page, screenshot, settle
from tests.render.map_data import (
    INDICATORS,
    XSS,
    dense_establishments,
    paca_coverage,
    real_arrondissements,
    synthetic_coverage,
    synthetic_territory,
)
from tests.render.test_colouring import brute_force_neighbours

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path("/tmp/cpts_screenshots")
LAYER_LABELS_JS = (
    "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())"
)
#: The Leaflet map object of the page.
MAP_JS = "Object.values(window).find(v => v instanceof L.Map)"
#: Bring the clustered marker whose tooltip contains the argument on screen (a user zooming on it).
SHOW_MARKER_JS = """text => new Promise(done => {
  const m = Object.values(window).find(v => v instanceof L.Map);
  m.eachLayer(g => {
    if (!(g instanceof L.MarkerClusterGroup)) return;
    const target = g.getLayers().find(l => l.feature.properties.info.includes(text));
    if (!target) return;
    if (m.hasLayer(target)) { done(); return; }  // already drawn on its own
    g.zoomToShowLayer(target, done);
  });
  setTimeout(done, 3000);
})"""


def unfold_layers(page: Any) -> None:
    """Unfold the layers' list as a reader does, by hovering its button."""
    page.hover(".leaflet-control-layers")
    settle(page)


def rgb(hex_color: str) -> str:
    """``#d7191c`` as the ``rgb(215, 25, 28)`` that computed styles report."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


# --------------------------------------------------------------------------- territory map


def test_territory_map_in_browser(tmp_path: Path) -> None:
    data = synthetic_territory()
    path = save_map(
        territory_map(indicators=INDICATORS, title="CPTS du Pays dignois", demo_data=True, **data),
        tmp_path / "territoire.html",
    )
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        assert page.evaluate("typeof L") == "object"
        labels = page.evaluate(LAYER_LABELS_JS)
        for name in [
            "CPTS voisines",
            "Population municipale",
            "APL médecins généralistes (2023)",
            "Médecins généralistes pour 10 000 hab.",
            "Contours des communes",
            "Périmètre de la CPTS",
            "Professionnels de santé (par commune)",
            "Établissements de santé",
            "Flux de patients",
        ]:
            assert name in labels
        assert page.locator("path.leaflet-interactive").count() > 6
        banner = page.locator(".cpts-demo-banner")
        assert banner.is_visible() and banner.inner_text() == "Données fictives de démonstration"
        assert page.locator(".leaflet-control-search input").count() == 1
        # The layers' list is folded into its button: unfolded, its 20-odd lines covered half of the territory on a
        # 1280 × 720 screen. Hovering the button unfolds it.
        control = page.locator(".leaflet-control-layers")
        assert "leaflet-control-layers-expanded" not in (control.get_attribute("class") or "")
        assert not page.locator(".leaflet-control-layers-overlays").is_visible()
        folded = control.bounding_box()
        assert folded is not None and folded["width"] < 60 and folded["height"] < 60
        assert page.locator(".leaflet-control-layers-toggle").get_attribute("title") == "Couches et indicateurs"
        unfold_layers(page)
        assert page.locator(".leaflet-control-layers-overlays").is_visible()
        # Only the first indicator's legend is visible; toggling a layer shows its legend.
        legend = page.locator(".cpts-legend")
        assert legend.is_visible()
        assert "Population municipale" in legend.inner_text()
        assert "APL médecins" not in legend.inner_text()
        page.locator(".leaflet-control-layers-overlays label", has_text="APL médecins").locator("input").click()
        assert "Donnée non disponible" in legend.inner_text()
        # One choropleth at a time: ticking the APL took the population off the map and unticked it (two stacked
        # at 80 % opacity mixed their colours).
        settle(page)
        assert "Population municipale" not in legend.inner_text()
        assert not page.locator(".leaflet-control-layers-overlays label", has_text="Population municipale") \
            .locator("input").is_checked()
        assert page.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map); let n = 0;
            m.eachLayer(l => { if (l.feature && l.options && l.options.style && l.feature.properties.fill) n++; });
            return n; }""") == len(data["communes"])  # the polygons of one choropleth, not two
        # Search finds a commune by name.
        page.locator(".leaflet-control-search input").press_sequentially("Marc")
        page.wait_for_timeout(400)
        assert "Marcoux" in page.locator(".leaflet-control-search .search-tooltip").inner_text()
        page.locator(".leaflet-control-search input").fill("")
        unfold_layers(page)  # the mouse left it for the search box: folded again
        page.locator(".leaflet-control-layers-overlays label", has_text="APL médecins").locator("input").click()
        # A metric scale only: French readers have no use for miles.
        assert page.locator(".leaflet-control-scale-line").count() == 1
        # The flows overlay, when switched on, draws arrowheads too.
        page.locator(".leaflet-control-layers-overlays label", has_text="Flux de patients").locator("input").check()
        assert page.locator("path[marker-end]").count() == 2
        screenshot(page, SCREENSHOT_DIR / "carte_territoire.png")
        assert errors == []
    finally:
        close_page(page)


@pytest.mark.mirror
def test_dense_establishments_are_clustered(mirror: Path, tmp_path: Path) -> None:
    """Paris 18e–20e with 1 000 establishments: clusters with counts, which open up when zoomed in."""
    paris = real_arrondissements(mirror, ["75118", "75119", "75120"]).assign(population=[190_000, 186_000, 195_000])
    perimeter = gpd.GeoDataFrame({"nom": ["Paris 18e–20e"]}, geometry=[paris.union_all()], crs=4326)
    points = dense_establishments(paris, 1000)
    m = territory_map(perimeter, paris, {"population": "Population municipale"}, establishments=points,
                      title="Paris 18e–20e (établissements fictifs)", demo_data=True)
    path = save_map(m, tmp_path / "paris.html")
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == [] and dialogs(page) == []
        clusters = page.locator(".cpts-cluster")
        counts = [int(t) for t in clusters.locator("span").all_inner_texts()]
        single = page.evaluate("document.querySelectorAll('path.leaflet-interactive[fill-opacity=\"0.9\"]').length")
        # Every establishment is either inside a cluster or drawn on its own; piles are clustered.
        assert sum(counts) + single == 1000
        assert len(counts) >= 5 and single < 100
        # A cluster's ring shows its groups in the palette's colours.
        ring = clusters.first.locator("div").evaluate("e => e.style.background")
        assert "conic-gradient" in ring and rgb(ESTABLISHMENT_COLORS["EHPAD"]) in " ".join(
            clusters.locator("div").evaluate_all("els => els.map(e => e.style.background)"))
        legend = page.locator(".cpts-legend").inner_text()
        drawn = points["groupe"].value_counts()  # 1 000 points given the groups in turn
        assert f"EHPAD ({drawn['EHPAD']})" in legend and f"Autre ({drawn['Autre']})" in legend
        assert {drawn["EHPAD"], drawn["Autre"]} <= {1000 // len(drawn), 1000 // len(drawn) + 1}
        screenshot(page, SCREENSHOT_DIR / "carte_paris_clusters.png")
        # Zooming in splits the clusters: more groups, more single markers.
        zoom = page.evaluate(f"{MAP_JS}.getZoom()")
        page.evaluate(f"(() => {{ const m = {MAP_JS}; m.setView(m.getCenter(), m.getZoom() + 3, "
                      "{animate: false}); })()")
        settle(page)
        assert page.evaluate(f"{MAP_JS}.getZoom()") == zoom + 3
        single_after = page.evaluate(
            "document.querySelectorAll('path.leaflet-interactive[fill-opacity=\"0.9\"]').length")
        assert single_after > single
        screenshot(page, SCREENSHOT_DIR / "carte_paris_clusters_zoom.png")
        assert errors == []
    finally:
        close_page(page)


# --------------------------------------------------------------------------- coverage map


def test_coverage_map_in_browser(tmp_path: Path) -> None:
    path = save_map(
        coverage_map(**synthetic_coverage(), title="Couverture CPTS – Alpes-de-Haute-Provence", demo_data=True),
        tmp_path / "couverture.html",
    )
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        assert page.evaluate("typeof L") == "object"
        labels = page.evaluate(LAYER_LABELS_JS)
        assert labels == [
            "Communes",
            "Périmètres des CPTS",
            "Chevauchements",
            "Zones blanches",
            "Territoires atones",
            "Propositions de périmètres",
        ]
        assert page.locator("path.leaflet-interactive").count() >= 12
        assert page.locator(".cpts-demo-banner").is_visible()
        legend = page.locator(".cpts-legend").inner_text()
        for text in ["CPTS A", "CPTS B", "Chevauchements", "Zones blanches", "Territoires atones", "proposition"]:
            assert text in legend
        assert page.locator(".cpts-label", has_text="proposition").count() == 1
        assert page.locator(".leaflet-control-search").count() == 1
        # Candidate perimeter is dashed.
        assert page.locator("path[stroke-dasharray='10 6']").count() == 1
        # CPTS A and B overlap: they have different fills, and so do their legend keys.
        keys = page.locator(".cpts-finder li i").evaluate_all("els => els.map(e => e.style.background)")
        assert len(keys) == 2 and keys[0] != keys[1]
        screenshot(page, SCREENSHOT_DIR / "carte_couverture.png")
    finally:
        close_page(page)


def test_homonymous_communes_are_each_found_by_the_search(tmp_path: Path) -> None:
    """A review: typing « Sigoyer » on the PACA coverage map offered one place, the covered Sigoyer of the 05; the
    uncovered one of the 04 could not be reached (leaflet-search keeps one place per name). Communes 1 (04100, west
    column) and 4 (04103, east column) bear the same name here."""
    data = synthetic_coverage()
    data["units"].loc[[0, 3], "nom"] = "Sigoyer"
    path = save_map(coverage_map(**data, title="Couverture"), tmp_path / "couverture.html")
    page, errors, console = open_page(path)
    try:
        box_input = page.locator(".leaflet-control-search input")
        box_input.press_sequentially("Sigoyer")
        page.wait_for_timeout(400)
        tips = page.locator(".leaflet-control-search .search-tooltip .search-tip")
        assert sorted(tips.all_inner_texts()) == ["Sigoyer (04100)", "Sigoyer (04103)"]
        page.locator(".search-tip", has_text="Sigoyer (04103)").click()
        page.wait_for_timeout(1500)  # flyTo
        centre = page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).getCenter().lng")
        west, east = data["units"].geometry.iloc[0].centroid.x, data["units"].geometry.iloc[3].centroid.x
        assert abs(centre - east) < abs(centre - west)  # the eastern one, not the first of the name
        assert errors == [] and console == []
    finally:
        close_page(page)


@pytest.mark.mirror
def test_real_coverage_map_colours_and_cpts_finder(mirror: Path, tmp_path: Path) -> None:
    """PACA's 71 CPTS: no two neighbours share a fill on screen; the legend finds a CPTS by name."""
    units, perimeters = paca_coverage(mirror)
    path = save_map(coverage_map(units, perimeters, title="Couverture par les CPTS – PACA"), tmp_path / "paca.html")
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        fills: dict[str, str] = page.evaluate(
            f"""(() => {{
              const out = {{}};
              {MAP_JS}.eachLayer(g => {{ if (!(g instanceof L.GeoJSON)) return;
                g.eachLayer(l => {{ const p = l.feature && l.feature.properties;
                  if (p && p.key !== undefined && l._path) {{ out[p.key] = l._path.getAttribute('fill'); }} }}); }});
              return out; }})()"""
        )
        names = dict(page.locator(".cpts-finder li").evaluate_all(
            "els => els.map(li => [li.dataset.key, li.dataset.name])"))
        by_name = {names[key]: fill for key, fill in fills.items()}
        assert len(by_name) == len(perimeters)
        clashes = [(a, b) for a, b in brute_force_neighbours(perimeters) if by_name[a] == by_name[b]]
        assert clashes == []
        screenshot(page, SCREENSHOT_DIR / "carte_couverture_paca.png")

        finder = page.locator(".cpts-finder")
        assert finder.locator("li").count() == len(perimeters)
        finder.locator("input").fill("verdon")  # case and accents ignored
        visible = finder.locator("li:visible").all_inner_texts()
        assert sorted(visible) == ["CPTS Dracénie Provence Verdon", "CPTS Hauts Pays du Verdon & Monts d'Azur",
                                   "CPTS du Verdon"]
        assert finder.locator(".cpts-finder-count").inner_text() == f"3 / {len(perimeters)}"
        zoom = page.evaluate(f"{MAP_JS}.getZoom()")
        finder.locator("li", has_text="CPTS du Verdon").filter(has_not_text="Hauts").click()
        settle(page)  # the zoom to the perimeter is animated
        assert page.evaluate(f"{MAP_JS}.getZoom()") > zoom
        highlighted = page.locator(f"path.leaflet-interactive[stroke='{HIGHLIGHT_COLOR}']")
        assert highlighted.count() == 1
        verdon = perimeters[perimeters["cpts"] == "CPTS du Verdon"].total_bounds
        inside = page.evaluate(
            f"(() => {{ const b = {MAP_JS}.getBounds(); return b.contains([[{verdon[1]}, {verdon[0]}], "
            f"[{verdon[3]}, {verdon[2]}]]); }})()"
        )
        assert inside  # the whole perimeter is in view
        # Hovering the chosen perimeter and leaving it keeps it highlighted.
        box = highlighted.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.move(5, 400)
        assert page.locator(f"path.leaflet-interactive[stroke='{HIGHLIGHT_COLOR}']").count() == 1
        screenshot(page, SCREENSHOT_DIR / "carte_couverture_recherche.png")
        # Enter picks the first match; a name that matches nothing says so.
        finder.locator("input").fill("gapencais")
        finder.locator("input").press("Enter")
        settle(page)
        assert "Gapençais" in finder.locator("li.active").inner_text()
        finder.locator("input").fill("zzzz")
        assert finder.locator(".cpts-finder-empty").is_visible()
        assert errors == [] and dialogs(page) == []
    finally:
        close_page(page)


# --------------------------------------------------------------------------- flow map


def flow_page(tmp_path: Path, **kwargs: Any) -> tuple[Any, list[str], list[str]]:
    data = synthetic_territory()
    path = save_map(
        flow_map(data["flows"], perimeter=data["perimeter"], communes=data["communes"], title="Flux de patients",
                 **kwargs),
        tmp_path / "flux.html",
    )
    return open_page(path)


def test_flow_map_in_browser(tmp_path: Path) -> None:
    page, errors, console = flow_page(tmp_path)
    try:
        assert errors == [] and console == []
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('path.leaflet-interactive'))"
            f".filter(p => ['{FLOW_COLORS['sortant']}', '{FLOW_COLORS['entrant']}'].includes(p.getAttribute('stroke')))"
            ".map(p => [p.getAttribute('stroke'), parseFloat(p.getAttribute('stroke-width'))])"
        )
        by_color = dict(widths)
        assert by_color[FLOW_COLORS["sortant"]] == pytest.approx(14.0)  # largest flow (sortant, 1 200)
        assert by_color[FLOW_COLORS["entrant"]] == pytest.approx(1.5 + 12.5 * math.sqrt(300 / 1200))
        screenshot(page, SCREENSHOT_DIR / "carte_flux.png")
    finally:
        close_page(page)


def test_flow_arrows_point_to_the_destination(tmp_path: Path) -> None:
    page, errors, console = flow_page(tmp_path)
    try:
        assert errors == [] and console == []
        heads = page.evaluate(
            """Array.from(document.querySelectorAll('path[marker-end]')).map(p => {
                 const id = p.getAttribute('marker-end').slice(5, -1);
                 const marker = document.getElementById(id);
                 const len = p.getTotalLength();
                 const end = p.getPointAtLength(len), before = p.getPointAtLength(len - 5);
                 return {stroke: p.getAttribute('stroke'), fill: marker.firstChild.getAttribute('fill'),
                         refX: parseFloat(marker.getAttribute('refX')),
                         width: parseFloat(marker.getAttribute('markerWidth')),
                         dash: p.getAttribute('stroke-dasharray'), len: len,
                         dx: end.x - before.x, dy: end.y - before.y};
               })"""
        )
        assert len(heads) == 2
        for head in heads:
            assert head["fill"] == head["stroke"]  # the head has its flow's colour
            assert head["refX"] == head["width"]  # the tip (not the base) sits on the line's end
            # The stroke stops under the head, so that a wide line does not stick out past the tip.
            drawn = float(head["dash"].split()[0])
            assert drawn == pytest.approx(head["len"] - head["width"] + 1, abs=0.01)
        # The outgoing flow goes from Digne (north-west) to Manosque (south-east): it ends heading east-south-east.
        out = next(h for h in heads if h["stroke"] == FLOW_COLORS["sortant"])
        assert out["dx"] > 0 and out["dy"] > 0  # screen y grows downwards
        # Arrowheads follow the line after a zoom.
        page.evaluate(f"{MAP_JS}.zoomIn(1, {{animate: false}})")
        settle(page)
        lengths = page.evaluate(
            "Array.from(document.querySelectorAll('path[marker-end]')).map(p => "
            "[p.getTotalLength(), parseFloat(p.getAttribute('stroke-dasharray'))])")
        for total, drawn in lengths:
            assert total - drawn < 40 and total > 100
    finally:
        close_page(page)


def test_flow_labels_table_and_tooltips_name_communes(tmp_path: Path) -> None:
    table = pd.DataFrame({"destination": ["04112"], "nom": ["Manosque"], "volume": [1200],
                          "part_des_residents": [0.084]})
    page, errors, console = flow_page(tmp_path, table=table, volume_label="Recours annuels modélisés")
    try:
        assert errors == [] and console == []
        volumes = page.locator(".cpts-label.cpts-volume").all_inner_texts()
        assert volumes == ["1\u202f200", "300"]
        places = page.locator(".cpts-label.cpts-place").all_inner_texts()
        assert sorted(places) == ["Manosque", "Sisteron"]
        panel = page.locator(".cpts-flow-panel")
        assert panel.is_visible()
        rows = panel.locator("section").first.locator("tbody tr").all_inner_texts()
        assert rows == ["Manosque\t1\u202f200\t8,4\u202f%"]
        assert "Sisteron" in panel.locator("section").nth(1).inner_text()
        # Hovering a destination brings out its flows and dims the others.
        panel.locator("tr[data-key='04112']").hover()
        opacities = page.evaluate(
            "Array.from(document.querySelectorAll('path[marker-end]')).map(p => "
            "[p.getAttribute('stroke'), p.getAttribute('stroke-opacity')])")
        assert dict(opacities) == {FLOW_COLORS["sortant"]: "0.95", FLOW_COLORS["entrant"]: "0.15"}
        page.mouse.move(640, 840)
        # A flow's tooltip names both communes; no INSEE code.
        flow = page.locator(f"path[marker-end][stroke='{FLOW_COLORS['sortant']}']")
        box = flow.bounding_box()
        assert box is not None
        point = page.evaluate(
            f"(() => {{ const p = document.querySelector(\"path[marker-end][stroke='{FLOW_COLORS['sortant']}']\");"
            " const q = p.getPointAtLength(p.getTotalLength() / 2); const m = p.getScreenCTM();"
            " return [q.x * m.a + m.e, q.y * m.d + m.f]; })()")
        page.mouse.move(point[0], point[1])
        settle(page)
        tip = page.locator(".leaflet-tooltip").last.inner_text()
        assert "Flux sortant" in tip and "Digne-les-Bains" in tip and "Manosque" in tip
        assert "04112" not in tip and "04070" not in tip
        screenshot(page, SCREENSHOT_DIR / "carte_flux_tableau.png")
        assert errors == [] and dialogs(page) == []
    finally:
        close_page(page)


# --------------------------------------------------------------------------- escaping


def test_names_are_escaped(tmp_path: Path) -> None:
    data = synthetic_territory(xss=True)
    path = save_map(territory_map(indicators=INDICATORS, title=f"Titre {XSS}", **data), tmp_path / "xss.html")
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        assert dialogs(page) == []
        assert page.evaluate("window.__xss === undefined")
        assert XSS in page.locator(".cpts-title").inner_text()
        # Hover the establishment whose name is the payload (shown on its own if it was clustered).
        page.evaluate(SHOW_MARKER_JS, "alert(1)")
        settle(page)
        color = ESTABLISHMENT_COLORS["Hôpital public"]
        page.locator(f"path.leaflet-interactive[fill='{color}']").first.hover(force=True)
        settle(page)
        tooltip = page.locator(".leaflet-tooltip").last
        assert XSS in tooltip.inner_text()
        assert tooltip.locator("script").count() == 0
        # The commune with the payload name appears as text in the search suggestions.
        page.locator(".leaflet-control-search input").press_sequentially("<scr")
        page.wait_for_timeout(400)
        tips = page.locator(".leaflet-control-search .search-tooltip")
        assert page.locator(".leaflet-control-search .search-tooltip script").count() == 0
        assert XSS in tips.inner_text() or tips.inner_text() == ""
        assert (
            page.locator("body script:not([src])").evaluate_all(
                "els => els.filter(e => e.textContent.includes('alert(1)') && !e.textContent.includes('\\\\u003c')"
                " && !e.textContent.includes('&lt;')).length"
            )
            == 0
        )
        assert dialogs(page) == [] and errors == []
    finally:
        close_page(page)


def test_cpts_names_are_escaped_in_the_finder(tmp_path: Path) -> None:
    data = synthetic_coverage()
    data["perimeters"].loc[0, "cpts"] = XSS
    path = save_map(coverage_map(**data), tmp_path / "couverture_xss.html")
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        finder = page.locator(".cpts-finder")
        finder.locator("input").fill("<scr")
        assert finder.locator("li:visible").all_inner_texts() == [XSS]
        assert finder.locator("li script").count() == 0
        finder.locator("li:visible").click()
        settle(page)
        assert page.locator(f"path.leaflet-interactive[stroke='{HIGHLIGHT_COLOR}']").count() == 1
        assert dialogs(page) == [] and errors == []
    finally:
        close_page(page)


# --------------------------------------------------------------------------- the review of the maps (HEAD 763811a)


def test_an_overlapping_cpts_shows_above_the_indicators(tmp_path: Path) -> None:
    """A neighbouring CPTS that covers part of the territory is a dashed outline above the 80 %-opaque indicator
    fills (it was drawn under them), named in its tooltip, and leaves the indicator's tooltips inside it."""
    from shapely.geometry import box

    from tests.render.map_data import LAT0, LON0

    data = synthetic_territory()
    # Over the two eastern columns of communes and beyond.
    data["neighbours"] = gpd.GeoDataFrame({"nom": ["CPTS qui déborde"]}, geometry=[
        box(LON0 + 0.07, LAT0 - 0.02, LON0 + 0.2, LAT0 + 0.12)], crs=4326)
    path = save_map(territory_map(indicators=INDICATORS, **data), tmp_path / "chevauchement.html")
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        outline = page.locator(".leaflet-cpts-neighbours-pane path.leaflet-interactive")
        assert outline.count() == 1
        assert outline.get_attribute("fill") == "none" and outline.get_attribute("stroke-dasharray")
        above = page.evaluate("parseInt(getComputedStyle(document.querySelector('.leaflet-cpts-neighbours-pane'))"
                              ".zIndex) > parseInt(getComputedStyle(document.querySelector('.leaflet-overlay-pane'))"
                              ".zIndex)")
        assert above
        # On the outline (a point of its first dash): its name.
        point = page.evaluate(
            """(() => { const p = document.querySelector('.leaflet-cpts-neighbours-pane path');
                 const q = p.getPointAtLength(2); const m = p.getScreenCTM();
                 return [q.x * m.a + m.e, q.y * m.d + m.f]; })()""")
        page.mouse.move(point[0], point[1])
        settle(page)
        assert "CPTS qui déborde" in page.locator(".leaflet-tooltip").last.inner_text()
        # Inside it, on a commune it covers: the indicator's tooltip (the outline does not catch the pointer there).
        inside = page.evaluate(f"(() => {{ const p = {MAP_JS}.latLngToContainerPoint([{LAT0 + 0.025}, {LON0 + 0.125}]);"
                               " return [p.x, p.y]; })()")
        page.mouse.move(inside[0], inside[1])
        settle(page)
        assert "Population municipale" in page.locator(".leaflet-tooltip").last.inner_text()
        screenshot(page, SCREENSHOT_DIR / "carte_chevauchement.png")
    finally:
        close_page(page)


def test_a_long_title_is_capped_and_leaves_the_controls_free(tmp_path: Path) -> None:
    """A 256-character CPTS name covered two checkboxes of the layer control at 1 024 px: two lines at most, the
    whole name in its tooltip, and the controls start under it."""
    title = "CPTS " + "Communauté Professionnelle Territoriale de Santé des Vallées " * 5
    title = title[:256]
    path = save_map(coverage_map(**synthetic_coverage(), title=title, demo_data=True), tmp_path / "long.html")
    page, errors, console = open_page(path, width=1024, height=768)
    try:
        assert errors == [] and console == []
        head = page.locator(".cpts-title")
        assert head.get_attribute("title") == title
        line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.cpts-title')).lineHeight)")
        box = head.bounding_box()
        assert box is not None and box["height"] <= 2 * line + 14
        header = page.locator(".cpts-header").bounding_box()
        assert header is not None
        for control in (".leaflet-control-layers", ".leaflet-control-zoom", ".leaflet-control-search"):
            other = page.locator(control).bounding_box()
            assert other is not None and other["y"] >= header["y"] + header["height"], control
        # Every layer checkbox can be clicked (the title took the clicks).
        for label in page.locator(".leaflet-control-layers-overlays label").all():
            label.locator("input").click(timeout=2000)
        assert errors == []
    finally:
        close_page(page)


def test_a_long_sources_note_leaves_the_scale_and_the_legend_above_it(tmp_path: Path) -> None:
    """A coverage map's note on units of unknown coverage made the sources note three lines high at 700 px: it
    covered the scale bar and the end of the legend (a review). Both corners of controls sit above it."""
    note = ("3 357 unités dont la couverture n'est pas connue (aucune liste chargée ne le dit) sont dessinées sans "
            "couleur, jamais en zone blanche. ") * 2
    path = save_map(coverage_map(**synthetic_coverage(), title="Couverture", demo_data=False, source=note),
                    tmp_path / "note.html")
    page, errors, console = open_page(path, width=700, height=900)
    try:
        note_box = page.locator(".cpts-source").bounding_box()
        assert note_box is not None and note_box["height"] > 30  # several lines
        for control in (".leaflet-control-scale", ".cpts-legend", ".leaflet-control-attribution"):
            box = page.locator(control).first.bounding_box()
            assert box is not None and box["y"] + box["height"] <= note_box["y"] + 1, control
    finally:
        close_page(page)
    assert errors == [] and console == []


OVERLAP_JS = """() => {
  const boxes = [...document.querySelectorAll('.cpts-label')].filter(el => getComputedStyle(el).visibility !== 'hidden')
    .map(el => el.getBoundingClientRect());
  let pairs = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) pairs++;
  }
  return [boxes.length, pairs];
}"""


def test_proposed_perimeter_labels_never_pile_up(tmp_path: Path) -> None:
    """Forty proposals of a région's atone territories piled their labels over Lyon at the région's zoom (a
    review): labels that would overlap a more populous proposal's are hidden, and shown again when zoomed in."""
    data = synthetic_coverage()
    cells = [box(6.20 + 0.004 * k, 44.05, 6.204 + 0.004 * k, 44.054) for k in range(12)]
    data["candidates"] = gpd.GeoDataFrame({"nom": [f"TA-001-P{k + 1}" for k in range(12)],
                                           "population": [20_000 + 1_000 * k for k in range(12)]},
                                          geometry=cells, crs=4326)
    path = save_map(coverage_map(**data, title="Couverture"), tmp_path / "propositions.html")
    page, errors, console = open_page(path)
    try:
        shown, pairs = page.evaluate(OVERLAP_JS)
        assert pairs == 0 and 1 <= shown < 12
        # The most populous proposal keeps its name.
        visible = page.locator(".cpts-label").evaluate_all(
            "els => els.filter(e => getComputedStyle(e).visibility !== 'hidden').map(e => e.textContent)")
        assert "proposition – TA-001-P12" in visible
        page.evaluate("window.cptsFitView(L.latLngBounds([[44.05, 6.2], [44.054, 6.212]]))")
        settle(page)
        shown_closer, pairs = page.evaluate(OVERLAP_JS)
        assert pairs == 0 and shown_closer > shown
    finally:
        close_page(page)
    assert errors == [] and console == []
