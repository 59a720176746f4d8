"""The page every map is drawn on, its layers' common options, and saving.

* **No tiles by default.** Tile layers always need the network; offline they
  leave a grey background with broken-image requests. The maps therefore draw
  their own context (perimeter, communes, neighbours) on a plain background.
  ``tiles=True`` adds an OpenStreetMap base layer that is used when the
  network is available and simply stays blank otherwise.
* Only Leaflet and jQuery (used by folium popups) are loaded by default;
  plugins add their own assets (leaflet-search, Leaflet.markercluster), all
  vendored and inlined by :mod:`pipeline.render.offline`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element, Figure, MacroElement

from pipeline.render.folium_templates import literal_element
from pipeline.render.maps.assets import macro, stylesheet
from pipeline.render.maps.controls import FrenchControls
from pipeline.render.maps.geometry import METROPOLE, home_zone, view_bounds
from pipeline.render.maps.text import esc
from pipeline.render.offline import save_self_contained
from pipeline.render.report import DEMO_BANNER

log = logging.getLogger(__name__)

DEFAULT_SOURCE = "Sources : Insee, DREES (APL), FINESS, Assurance maladie (RPPS/annuaire santé), IGN Admin Express."
MAX_HTML_BYTES = 15 * 1024 * 1024
#: Closest zoom (a few streets on screen).
MAX_ZOOM = 18
#: Pixels kept free on the right when fitting (at most 30 % of the width): the layer control and the legend sit there.
RIGHT_COLUMN = 380


def base_map(
    bounds_from: Iterable[gpd.GeoDataFrame | None], title: str, demo_data: bool, source: str, tiles: bool,
    left_panel: int = 30, mainland_first: bool = False, home_from: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A map with no tiles, a title, an optional demo banner and a source line, fitted to the layers.

    ``left_panel`` is the width in pixels kept free on the left when fitting at least (the flow map's panel,
    when open, widens it: :class:`PageLayout`). ``mainland_first``: a map of several zones (the coverage of
    France) opens on metropolitan France when it has content there and overseas, the overseas départements a
    click away (:func:`view_bounds`). ``home_from``: a territory's maps open on the zone of these communes (a
    territory of La Réunion with flows to Paris opens on La Réunion, Paris a click away; without it, every layer
    is framed).
    """
    home = METROPOLE if mainland_first else home_zone(home_from)
    bounds, elsewhere = view_bounds(bounds_from, home)
    figure = Figure(title=esc(title))
    m = folium.Map(
        location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=False,  # FrenchControls adds a metric-only scale (no miles or feet)
        prefer_canvas=False,
        zoom_control=False,
    )
    figure.add_child(m)
    m.options["maxZoom"] = MAX_ZOOM  # Leaflet.markercluster needs it, and no tile layer gives one
    FrenchControls().add_to(m)
    # Only what the pipeline's maps use: no Bootstrap, Font Awesome or awesome-markers.
    m.default_js = [(n, u) for n, u in folium.Map.default_js if n in ("leaflet", "jquery")]
    m.default_css = [(n, u) for n, u in folium.Map.default_css if n == "leaflet_css"]
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="Fond OpenStreetMap (nécessite Internet)", overlay=False, control=True
        ).add_to(m)
    PageLayout(bounds, left_panel, RIGHT_COLUMN).add_to(m)
    if elsewhere:
        PlaceButtons([(home or METROPOLE, bounds), *elsewhere]).add_to(m)
    root: Any = m.get_root()  # a branca Figure, whose header/html children folium types as Element
    root.header.add_child(Element(stylesheet("map-page.css")), name="cpts_css")
    banner = f'<span class="cpts-demo-banner" role="alert">{esc(DEMO_BANNER)}</span>' if demo_data else ""
    root.html.add_child(
        literal_element(  # a title holding « {{ » (a CPTS name) is shown as written, never evaluated
            f'<div class="cpts-header"><div class="cpts-title" title="{esc(title)}">{esc(title)}</div>{banner}</div>'
            f'<div class="cpts-source">{esc(source)}</div>'
        ),
        name="cpts_header",
    )
    return m


