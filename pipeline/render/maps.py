"""Interactive maps (folium/Leaflet) of a CPTS territory, of CPTS coverage and of patient flows.

Every builder takes GeoDataFrames in EPSG:4326 and returns a :class:`folium.Map`;
:func:`save_map` writes it as one self-contained HTML file (scripts and styles
inlined by :mod:`pipeline.render.offline`), which opens with no network.

Design choices
--------------
* **No tiles by default.** Tile layers always need the network; offline they
  leave a grey background with broken-image requests. The maps therefore draw
  their own context (perimeter, communes, neighbours) on a plain background.
  Pass ``tiles=True`` to add an OpenStreetMap base layer that is used when the
  network is available and simply stays blank otherwise.
* **Escaping.** All text that comes from data (names, categories) is
  HTML-escaped in Python before it reaches the page; tooltips and the search
  box display it with ``innerHTML``, so ``<script>`` in a name shows as text.
* **Size.** Geometries are simplified in a projected CRS (Lambert-93 by
  default, ``simplify_tolerance`` in metres) and coordinates rounded
  (``precision`` decimals, 5 ≈ 1 m) so that a région map stays well under
  15 MB.
* Only Leaflet and jQuery (used by folium popups) are loaded by default;
  ``folium.plugins.Search`` adds leaflet-search.
* **French controls.** Leaflet's zoom buttons and leaflet-search say « Zoom in »,
  « Location not found », « Cancel » by default: :class:`FrenchControls` and
  :class:`FrenchSearch` pass French texts.
"""

from __future__ import annotations

import html
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from pipeline.render.offline import save_self_contained
from pipeline.render.report import DEMO_BANNER, format_number

log = logging.getLogger(__name__)

DEFAULT_SOURCE = "Sources : Insee, DREES (APL), FINESS, Assurance maladie (RPPS/annuaire santé), IGN Admin Express."
PROJECTED_CRS = "EPSG:2154"
MAX_HTML_BYTES = 15 * 1024 * 1024

#: Sequential palette (ColorBrewer YlGnBu, 5 classes) for choropleths.
SEQUENTIAL = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
#: Qualitative palette (ColorBrewer Paired + Dark2) for categories and CPTS.
QUALITATIVE = [
    "#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a",
    "#fb9a99", "#fdbf6f", "#cab2d6", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
    "#e6ab02", "#a6761d", "#666666", "#17becf",
]  # fmt: skip
NA_COLOR = "#d9d9d9"
FLOW_COLORS = {"entrant": "#2166ac", "sortant": "#d6604d"}

_PAGE_CSS = """
<style>
  html, body { margin: 0; padding: 0; font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; }
  html body .leaflet-container { background: #f4f6f8; font-family: inherit; }
  .cpts-header { position: fixed; top: 0; left: 0; right: 0; z-index: 1001; pointer-events: none;
    text-align: center; }
  .cpts-title { display: inline-block; margin-top: 8px; padding: 6px 14px; background: rgba(255,255,255,.92);
    border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 17px; font-weight: 600;
    color: #1d2b3a; pointer-events: auto; max-width: 60vw; }
  .cpts-demo-banner { display: block; width: fit-content; margin: 6px auto 0; padding: 4px 14px;
    background: #b00020; color: #fff; font-weight: 700; letter-spacing: .02em; border-radius: 4px;
    box-shadow: 0 1px 4px rgba(0,0,0,.3); pointer-events: auto; }
  .cpts-source { position: fixed; left: 0; bottom: 0; z-index: 1001; padding: 3px 8px; font-size: 11px;
    color: #333; background: rgba(255,255,255,.85); border-top-right-radius: 4px; max-width: 70vw; }
  .leaflet-top { top: 48px; }
  .cpts-has-banner .leaflet-top { top: 80px; }
  .leaflet-bottom.leaflet-left { bottom: 20px; }
  .cpts-legend { background: rgba(255,255,255,.94); padding: 8px 10px; border-radius: 6px;
    box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; line-height: 1.35; max-height: 55vh;
    overflow-y: auto; min-width: 170px; }
  .cpts-legend h4 { margin: 0 0 4px; font-size: 12.5px; }
  .cpts-legend-block + .cpts-legend-block { margin-top: 8px; border-top: 1px solid #ddd; padding-top: 6px; }
  .cpts-legend i { display: inline-block; width: 16px; height: 12px; margin-right: 6px; vertical-align: -1px;
    border: 1px solid rgba(0,0,0,.35); }
  .cpts-legend i.line { height: 0; border: none; border-top-style: solid; vertical-align: 3px; }
  .cpts-legend i.dot { border-radius: 50%; width: 11px; height: 11px; }
  .cpts-tip table { border-collapse: collapse; }
  .cpts-tip td, .cpts-tip th { padding: 1px 6px 1px 0; text-align: left; font-weight: normal; }
  .cpts-tip td.n { text-align: right; }
  .cpts-tip b { font-size: 13px; }
  .cpts-label-icon { background: none; border: none; }
  .cpts-label { display: inline-block; transform: translate(-50%, -50%);
    background: none; border: none; box-shadow: none; color: #1a7a36; font-weight: 700;
    font-size: 11px; text-shadow: 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap; }
  .leaflet-control-search .search-input { width: 190px; }
</style>
"""

