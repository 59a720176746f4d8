"""Map builders: content, classification, escaping and rendering in headless Chromium."""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from pipeline.render import maps
from pipeline.render.maps import classify, coverage_map, flow_map, prepare_geometries, save_map, territory_map
from tests.browser import close_page, dialogs, open_page, screenshot

LON0, LAT0, STEP = 6.20, 44.05, 0.05
XSS = "<script>alert(1)</script>"
SCREENSHOT_DIR = Path("/tmp/cpts_screenshots")


def unescape_json(text: str) -> str:
    """Undo the ``\\uXXXX`` escapes of JSON embedded in the page."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def square(i: int, j: int) -> box:
    return box(LON0 + i * STEP, LAT0 + j * STEP, LON0 + (i + 1) * STEP, LAT0 + (j + 1) * STEP)


def synthetic_territory(xss: bool = False) -> dict:
    """Six communes (3 x 2 squares) near Digne-les-Bains, one neighbour CPTS, points and flows."""
    names = ["Digne-les-Bains", "Aiglun", "Marcoux", "La Robine-sur-Galabre", "Le Chaffaut", "L'Escale"]
    if xss:
        names[1] = XSS
    communes = gpd.GeoDataFrame(
        {
            "code": ["04070", "04001", "04111", "04171", "04046", "04079"],
            "nom": names,
            "population": [16000, 1400, 500, 300, 900, 1300],
            "densite": [135.2, 40.1, 15.3, 6.8, 25.0, 48.9],
            "apl_2023": [3.9, 2.1, np.nan, 1.2, 2.8, 2.8],
            "densite_mg": [9.5, 9.5, 9.5, 9.5, 9.5, 9.5],  # constant column
        },
        geometry=[square(i, j) for j in range(2) for i in range(3)],
        crs=4326,
    )
    perimeter = gpd.GeoDataFrame({"nom": ["CPTS du Pays dignois"]}, geometry=[communes.union_all()], crs=4326)
    neighbours = gpd.GeoDataFrame(
        {"nom": ["CPTS Durance-Bléone"]},
        geometry=[box(LON0 + 3 * STEP, LAT0, LON0 + 5 * STEP, LAT0 + 2 * STEP)],
        crs=4326,
    )
    establishments = gpd.GeoDataFrame(
        {
            "nom": [XSS if xss else "Centre hospitalier de Digne", "EHPAD Les Oliviers", "Pharmacie centrale"],
            "groupe": ["Hôpital", "Médico-social", "Pharmacie"],
            "categorie": ["Centre hospitalier", "EHPAD", "Officine"],
        },
        geometry=[Point(LON0 + 0.02, LAT0 + 0.02), Point(LON0 + 0.07, LAT0 + 0.03), Point(LON0 + 0.12, LAT0 + 0.08)],
        crs=4326,
    )
    professionals = pd.DataFrame(
        {
            "code": ["04070", "04070", "04001", "04079"],
            "groupe": ["Médecins généralistes", "Infirmiers", "Infirmiers", "Médecins généralistes"],
            "effectif": [18, 40, 2, 1],
        }
    )
    flows = gpd.GeoDataFrame(
        {
            "volume": [1200, 300],
            "sens": ["sortant", "entrant"],
            "origine": ["CPTS du Pays dignois", "Sisteron"],
            "destination": ["Manosque", "CPTS du Pays dignois"],
        },
        geometry=[
            LineString([(LON0 + 0.02, LAT0 + 0.02), (LON0 + 0.25, LAT0 - 0.05)]),
            LineString([(LON0 - 0.08, LAT0 + 0.15), (LON0 + 0.02, LAT0 + 0.02)]),
        ],
        crs=4326,
    )
    return {
        "perimeter": perimeter,
        "communes": communes,
        "neighbours": neighbours,
        "establishments": establishments,
        "professionals": professionals,
        "flows": flows,
    }


INDICATORS = {
    "population": "Population municipale",
    "apl_2023": "APL médecins généralistes (2023)",
    "densite_mg": "Médecins généralistes pour 10 000 hab.",
}


def synthetic_coverage() -> dict:
    """4 x 3 communes; CPTS A (west) and B (centre) overlap on one column; east column uncovered."""
    cells = [(i, j) for j in range(3) for i in range(4)]
    units = gpd.GeoDataFrame(
        {
            "code": [f"04{100 + k}" for k in range(len(cells))],
            "nom": [f"Commune {k + 1}" for k in range(len(cells))],
            "population": [1000 * (k + 1) for k in range(len(cells))],
        },
        geometry=[square(i, j) for i, j in cells],
        crs=4326,
    )
    col = np.array([i for i, _ in cells])
    units["n_cpts"] = np.select([col == 1, col == 3], [2, 0], 1)
    units["cpts"] = np.select([col == 0, col == 1, col == 2], ["CPTS A", "CPTS A, CPTS B", "CPTS B"], "")
    perimeters = gpd.GeoDataFrame(
        {"cpts": ["CPTS A", "CPTS B"]},
        geometry=[
            box(LON0, LAT0, LON0 + 2 * STEP, LAT0 + 3 * STEP),
            box(LON0 + STEP, LAT0, LON0 + 3 * STEP, LAT0 + 3 * STEP),
        ],
        crs=4326,
    )
    overlaps = gpd.GeoDataFrame(
        {"cpts": [["CPTS A", "CPTS B"]], "population": [15000]},
        geometry=[box(LON0 + STEP, LAT0, LON0 + 2 * STEP, LAT0 + 3 * STEP)],
        crs=4326,
    )
    white = units[units["n_cpts"] == 0][["nom", "population", "geometry"]]
    atone = white.iloc[[0]]
    candidates = gpd.GeoDataFrame(
        {"nom": ["Haute-Bléone"], "population": [24000]}, geometry=[white.union_all()], crs=4326
    )
    return {
        "units": units,
        "perimeters": perimeters,
        "overlaps": overlaps,
        "white_zones": white,
        "atone": atone,
        "candidates": candidates,
    }


# --------------------------------------------------------------------------- pure Python


def test_classify_known_answers() -> None:
    values = pd.Series([1, 2, 3, 10, 11, 12, 50, 51, 100, 101.0])
    classes, bins = classify(values, k=5)
    # Fisher-Jenks optimum (within-class sum of squares 3.5): {1} {2, 3} {10..12} {50, 51} {100, 101}.
    assert bins == [1.0, 3.0, 12.0, 51.0, 101.0]
    assert classes.tolist() == [0, 1, 1, 2, 2, 2, 3, 3, 4, 4]
    classes, bins = classify(values, k=2, scheme="Quantiles")
    assert bins == [11.5, 101.0]  # median and classes.tolist() == [0] * 5 + [1] * 5


def test_classify_constant_nan_and_few_values() -> None:
    classes, bins = classify(pd.Series([9.5, 9.5, 9.5]))
    assert bins == [9.5] and classes.tolist() == [0, 0, 0]
    classes, bins = classify(pd.Series([1.0, np.nan, 2.0]))
    assert bins == [1.0, 2.0] and classes.tolist() == [0, -1, 1]
    classes, bins = classify(pd.Series([np.nan, np.nan]))
    assert bins == [] and classes.tolist() == [-1, -1]


def test_prepare_geometries_rounds_and_simplifies() -> None:
    n = 2000
    ring = [(LON0 + 0.1 * math.cos(2 * math.pi * t / n), LAT0 + 0.1 * math.sin(2 * math.pi * t / n)) for t in range(n)]

    gdf = gpd.GeoDataFrame({"nom": ["cercle"]}, geometry=[Polygon(ring)], crs=4326)
    out = prepare_geometries(gdf, simplify_tolerance=50, precision=5)
    coords = np.asarray(out.geometry.iloc[0].exterior.coords)
    assert len(coords) < n / 5
    assert np.allclose(coords, np.round(coords, 5), atol=0)
    # Area preserved within 1 %.
    assert out.to_crs(2154).area.iloc[0] == pytest.approx(gdf.to_crs(2154).area.iloc[0], rel=0.01)


def test_territory_map_layers_and_legends() -> None:
    data = synthetic_territory()
    m = territory_map(indicators=INDICATORS, title="CPTS du Pays dignois", demo_data=True, **data)
    html = m.get_root().render()
    layers = [c.layer_name for c in m._children.values() if getattr(c, "control", False)]
    assert layers == [
        "CPTS voisines",
        "Population municipale",
        "APL médecins généralistes (2023)",
        "Médecins généralistes pour 10 000 hab.",
        "Contours des communes",
        "Périmètre de la CPTS",
        "Professionnels de santé (par commune)",
        "Établissements de santé",
        "Flux de patients",
    ]
    shown = [c.layer_name for c in m._children.values() if getattr(c, "control", False) and c.show]
    assert "APL médecins généralistes (2023)" not in shown and "Population municipale" in shown
    html = unescape_json(html)
    assert "Données fictives de démonstration" in html
    assert "Donnée non disponible" in html  # NaN APL
    # Fisher-Jenks classes of the population column (6 distinct values, k = 5), French formatting.
    assert "300 – 500" in html.replace("\u202f", " ")
    assert "https://" in html  # CDN links before inlining ...
    assert "L'Escale" in html


def test_missing_column_is_reported() -> None:
    data = synthetic_territory()
    data["communes"] = data["communes"].drop(columns=["nom"])
    with pytest.raises(ValueError, match="nom"):
        territory_map(indicators=INDICATORS, **data)


def test_coverage_map_size_small(tmp_path: Path) -> None:
    path = save_map(coverage_map(**synthetic_coverage(), demo_data=False), tmp_path / "couverture.html")
    text = path.read_text(encoding="utf-8")
    text = unescape_json(text)
    assert "Données fictives de démonstration" not in text
    assert "proposition – Haute-Bléone" in text
    # Leaflet + jQuery + leaflet-search inlined, no Bootstrap / Font Awesome.
    assert path.stat().st_size < 400_000
    assert "bootstrap" not in text.lower()


# --------------------------------------------------------------------------- browser

LAYER_LABELS_JS = (
    "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())"
)


@pytest.mark.browser
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
        # Only the first indicator's legend is visible; toggling a layer shows its legend.
        legend = page.locator(".cpts-legend")
        assert legend.is_visible()
        assert "Population municipale" in legend.inner_text()
        assert "APL médecins" not in legend.inner_text()
        page.locator(".leaflet-control-layers-overlays label", has_text="APL médecins").locator("input").click()
        assert "Donnée non disponible" in legend.inner_text()
        # Search finds a commune by name.
        page.locator(".leaflet-control-search input").press_sequentially("Marc")
        page.wait_for_timeout(400)
        assert "Marcoux" in page.locator(".leaflet-control-search .search-tooltip").inner_text()
        page.locator(".leaflet-control-search input").fill("")
        page.locator(".leaflet-control-layers-overlays label", has_text="APL médecins").locator("input").click()
        screenshot(page, SCREENSHOT_DIR / "carte_territoire.png")
        assert errors == []
    finally:
        close_page(page)


@pytest.mark.browser
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
        screenshot(page, SCREENSHOT_DIR / "carte_couverture.png")
    finally:
        close_page(page)


@pytest.mark.browser
def test_flow_map_in_browser(tmp_path: Path) -> None:
    data = synthetic_territory()
    path = save_map(
        flow_map(data["flows"], perimeter=data["perimeter"], communes=data["communes"], title="Flux de patients"),
        tmp_path / "flux.html",
    )
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('path.leaflet-interactive'))"
            ".filter(p => p.getAttribute('stroke') === '#d6604d' || p.getAttribute('stroke') === '#2166ac')"
            ".map(p => [p.getAttribute('stroke'), parseFloat(p.getAttribute('stroke-width'))])"
        )
        by_color = dict(widths)
        assert by_color["#d6604d"] == pytest.approx(14.0)  # largest flow (sortant, 1 200)
        assert by_color["#2166ac"] == pytest.approx(1.5 + 12.5 * math.sqrt(300 / 1200))
        screenshot(page, SCREENSHOT_DIR / "carte_flux.png")
    finally:
        close_page(page)


@pytest.mark.browser
def test_names_are_escaped(tmp_path: Path) -> None:
    data = synthetic_territory(xss=True)
    path = save_map(territory_map(indicators=INDICATORS, title=f"Titre {XSS}", **data), tmp_path / "xss.html")
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        assert dialogs(page) == []
        assert page.evaluate("window.__xss === undefined")
        assert XSS in page.locator(".cpts-title").inner_text()
        # Hover the establishment whose name is the payload: the tooltip shows it as text.
        page.locator(".leaflet-control-layers-overlays label", has_text="Établissements").locator("input").uncheck()
        page.locator(".leaflet-control-layers-overlays label", has_text="Établissements").locator("input").check()
        markers = page.locator("path.leaflet-interactive[fill='#1f78b4']")  # first group colour: "Hôpital"
        markers.first.hover(force=True)
        page.wait_for_timeout(200)
        tooltip = page.locator(".leaflet-tooltip")
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


def test_maps_module_exports() -> None:
    assert callable(maps.territory_map) and callable(maps.coverage_map) and callable(maps.flow_map)


def test_region_scale_coverage_map_stays_small(tmp_path: Path) -> None:
    """~1 000 communes with 200-vertex boundaries (≈ a région) stay far below 15 MB."""
    rng = np.random.default_rng(0)
    n_side, size, vertices = 32, 0.06, 200
    polys, names = [], []
    for i in range(n_side):
        for j in range(n_side):
            cx, cy = 4.5 + i * size, 43.2 + j * size * 0.75
            t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
            r = size * 0.5 * (1 + 0.02 * rng.standard_normal(vertices))
            polys.append(Polygon(np.c_[cx + r * np.cos(t), cy + 0.75 * r * np.sin(t)]))
            names.append(f"Commune {i}-{j}")
    units = gpd.GeoDataFrame(
        {"code": [f"{k:05d}" for k in range(len(polys))], "nom": names, "population": 1000, "n_cpts": 1, "cpts": "A"},
        geometry=polys,
        crs=4326,
    )
    half = n_side * size / 2
    quadrants = [
        shapely.segmentize(
            box(4.5 + a * half, 43.2 + b * half * 0.75, 4.5 + (a + 1) * half, 43.2 + (b + 1) * half * 0.75), 0.001
        )
        for a in range(2)
        for b in range(2)
    ]
    perimeters = gpd.GeoDataFrame({"cpts": list("ABCD")}, geometry=quadrants, crs=4326)
    raw = len(units.to_json()) + len(perimeters.to_json())
    path = save_map(coverage_map(units, perimeters), tmp_path / "region.html")
    size = path.stat().st_size
    assert size < 15 * 1024 * 1024
    assert size < raw / 2  # simplification + rounding