class PageLayout(MacroElement):
    """Controls placed under the title, and the map fitted to ``bounds`` in the space the panels leave
    (``map-layout.js.j2``).

    Parameters
    ----------
    bounds
        ``[[south, west], [north, east]]``.
    left, right
        Pixels kept free on each side at most: the left side grows to the right edge of any visible element of
        class ``cpts-fit-left`` (the flow map's table), and each side is capped so that most of a narrow screen
        stays map.
    """

    _template = macro("map-layout.js.j2")

    def __init__(self, bounds: list[list[float]], left: int, right: int) -> None:
        super().__init__()
        self._name = "CptsPageLayout"
        self.bounds, self.left, self.right = bounds, left, right


PLACES_TITLE = "Aller à"


class PlaceButtons(MacroElement):
    """A small control of buttons, one per place (``[(French name, [[south, west], [north, east]]), ...]``), each
    fitting the map to its place as the page first fits it (``map-places.js.j2``): the overseas départements the
    initial view leaves out, and metropolitan France back."""

    _template = macro("map-places.js.j2")

    def __init__(self, places: list[tuple[str, list[list[float]]]]) -> None:
        super().__init__()
        self._name = "CptsPlaceButtons"
        self.places = [{"name": name, "bounds": bounds} for name, bounds in places]
        self.title = PLACES_TITLE


def geojson_layer(
    data: dict[str, Any],
    name: str,
    style: Callable[[dict[str, Any]], dict[str, Any]],
    show: bool = True,
    tooltip: bool = True,
    highlight: bool = True,
    marker: Any | None = None,
    control: bool = True,
    pane: str | None = None,
) -> folium.GeoJson:
    """A GeoJSON overlay whose tooltip shows each feature's ``info`` property (escaped HTML), drawn in the Leaflet
    ``pane`` when given (a :class:`folium.map.CustomPane` added to the map)."""
    kwargs: dict[str, Any] = {}
    if pane is not None:
        kwargs["pane"] = pane
    if tooltip:
        kwargs["tooltip"] = folium.GeoJsonTooltip(fields=["info"], labels=False, sticky=True)
    if highlight:
        kwargs["highlight_function"] = lambda _f: {"weight": 3, "color": "#000000"}
    if marker is not None:
        kwargs["marker"] = marker
    return folium.GeoJson(
        data, name=esc(name), style_function=style, show=show, overlay=True, control=control, **kwargs
    )


class LabelCollisions(MacroElement):
    """Hides, at each zoom, the labels of ``group`` that would overlap a label of more weight (their
    ``data-weight``: a flow's volume, a proposed perimeter's population)."""

    _template = macro("map-label-collisions.js.j2")

    def __init__(self, group: folium.FeatureGroup | folium.GeoJson) -> None:
        super().__init__()
        self._name = "CptsLabelCollisions"
        self.group = group


def text_label(lat: float, lon: float, html: str, css_class: str = "cpts-label",
               data: dict[str, str] | None = None) -> folium.Marker:
    """A permanent, non-interactive text label (``html`` already escaped), drawn with a DivIcon; ``data`` become its
    ``data-*`` attributes (escaped here)."""
    attributes = "".join(f' data-{name}="{esc(value)}"' for name, value in (data or {}).items())
    return folium.Marker(
        [lat, lon],
        icon=folium.DivIcon(html=f'<div class="{css_class}"{attributes}>{html}</div>', class_name="cpts-label-icon",
                            icon_size=(1, 1)),
        interactive=False,
    )


def save_map(m: folium.Map, path: str | Path, max_bytes: int | None = MAX_HTML_BYTES) -> Path:
    """Write ``m`` as a self-contained HTML file (no network needed) and return the path.

    Parameters
    ----------
    m
        Map built by this package (or any folium map whose assets are vendored).
    path
        Output ``.html`` file; parent folders are created.
    max_bytes
        Log a warning when the file is larger (15 MB by default); ``None``
        disables the check.
    """
    out = save_self_contained(m, path)
    size = out.stat().st_size
    if max_bytes is not None and size > max_bytes:
        # Named by its file name: ``path`` is in the hidden folder that replaces the outputs once all are written.
        size_mb, limit_mb = f"{size / 2**20:.1f}".replace(".", ","), f"{max_bytes / 2**20:g}".replace(".", ",")
        log.warning("Carte %s volumineuse (%s Mo, au-delà de %s Mo) : elle peut être lente à ouvrir dans un "
                    "navigateur", out.name, size_mb, limit_mb)
    return out