_LEGEND_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var control = L.control({position: 'bottomright'});
  control.onAdd = function () {
    var div = L.DomUtil.create('div', 'cpts-legend');
    div.innerHTML = {{ this.html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.addTo(map);
  var entries = [
    {%- for layer, block_id in this.pairs %}
    [{{ layer }}, {{ block_id|tojson }}],
    {%- endfor %}
  ];
  function refresh() {
    entries.forEach(function (e) {
      var el = document.getElementById(e[1]);
      if (el) { el.style.display = map.hasLayer(e[0]) ? '' : 'none'; }
    });
  }
  map.on('layeradd layerremove', refresh);
  refresh();
})();
{% endmacro %}
"""


#: French texts of the Leaflet controls whose defaults are English.
ZOOM_IN_TITLE = "Zoomer"
ZOOM_OUT_TITLE = "Dézoomer"
SEARCH_PLACEHOLDER = "Rechercher une commune…"
SEARCH_NOT_FOUND = "Commune introuvable"
SEARCH_CANCEL = "Annuler"
LEAFLET_PREFIX = (
    '<a href="https://leafletjs.com" title="Bibliothèque JavaScript de cartes interactives">Leaflet</a>'
)

_FRENCH_CONTROLS_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  L.control.zoom({position: 'topleft', zoomInTitle: {{ this.zoom_in|tojson }},
                  zoomOutTitle: {{ this.zoom_out|tojson }}}).addTo(map);
  if (map.attributionControl) { map.attributionControl.setPrefix({{ this.prefix|tojson }}); }
})();
{% endmacro %}
"""


class FrenchControls(MacroElement):
    """Leaflet's zoom control with French titles, and a French attribution prefix.

    The map is created with ``zoom_control=False`` (Leaflet's own control
    says « Zoom in » / « Zoom out »); this element adds it back in French.
    """

    _template = Template(_FRENCH_CONTROLS_TEMPLATE)

    def __init__(self) -> None:
        super().__init__()
        self._name = "CptsFrenchControls"
        self.zoom_in, self.zoom_out, self.prefix = ZOOM_IN_TITLE, ZOOM_OUT_TITLE, LEAFLET_PREFIX


_SEARCH_TEMPLATE = """
{% macro script(this, kwargs) %}
    var {{this.layer.get_name()}}searchControl = new L.Control.Search({
        layer: {{this.layer.get_name()}},
        propertyName: {{ this.search_label|tojson }},
        collapsed: {{ this.collapsed|tojson }},
        textPlaceholder: {{ this.placeholder|tojson }},
        textErr: {{ this.text_err|tojson }},
        textCancel: {{ this.text_cancel|tojson }},
        position: {{ this.position|tojson }},
        marker: false,
        moveToLocation: function(latlng, title, map) {
            map.flyTo(latlng, map.getBoundsZoom(latlng.layer.getBounds()));
        }
    });
    {{this.layer.get_name()}}searchControl.on('search:locationfound', function(e) {
        {{this.layer.get_name()}}.setStyle(function(feature){ return feature.properties.style; });
        {% if this.options %}
        e.layer.setStyle({{ this.options|tojavascript }});
        {% endif %}
        if (e.layer._popup) e.layer.openPopup();
    });
    {{this.layer.get_name()}}searchControl.on('search:collapsed', function(e) {
        {{this.layer.get_name()}}.setStyle(function(feature){ return feature.properties.style; });
    });
    {{this._parent.get_name()}}.addControl({{this.layer.get_name()}}searchControl);
{% endmacro %}
"""


class FrenchSearch(folium.plugins.Search):
    """leaflet-search on polygons, with French texts (placeholder, « Commune introuvable », « Annuler »)."""

    _template = Template(_SEARCH_TEMPLATE)

    def __init__(self, layer: folium.GeoJson, search_label: str, **kwargs: Any) -> None:
        super().__init__(layer=layer, search_label=search_label, geom_type="Polygon",
                         placeholder=SEARCH_PLACEHOLDER, collapsed=False, position="topleft", **kwargs)
        self.text_err, self.text_cancel = SEARCH_NOT_FOUND, SEARCH_CANCEL


class Legend(MacroElement):
    """A legend control whose blocks are shown only while their layer is on the map.

    Parameters
    ----------
    blocks
        ``(layer, html)`` pairs; ``layer`` is a folium layer (or ``None`` for an
        always-visible block) and ``html`` the block's trusted, escaped HTML.
    """

    _template = Template(_LEGEND_TEMPLATE)

    def __init__(self, blocks: list[tuple[Any | None, str]]) -> None:
        super().__init__()
        self._name = "CptsLegend"
        parts: list[str] = []
        self.pairs: list[tuple[str, str]] = []
        for i, (layer, block) in enumerate(blocks):
            block_id = f"{self.get_name()}_{i}"
            parts.append(f'<div class="cpts-legend-block" id="{block_id}">{block}</div>')
            if layer is not None:
                self.pairs.append((layer.get_name(), block_id))
        self.html = "".join(parts)


# --------------------------------------------------------------------------- helpers


def esc(value: Any) -> str:
    """HTML-escape a value from the data (``None``/NaN become an empty string)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def _text(value: Any) -> str:
    """Escape for text content only (keeps apostrophes searchable in the search box)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def _auto_decimals(values: Iterable[float]) -> int:
    arr = np.asarray([v for v in values if v is not None and not pd.isna(v)], dtype=float)
    if arr.size == 0 or np.all(np.mod(arr, 1) == 0):
        return 0
    top = float(np.nanmax(np.abs(arr)))
    return 0 if top >= 100 else 1 if top >= 1 else 2


def _tip(title: str | None, rows: list[tuple[str, str]], note: str | None = None) -> str:
    """Tooltip HTML; ``title``, labels and values must already be escaped."""
    out = '<div class="cpts-tip">'
    if title:
        out += f"<b>{title}</b>"
    if rows:
        out += "<table>" + "".join(f'<tr><th>{k}</th><td class="n">{v}</td></tr>' for k, v in rows) + "</table>"
    if note:
        out += f"<div>{note}</div>"
    return out + "</div>"


def prepare_geometries(
    gdf: gpd.GeoDataFrame,
    simplify_tolerance: float | None = 0.0,
    precision: int | None = 5,
    projected_crs: str = PROJECTED_CRS,
) -> gpd.GeoDataFrame:
    """Return a copy in EPSG:4326, simplified and with rounded coordinates.

    Parameters
    ----------
    gdf
        Input layer (any CRS; EPSG:4326 assumed when the CRS is missing).
    simplify_tolerance
        Douglas-Peucker tolerance in metres, applied in ``projected_crs``
        (topology preserved); 0 or ``None`` disables simplification.
    precision
        Number of decimals kept for longitudes/latitudes (5 ≈ 1 m); ``None``
        keeps full precision.
    projected_crs
        Metric CRS used for simplification (Lambert-93 for metropolitan France).
    """
    out = gdf.copy()
    if out.crs is None:
        out = out.set_crs(4326)
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    if simplify_tolerance:
        projected = out.to_crs(projected_crs)
        projected = projected.set_geometry(projected.geometry.simplify(simplify_tolerance, preserve_topology=True))
        out = projected.to_crs(4326)
    elif out.crs.to_epsg() != 4326:
        out = out.to_crs(4326)
    if precision is not None:
        factor = 10.0**precision
        geoms = shapely.transform(out.geometry.values, lambda c: np.round(c * factor) / factor)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=4326))
    return out


