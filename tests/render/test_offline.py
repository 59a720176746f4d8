"""Self-contained HTML: vendored assets, CDN URL mapping, failure on unknown URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import folium.plugins
import pytest

from pipeline.render.maps import save_map, territory_map
from pipeline.render.offline import (
    VENDOR_DIR,
    OfflineAssetError,
    inline_assets,
    inline_css,
    load_manifest,
    remote_references,
    resolve_asset,
    save_self_contained,
)
from tests.browser import blocked_requests, close_page, open_page
from tests.render.map_data import INDICATORS, synthetic_territory

REMOTE_TAG = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)


def folium_urls() -> set[str]:
    """Every CDN URL folium 0.20 puts in a Map page, plus leaflet-search and Leaflet.markercluster."""
    urls = {u for _, u in folium.Map.default_js} | {u for _, u in folium.Map.default_css}
    for plugin in (folium.plugins.Search, folium.plugins.MarkerCluster):
        urls |= {u for _, u in plugin.default_js} | {u for _, u in plugin.default_css}
    return urls


def test_every_folium_url_is_vendored_or_dropped_on_purpose() -> None:
    manifest = load_manifest()
    for url in folium_urls():
        assert url in manifest["assets"] or url in manifest["dropped"], url
        path = resolve_asset(url)
        assert path is None or path.is_file(), url


def test_vendored_assets_have_licences_and_fit_budget() -> None:
    manifest = load_manifest()
    total = sum(p.stat().st_size for p in VENDOR_DIR.rglob("*") if p.is_file())
    assert total < 1_500_000
    for info in manifest["packages"].values():
        folder = VENDOR_DIR / info["directory"]
        assert any("licen" in p.name.lower() for p in folder.iterdir()), folder  # LICENSE, MIT-LICENCE.txt
    # No source maps or unminified duplicates were vendored.
    assert not list(VENDOR_DIR.rglob("*.map"))
    assert json.loads((VENDOR_DIR / "manifest.json").read_text(encoding="utf-8"))["assets"]


def test_unknown_cdn_url_fails_loudly() -> None:
    page = '<html><head><script src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"></script></head></html>'
    with pytest.raises(OfflineAssetError, match=r"leaflet@1\.9\.4"):
        inline_assets(page)
    css = '<link rel="stylesheet" href="https://example.org/x.css"/>'
    with pytest.raises(OfflineAssetError):
        inline_assets(css)


def test_inline_assets_replaces_tags() -> None:
    page = (
        "<html><head>"
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>'
        '<link rel="stylesheet" href="https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css"/>'
        '<link rel="icon" href="https://example.org/favicon.ico"/>'
        '</head><body><a href="https://www.openstreetmap.org">OSM</a></body></html>'
    )
    out = inline_assets(page)
    assert remote_references(out) == []
    assert "Leaflet 1.9.3" in out  # licence header kept
    assert "ressource omise hors ligne" in out
    assert 'href="https://www.openstreetmap.org"' in out  # ordinary links untouched
    assert '<link rel="icon"' in out  # not a stylesheet
    assert "images/layers.png" not in out and "data:image/png;base64," in out


def test_css_fonts_become_data_uris_or_are_dropped() -> None:
    css = inline_css(VENDOR_DIR / "fontawesome-free-6.2.0" / "css" / "all.min.css")
    assert "../webfonts" not in css
    assert css.count("data:font/woff2;base64,") >= 4
    assert 'url("data:,")' in css  # .ttf fallbacks dropped


def test_full_folium_page_is_self_contained(tmp_path: Path) -> None:
    """A default folium map (Bootstrap, Font Awesome, awesome-markers, Search) works offline."""
    m = folium.Map(location=[44.09, 6.23], zoom_start=12, tiles=None)
    folium.Marker([44.09, 6.23], tooltip="Digne", icon=folium.Icon(color="red", icon="hospital", prefix="fa")).add_to(m)
    folium.Marker([44.10, 6.25], popup=folium.Popup("<b>Popup</b>")).add_to(m)  # popups need jQuery
    layer = folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"nom": "A"},
                    "geometry": {"type": "Point", "coordinates": [6.2, 44.1]},
                }
            ],
        }
    ).add_to(m)
    folium.plugins.Search(layer=layer, search_label="nom").add_to(m)
    path = save_self_contained(m, tmp_path / "folium.html")
    text = path.read_text(encoding="utf-8")
    assert not REMOTE_TAG.search(text)
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        assert blocked_requests(page) == []
        assert page.evaluate("typeof L") == "object"
        assert page.evaluate("typeof jQuery") == "function"
        assert page.evaluate("typeof L.AwesomeMarkers") == "object"
        assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
        # Default marker icon resolved to an embedded image (not "nullmarker-icon.png").
        srcs = page.locator("img.leaflet-marker-icon").evaluate_all("els => els.map(e => e.src)")
        assert srcs and all(s.startswith("data:image/png") for s in srcs)
    finally:
        close_page(page)


def test_saved_territory_map_has_no_remote_script_or_stylesheet(tmp_path: Path) -> None:
    path = save_map(territory_map(indicators=INDICATORS, **synthetic_territory()), tmp_path / "carte.html")
    text = path.read_text(encoding="utf-8")
    assert not REMOTE_TAG.search(text)
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+stylesheet", text)
    page, errors, console = open_page(path)
    try:
        assert errors == [] and console == []
        assert blocked_requests(page) == []  # not a single network request
        # Leaflet.markercluster (clustered establishments) is inlined from the vendored copy.
        assert page.evaluate("typeof L.MarkerClusterGroup") == "function"
        assert "dist/leaflet.markercluster.js (copie locale)" in text
    finally:
        close_page(page)