def _collection(gdf: gpd.GeoDataFrame, props: Callable[[pd.Series], dict[str, Any]]) -> dict[str, Any]:
    features = []
    for i, (_, row) in enumerate(gdf.iterrows()):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        features.append(
            {"type": "Feature", "id": str(i), "properties": props(row), "geometry": shapely.geometry.mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}


def _require(gdf: pd.DataFrame | None, columns: Iterable[str], what: str) -> None:
    if gdf is None:
        return
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise ValueError(f"{what} : colonnes manquantes {missing} (présentes : {list(gdf.columns)})")


def _base_map(
    bounds_from: Iterable[gpd.GeoDataFrame | None], title: str, demo_data: bool, source: str, tiles: bool
) -> folium.Map:
    """A map with no tiles, title, optional demo banner and source line, fitted to the data."""
    frames = [g for g in bounds_from if g is not None and len(g)]
    if frames:
        minx, miny, maxx, maxy = np.array([g.total_bounds for g in frames]).T
        bounds = [[float(miny.min()), float(minx.min())], [float(maxy.max()), float(maxx.max())]]
    else:  # France métropolitaine
        bounds = [[41.3, -5.2], [51.1, 9.6]]
    figure = Figure(title=esc(title))
    m = folium.Map(
        location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_control=False,
    )
    figure.add_child(m)
    FrenchControls().add_to(m)
    # Only what the pipeline's maps use: no Bootstrap, Font Awesome or awesome-markers.
    m.default_js = [(n, u) for n, u in folium.Map.default_js if n in ("leaflet", "jquery")]
    m.default_css = [(n, u) for n, u in folium.Map.default_css if n == "leaflet_css"]
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="Fond OpenStreetMap (nécessite Internet)", overlay=False, control=True
        ).add_to(m)
    m.fit_bounds(bounds, padding_top_left=(30, 100 if demo_data else 70), padding_bottom_right=(200, 30))
    root: Any = m.get_root()  # a branca Figure, whose header/html children folium types as Element
    root.header.add_child(Element(_PAGE_CSS), name="cpts_css")
    banner = f'<span class="cpts-demo-banner" role="alert">{esc(DEMO_BANNER)}</span>' if demo_data else ""
    root.html.add_child(
        Element(
            f'<div class="cpts-header"><div class="cpts-title">{esc(title)}</div>{banner}</div>'
            f'<div class="cpts-source">{esc(source)}</div>'
        ),
        name="cpts_header",
    )
    if demo_data:
        root.html.add_child(
            Element("<script>document.body.classList.add('cpts-has-banner');</script>"), name="cpts_banner_js"
        )
    return m


def _geojson(
    data: dict[str, Any],
    name: str,
    style: Callable[[dict[str, Any]], dict[str, Any]],
    show: bool = True,
    tooltip: bool = True,
    highlight: bool = True,
    marker: Any | None = None,
    control: bool = True,
) -> folium.GeoJson:
    kwargs: dict[str, Any] = {}
    if tooltip:
        kwargs["tooltip"] = folium.GeoJsonTooltip(fields=["info"], labels=False, sticky=True)
    if highlight:
        kwargs["highlight_function"] = lambda _f: {"weight": 3, "color": "#000000"}
    if marker is not None:
        kwargs["marker"] = marker
    return folium.GeoJson(
        data, name=esc(name), style_function=style, show=show, overlay=True, control=control, **kwargs
    )


# --------------------------------------------------------------------------- classification


def classify(values: pd.Series, k: int = 5, scheme: str = "FisherJenks") -> tuple[np.ndarray, list[float]]:
    """Classify a numeric series into at most ``k`` classes.

    Parameters
    ----------
    values
        Numeric values (NaN allowed).
    k
        Maximum number of classes.
    scheme
        A :mod:`mapclassify` classifier name (``FisherJenks``, ``Quantiles``,
        ``NaturalBreaks``, ``EqualInterval``...).

    Returns
    -------
    tuple
        ``(classes, bins)``: class index per value (-1 for NaN) and the
        upper bound of each class. When the series has ``k`` distinct values
        or fewer, each distinct value is its own class; a constant series has
        one class; an all-NaN series has no class.
    """
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    valid = numeric.dropna()
    classes = np.full(len(numeric), -1, dtype=int)
    if valid.empty:
        return classes, []
    unique = np.unique(valid.to_numpy())
    if len(unique) <= k:
        bins = [float(u) for u in unique]
    else:
        if scheme == "FisherJenks" and len(valid) > 1000:
            scheme = "FisherJenksSampled"  # exact Fisher-Jenks is quadratic without numba
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Numba not installed" and similar notices
            classifier = getattr(mapclassify, scheme)(valid.to_numpy(), k=k)
        bins = [float(b) for b in classifier.bins]
    mask = numeric.notna().to_numpy()
    classes[mask] = np.minimum(np.searchsorted(np.asarray(bins), numeric.to_numpy()[mask], side="left"), len(bins) - 1)
    return classes, bins


def _palette(n: int) -> list[str]:
    if n <= 0:
        return []
    if n == 1:
        return [SEQUENTIAL[2]]
    idx = np.round(np.linspace(0, len(SEQUENTIAL) - 1, n)).astype(int)
    return [SEQUENTIAL[i] for i in idx]


def _class_labels(bins: list[float], minimum: float, decimals: int, distinct: bool) -> list[str]:
    if distinct:
        return [format_number(b, decimals) for b in bins]
    labels = []
    lower = minimum
    for b in bins:
        low, high = format_number(lower, decimals), format_number(b, decimals)
        labels.append(high if low == high else f"{low} – {high}")
        lower = b
    return labels


# --------------------------------------------------------------------------- layers


def _swatch(color: str, kind: str = "box", extra: str = "") -> str:
    if kind == "line":
        return f'<i class="line" style="border-top-color:{color};{extra}"></i>'
    if kind == "dot":
        return f'<i class="dot" style="background:{color}"></i>'
    return f'<i style="background:{color};{extra}"></i>'


def _legend_block(title: str, rows: list[tuple[str, str]]) -> str:
    """``rows`` are (swatch HTML, escaped label)."""
    return f"<h4>{esc(title)}</h4>" + "".join(f"<div>{sw}{label}</div>" for sw, label in rows)


def _add_indicator_layers(
    m: folium.Map, communes: gpd.GeoDataFrame, indicators: Mapping[str, str], k: int, scheme: str
) -> list[tuple[Any, str]]:
    legends: list[tuple[Any, str]] = []
    decimals = {col: _auto_decimals(communes[col]) for col in indicators if col in communes}
    for i, (column, label) in enumerate(indicators.items()):
        if column not in communes.columns:
            raise ValueError(f"Indicateur {column!r} absent de la table des communes.")
        classes, bins = classify(communes[column], k=k, scheme=scheme)
        colors = _palette(len(bins))
        dec = decimals[column]
        numeric = pd.to_numeric(communes[column], errors="coerce")
        frame = communes.assign(_cls=classes)

        def props(
            row: pd.Series, column: str = column, label: str = label, dec: int = dec, colors: list[str] = colors
        ) -> dict[str, Any]:
            cls = int(row["_cls"])
            return {
                "info": _tip(esc(row.get("nom")), [(esc(label), esc(format_number(row[column], dec)))]),
                "fill": colors[cls] if cls >= 0 else NA_COLOR,
            }

        data = _collection(frame, props)
        layer = _geojson(
            data,
            label,
            lambda f: {
                "fillColor": f["properties"]["fill"],
                "fillOpacity": 0.8,
                "color": "#555555",
                "weight": 0.6,
            },
            show=(i == 0),
        )
        layer.add_to(m)
        rows = [
            (_swatch(c), esc(lab))
            for c, lab in zip(
                colors,
                _class_labels(bins, float(numeric.min()) if bins else 0.0, dec, len(bins) < k or len(bins) == 1),
                strict=True,
            )
        ]
        if numeric.isna().any():
            rows.append((_swatch(NA_COLOR), "Donnée non disponible"))
        legends.append((layer, _legend_block(label, rows)))
    return legends


def _add_outline(
    m: folium.Map, gdf: gpd.GeoDataFrame, name: str, color: str, weight: float, tip: Callable[[pd.Series], str]
) -> folium.GeoJson:
    data = _collection(gdf, lambda row: {"info": tip(row)})
    layer = _geojson(
        data,
        name,
        lambda _f: {"color": color, "weight": weight, "fill": False, "fillOpacity": 0},
        highlight=False,
    )
    layer.add_to(m)
    return layer


def _add_points(m: folium.Map, points: gpd.GeoDataFrame, name: str, show: bool = True) -> tuple[folium.GeoJson, str]:
    points = points.copy()
    if points.crs is not None and points.crs.to_epsg() != 4326:
        points = points.to_crs(4326)
    points = points.set_geometry(points.geometry.representative_point())
    groups = sorted({str(g) for g in points.get("groupe", pd.Series(["Établissement"] * len(points))).fillna("Autre")})
    colors = {g: QUALITATIVE[i % len(QUALITATIVE)] for i, g in enumerate(groups)}

    def props(row: pd.Series) -> dict[str, Any]:
        group = str(row.get("groupe")) if pd.notna(row.get("groupe", None)) else "Autre"
        rows = [("Groupe", esc(group))]
        if pd.notna(row.get("categorie", None)):
            rows.append(("Catégorie", esc(row["categorie"])))
        return {"info": _tip(esc(row.get("nom")), rows), "fill": colors.get(group, "#666666")}

    data = _collection(points, props)
    layer = _geojson(
        data,
        name,
        lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#222222",
            "weight": 1,
            "fillOpacity": 0.9,
            "radius": 6,
        },
        show=show,
        highlight=False,
        marker=folium.CircleMarker(radius=6, fill=True),
    )
    layer.add_to(m)
    legend = _legend_block(name, [(_swatch(colors[g], "dot"), esc(g)) for g in groups])
    return layer, legend


def _add_professionals(
    m: folium.Map, communes: gpd.GeoDataFrame, professionals: pd.DataFrame, show: bool = False
) -> tuple[folium.GeoJson, str]:
    _require(professionals, ["code", "groupe", "effectif"], "Professionnels")
    counts = professionals.pivot_table(index="code", columns="groupe", values="effectif", aggfunc="sum", fill_value=0)
    points = communes[["code", "nom", "geometry"]].copy()
    points = points.set_geometry(points.geometry.representative_point())
    points = points.merge(counts, left_on="code", right_index=True, how="inner")
    groups = list(counts.columns)
    points["_total"] = points[groups].sum(axis=1) if groups else 0
    points = points[points["_total"] > 0]
    top = float(points["_total"].max()) if len(points) else 1.0
    dec = _auto_decimals(professionals["effectif"])  # head counts or full-time equivalents

    def props(row: pd.Series) -> dict[str, Any]:
        rows = [(esc(g), esc(format_number(row[g], dec))) for g in groups if row[g] > 0]
        rows.append(("<b>Total</b>", f"<b>{esc(format_number(row['_total'], dec))}</b>"))
        return {
            "info": _tip(esc(row["nom"]), rows, "Professionnels de santé libéraux"),
            "radius": 4 + 16 * math.sqrt(float(row["_total"]) / top),
        }

    data = _collection(points, props)
    layer = _geojson(
        data,
        "Professionnels de santé (par commune)",
        lambda f: {
            "fillColor": "#7b3294",
            "color": "#ffffff",
            "weight": 1,
            "fillOpacity": 0.65,
            "radius": f["properties"]["radius"],
        },
        show=show,
        highlight=False,
        marker=folium.CircleMarker(radius=6, fill=True),
    )
    layer.add_to(m)
    legend = _legend_block(
        "Professionnels de santé (par commune)",
        [(_swatch("#7b3294", "dot"), "Surface proportionnelle à l'effectif total")],
    )
    return layer, legend


def _add_flows(
    m: folium.Map, flows: gpd.GeoDataFrame, name: str = "Flux de patients", show: bool = True, max_width: float = 14
) -> tuple[folium.GeoJson, str]:
    _require(flows, ["volume", "geometry"], "Flux")
    flows = prepare_geometries(flows, simplify_tolerance=None)
    volume = pd.to_numeric(flows["volume"], errors="coerce").fillna(0)
    top = float(volume.max()) if len(volume) and volume.max() > 0 else 1.0
    dec = _auto_decimals(volume)

    def props(row: pd.Series) -> dict[str, Any]:
        sens = str(row.get("sens", "")) if pd.notna(row.get("sens", None)) else ""
        vol = float(pd.to_numeric(row["volume"], errors="coerce") or 0)
        title = {"entrant": "Flux entrant", "sortant": "Flux sortant"}.get(sens, "Flux")
        rows = []
        for col, lab in (("origine", "Origine"), ("destination", "Destination"), ("motif", "Motif")):
            if col in row.index and pd.notna(row[col]):
                rows.append((lab, esc(row[col])))
        rows.append(("Volume", esc(format_number(vol, dec))))
        return {
            "info": _tip(title, rows),
            "color": FLOW_COLORS.get(sens, "#636363"),
            "width": 1.5 + (max_width - 1.5) * math.sqrt(max(vol, 0) / top),
        }

    data = _collection(flows, props)
    layer = _geojson(
        data,
        name,
        lambda f: {"color": f["properties"]["color"], "weight": f["properties"]["width"], "opacity": 0.75},
        show=show,
        highlight=False,
    )
    layer.add_to(m)
    rows = [(_swatch(FLOW_COLORS["entrant"], "line", "border-top-width:4px"), "Flux entrant")]
    rows.append((_swatch(FLOW_COLORS["sortant"], "line", "border-top-width:4px"), "Flux sortant"))
    rows.append(("", f"Épaisseur proportionnelle au volume (max. {esc(format_number(top, dec))})"))
    return layer, _legend_block(name, rows)


def _add_search(m: folium.Map, communes: gpd.GeoDataFrame, name: str = "Contours des communes") -> folium.GeoJson:
    """A thin commune outline layer that the search box indexes by name."""
    style = {"color": "#444444", "weight": 0.8, "fill": False, "fillOpacity": 0}
    data = _collection(
        communes,
        lambda row: {
            "nom": _text(row.get("nom")),
            "info": _tip(esc(row.get("nom")), [("Code", esc(row.get("code")))]),
            "style": style,
        },
    )
    layer = _geojson(data, name, lambda _f: style, highlight=False, tooltip=False)
    layer.add_to(m)
    FrenchSearch(layer, "nom", color="#e6007e", weight=4).add_to(m)
    return layer


# --------------------------------------------------------------------------- public builders


def territory_map(
    perimeter: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    indicators: Mapping[str, str],
    neighbours: gpd.GeoDataFrame | None = None,
    establishments: gpd.GeoDataFrame | None = None,
    professionals: pd.DataFrame | None = None,
    flows: gpd.GeoDataFrame | None = None,
    title: str = "Territoire de la CPTS",
    demo_data: bool = False,
    source: str = DEFAULT_SOURCE,
    k: int = 5,
    scheme: str = "FisherJenks",
    simplify_tolerance: float = 20.0,
    precision: int = 5,
    tiles: bool = False,
) -> folium.Map:
    """Map of one CPTS territory with selectable indicator choropleths.

    Parameters
    ----------
    perimeter
        CPTS perimeter polygon(s) (any columns; ``nom`` used in the tooltip).
    communes
        One row per commune: ``code``, ``nom`` and the indicator columns
        (e.g. ``population``, ``densite``, ``apl_2023``, ``densite_mg``).
    indicators
        Column -> French label, in display order. One overlay layer (with its
        own legend, classes by ``scheme`` with at most ``k`` classes) per
        indicator; only the first is shown initially.
    neighbours
        Other CPTS perimeters: ``nom``, geometry.
    establishments
        Points: ``nom``, ``groupe``, ``categorie`` (coloured by ``groupe``).
    professionals
        Counts per commune: ``code`` (commune), ``groupe``, ``effectif``;
        drawn at the commune's representative point.
    flows
        LineStrings: ``volume``, ``sens`` ('entrant'/'sortant'), optional
        ``origine``, ``destination``.
    title, demo_data, source
        Title shown at the top; red "Données fictives de démonstration" banner;
        source line at the bottom.
    k, scheme
        Classification (see :func:`classify`).
    simplify_tolerance, precision
        Geometry simplification (metres) and coordinate decimals.
    tiles
        Add an OpenStreetMap base layer (needs the network; blank offline).
    """
    _require(communes, ["code", "nom", "geometry"], "Communes")
    _require(neighbours, ["nom", "geometry"], "CPTS voisines")
    _require(establishments, ["nom", "geometry"], "Établissements")
    perimeter = prepare_geometries(perimeter, simplify_tolerance, precision)
    communes = prepare_geometries(communes, simplify_tolerance, precision)
    neighbours = prepare_geometries(neighbours, simplify_tolerance, precision) if neighbours is not None else None
    m = _base_map([perimeter, communes], title, demo_data, source, tiles)
    legends: list[tuple[Any, str]] = []

    if neighbours is not None and len(neighbours):
        data = _collection(neighbours, lambda row: {"info": _tip(esc(row.get("nom")), [], "CPTS voisine")})
        layer = _geojson(
            data,
            "CPTS voisines",
            lambda _f: {
                "color": "#8c6d31",
                "weight": 1.5,
                "dashArray": "5 4",
                "fillColor": "#e7cb94",
                "fillOpacity": 0.35,
            },
        )
        layer.add_to(m)
        legends.append((layer, _legend_block("CPTS voisines", [(_swatch("#e7cb94"), "Périmètre d'une autre CPTS")])))

    if len(communes):
        legends.extend(_add_indicator_layers(m, communes, indicators, k, scheme))
        _add_search(m, communes)
    else:
        legends.append((None, _legend_block("Contours indisponibles", [
            ("", esc("Aucune commune du territoire n'a de contour dans les données chargées : la carte ne peut "
                     "pas dessiner le territoire ni ses indicateurs."))])))

    if len(perimeter):
        perimeter_layer = _add_outline(
            m,
            perimeter,
            "Périmètre de la CPTS",
            "#c51b7d",
            3.5,
            lambda row: _tip(esc(row.get("nom", "")) or "Périmètre de la CPTS", []),
        )
        legends.append(
            (
                perimeter_layer,
                _legend_block(
                    "Périmètre de la CPTS",
                    [(_swatch("#c51b7d", "line", "border-top-width:3px"), "Limite du territoire")],
                ),
            )
        )
    if professionals is not None and len(professionals) and len(communes):
        legends.append(_add_professionals(m, communes, professionals))
    if establishments is not None and len(establishments):
        legends.append(_add_points(m, establishments, "Établissements de santé"))
    if flows is not None and len(flows):
        legends.append(_add_flows(m, flows, show=False))

    Legend(legends).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def coverage_map(
    units: gpd.GeoDataFrame,
    perimeters: gpd.GeoDataFrame,
    overlaps: gpd.GeoDataFrame | None = None,
    white_zones: gpd.GeoDataFrame | None = None,
    atone: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    title: str = "Couverture du territoire par les CPTS",
    demo_data: bool = False,
    source: str = DEFAULT_SOURCE,
    simplify_tolerance: float = 50.0,
    precision: int = 5,
    tiles: bool = False,
) -> folium.Map:
    """Map of CPTS coverage over a département or région.

    Parameters
    ----------
    units
        Territorial units (communes): ``code``, ``nom``, ``population``,
        ``n_cpts`` (number of CPTS covering it), ``cpts`` (names, str or list).
    perimeters
        One row per CPTS: ``cpts`` (name), geometry. Distinct colours.
    overlaps
        Areas covered by several CPTS; optional ``cpts`` (names) and
        ``population`` columns are shown in the tooltip.
    white_zones
        Units or areas covered by no CPTS (optional ``nom``, ``population``).
    atone
        "Territoires atones" outlined (optional ``nom``, ``population``).
    candidates
        Proposed perimeters, dashed and labelled "proposition" (optional
        ``nom``, ``population``).
    title, demo_data, source
        As in :func:`territory_map`.
    simplify_tolerance, precision
        Simplification tolerance (metres, Lambert-93) and coordinate decimals;
        the defaults keep a région map far below 15 MB.
    tiles
        Add an OpenStreetMap base layer (needs the network).
    """
    _require(units, ["code", "nom", "geometry"], "Unités territoriales")
    _require(perimeters, ["cpts", "geometry"], "Périmètres des CPTS")

    def prep(g: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        return prepare_geometries(g, simplify_tolerance, precision) if g is not None and len(g) else None

    units_p, perimeters_p = prep(units), prep(perimeters)
    overlaps_p, white_p, atone_p, cand_p = prep(overlaps), prep(white_zones), prep(atone), prep(candidates)
    m = _base_map([units_p, perimeters_p], title, demo_data, source, tiles)
    legends: list[tuple[Any, str]] = []

    def names(value: Any) -> str:
        if isinstance(value, list | tuple | set | np.ndarray):
            return ", ".join(str(v) for v in value)
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)

    def pop_row(row: pd.Series) -> list[tuple[str, str]]:
        if "population" in row.index and pd.notna(row["population"]):
            return [("Population", esc(format_number(row["population"], 0)) + " hab.")]
        return []

    if units_p is not None:

        def unit_props(row: pd.Series) -> dict[str, Any]:
            rows = pop_row(row)
            if "n_cpts" in row.index and pd.notna(row["n_cpts"]):
                rows.append(("Nombre de CPTS", esc(format_number(row["n_cpts"], 0))))
            if "cpts" in row.index and names(row["cpts"]):
                rows.append(("CPTS", esc(names(row["cpts"]))))
            return {
                "info": _tip(f"{esc(row.get('nom'))} ({esc(row.get('code'))})", rows),
                "nom": _text(row.get("nom")),
            }

        data = _collection(units_p, unit_props)
        units_layer = _geojson(
            data,
            "Communes",
            lambda _f: {"color": "#9e9e9e", "weight": 0.5, "fillColor": "#ffffff", "fillOpacity": 0.4},
        )
        units_layer.add_to(m)
        FrenchSearch(units_layer, "nom", color="#e6007e", weight=4).add_to(m)

    if perimeters_p is not None:
        cpts_names = list(dict.fromkeys(str(n) for n in perimeters_p["cpts"]))
        colors = {n: QUALITATIVE[i % len(QUALITATIVE)] for i, n in enumerate(cpts_names)}
        data = _collection(
            perimeters_p,
            lambda row: {
                "info": _tip(esc(row["cpts"]), pop_row(row), "Périmètre de CPTS"),
                "fill": colors[str(row["cpts"])],
            },
        )
        layer = _geojson(
            data,
            "Périmètres des CPTS",
            lambda f: {
                "color": f["properties"]["fill"],
                "weight": 1.5,
                "fillColor": f["properties"]["fill"],
                "fillOpacity": 0.45,
            },
        )
        layer.add_to(m)
        shown = cpts_names[:25]
        rows = [(_swatch(colors[n]), esc(n)) for n in shown]
        if len(cpts_names) > len(shown):
            rows.append(("", f"… et {len(cpts_names) - len(shown)} autres CPTS"))
        legends.append((layer, _legend_block("Périmètres des CPTS", rows)))

    def simple_layer(
        gdf: gpd.GeoDataFrame | None,
        name: str,
        style: dict[str, Any],
        tip_title: str,
        swatch: str,
        legend_label: str,
    ) -> folium.GeoJson | None:
        if gdf is None:
            return None

        def props(row: pd.Series) -> dict[str, Any]:
            rows = pop_row(row)
            if "cpts" in row.index and names(row["cpts"]):
                rows.insert(0, ("CPTS", esc(names(row["cpts"]))))
            label = esc(row["nom"]) if "nom" in row.index and pd.notna(row["nom"]) else ""
            return {"info": _tip(esc(tip_title) + (f" : {label}" if label else ""), rows)}

        layer = _geojson(_collection(gdf, props), name, lambda _f: style)
        layer.add_to(m)
        legends.append((layer, _legend_block(name, [(swatch, esc(legend_label))])))
        return layer

    simple_layer(
        overlaps_p,
        "Chevauchements",
        {"color": "#b2182b", "weight": 2, "fillColor": "#d6604d", "fillOpacity": 0.75},
        "Chevauchement",
        _swatch("#d6604d"),
        "Zone couverte par plusieurs CPTS",
    )
    simple_layer(
        white_p,
        "Zones blanches",
        {"color": "#252525", "weight": 1.5, "dashArray": "2 4", "fillColor": "#ffffff", "fillOpacity": 0.95},
        "Zone blanche",
        _swatch("#ffffff", extra="border:1px dashed #252525"),
        "Commune couverte par aucune CPTS",
    )
    simple_layer(
        atone_p,
        "Territoires atones",
        {"color": "#7b3294", "weight": 3.5, "fill": True, "fillOpacity": 0},
        "Territoire atone",
        _swatch("#7b3294", "line", "border-top-width:3px"),
        "Territoire sans dynamique CPTS (contour)",
    )
    cand_layer = simple_layer(
        cand_p,
        "Propositions de périmètres",
        {"color": "#1a7a36", "weight": 3, "dashArray": "10 6", "fillColor": "#66bd63", "fillOpacity": 0.12},
        "Proposition",
        _swatch("#1a7a36", "line", "border-top-width:3px;border-top-style:dashed"),
        "Périmètre proposé (proposition)",
    )
    if cand_layer is not None and cand_p is not None:
        # Permanent "proposition" labels, drawn with a text-only DivIcon (no image needed).
        for _, row in cand_p.iterrows():
            pt = row.geometry.representative_point()
            label = "proposition" + (f" – {esc(row['nom'])}" if "nom" in row.index and pd.notna(row["nom"]) else "")
            folium.Marker(
                [pt.y, pt.x],
                icon=folium.DivIcon(
                    html=f'<div class="cpts-label">{label}</div>', class_name="cpts-label-icon", icon_size=(1, 1)
                ),
                interactive=False,
            ).add_to(cand_layer)

    Legend(legends).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def flow_map(
    flows: gpd.GeoDataFrame,
    perimeter: gpd.GeoDataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
    title: str = "Flux de patients",
    demo_data: bool = False,
    source: str = DEFAULT_SOURCE,
    max_width: float = 14.0,
    simplify_tolerance: float = 20.0,
    precision: int = 5,
    tiles: bool = False,
) -> folium.Map:
    """Map of patient flows, line width following the volume.

    Parameters
    ----------
    flows
        LineStrings: ``volume``, ``sens`` ('entrant'/'sortant'), optional
        ``origine``, ``destination``, ``motif``.
    perimeter
        CPTS perimeter, drawn as an outline for context.
    communes
        Communes (``code``, ``nom``) drawn as thin outlines and searchable.
    max_width
        Width in pixels of the largest flow.
    """
    perimeter_p = prepare_geometries(perimeter, simplify_tolerance, precision) if perimeter is not None else None
    communes_p = prepare_geometries(communes, simplify_tolerance, precision) if communes is not None else None
    m = _base_map([flows, perimeter_p, communes_p], title, demo_data, source, tiles)
    legends: list[tuple[Any, str]] = []
    if communes_p is not None and len(communes_p):
        _add_search(m, communes_p, "Communes")
    if perimeter_p is not None and len(perimeter_p):
        layer = _add_outline(
            m,
            perimeter_p,
            "Périmètre de la CPTS",
            "#c51b7d",
            3,
            lambda row: _tip(esc(row.get("nom", "")) or "Périmètre de la CPTS", []),
        )
        legends.append(
            (
                layer,
                _legend_block(
                    "Périmètre de la CPTS",
                    [(_swatch("#c51b7d", "line", "border-top-width:3px"), "Limite du territoire")],
                ),
            )
        )
    legends.append(_add_flows(m, flows, show=True, max_width=max_width))
    Legend(legends).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def save_map(m: folium.Map, path: str | Path, max_bytes: int | None = MAX_HTML_BYTES) -> Path:
    """Write ``m`` as a self-contained HTML file (no network needed) and return the path.

    Parameters
    ----------
    m
        Map built by this module (or any folium map whose assets are vendored).
    path
        Output ``.html`` file; parent folders are created.
    max_bytes
        Log a warning when the file is larger (15 MB by default); ``None``
        disables the check.
    """
    out = save_self_contained(m, path)
    size = out.stat().st_size
    if max_bytes is not None and size > max_bytes:
        log.warning(
            "Carte %s volumineuse (%.1f Mo) : augmentez simplify_tolerance ou réduisez precision.",
            out,
            size / 1e6,
        )
    return out
