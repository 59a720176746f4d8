"""Map controls in French: zoom buttons, commune search, legend and HTML panels.

Leaflet's zoom buttons, layers' button and leaflet-search say « Zoom in », « Layers », « Location not
found », « Cancel » by default: :class:`FrenchControls` and
:class:`FrenchSearch` pass French texts. :class:`Legend` shows one block per
layer while that layer is on the map; :class:`HtmlControl` places a panel of
trusted (already escaped) HTML, such as the flow map's table.
"""

from __future__ import annotations

from typing import Any

import folium
import folium.plugins
from branca.element import MacroElement

from pipeline.render.maps.assets import macro
from pipeline.render.maps.text import esc

#: French texts of the Leaflet controls whose defaults are English.
ZOOM_IN_TITLE = "Zoomer"
ZOOM_OUT_TITLE = "Dézoomer"
LAYERS_TITLE = "Couches et indicateurs"
SEARCH_PLACEHOLDER = "Rechercher une commune…"
SEARCH_NOT_FOUND = "Commune introuvable"
SEARCH_CANCEL = "Annuler"
LEAFLET_PREFIX = (
    '<a href="https://leafletjs.com" title="Bibliothèque JavaScript de cartes interactives">Leaflet</a>'
)


class FrenchControls(MacroElement):
    """Leaflet's zoom control with French titles, a metric scale bar, and a French attribution prefix.

    The map is created with ``zoom_control=False`` (Leaflet's own control
    says « Zoom in » / « Zoom out »); this element adds it back in French.
    """

    _template = macro("map-french-controls.js.j2")

    def __init__(self) -> None:
        super().__init__()
        self._name = "CptsFrenchControls"
        self.zoom_in, self.zoom_out, self.prefix = ZOOM_IN_TITLE, ZOOM_OUT_TITLE, LEAFLET_PREFIX
        self.layers = LAYERS_TITLE


class FrenchSearch(folium.plugins.Search):
    """leaflet-search on polygons, with French texts (placeholder, « Commune introuvable », « Annuler »)."""

    _template = macro("map-search.js.j2")

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
    position
        Leaflet control corner.
    """

    _template = macro("map-legend.js.j2")

    def __init__(self, blocks: list[tuple[Any | None, str]], position: str = "bottomright") -> None:
        super().__init__()
        self._name = "CptsLegend"
        self.position = position
        parts: list[str] = []
        self.pairs: list[tuple[str, str]] = []
        for i, (layer, block) in enumerate(blocks):
            block_id = f"{self.get_name()}_{i}"
            parts.append(f'<div class="cpts-legend-block" id="{block_id}">{block}</div>')
            if layer is not None:
                self.pairs.append((layer.get_name(), block_id))
        self.html = "".join(parts)


class ExclusiveLayers(MacroElement):
    """Overlays of which at most one is on the map: ticking one in the layer control takes the others off.

    The indicator choropleths fill the same polygons at 80 % opacity: two ticked at once mixed their colours
    into a map no legend explains.
    """

    _template = macro("map-exclusive-layers.js.j2")

    def __init__(self, layers: list[Any]) -> None:
        super().__init__()
        self._name = "CptsExclusiveLayers"
        self.layers = [layer.get_name() for layer in layers]


class HtmlControl(MacroElement):
    """A Leaflet control holding trusted HTML (``<div id=element_id class=css_class>``).

    Parameters
    ----------
    html
        Already escaped HTML.
    css_class
        Class of the control's ``div``.
    position
        Leaflet control corner (``topright``, ``bottomleft``...).
    """

    _template = macro("map-control.js.j2")

    def __init__(self, html: str, css_class: str, position: str = "topright") -> None:
        super().__init__()
        self._name = "CptsPanel"
        self.html, self.css_class, self.position = html, css_class, position
        self.element_id = self.get_name()


def swatch(color: str, kind: str = "box", extra: str = "") -> str:
    """Legend key: a filled box, a line (``kind="line"``) or a dot (``kind="dot"``)."""
    if kind == "line":
        return f'<i class="line" style="border-top-color:{color};{extra}"></i>'
    if kind == "dot":
        return f'<i class="dot" style="background:{color}"></i>'
    return f'<i style="background:{color};{extra}"></i>'


def legend_block(title: str, rows: list[tuple[str, str]]) -> str:
    """Legend block: escaped ``title`` and ``rows`` of (swatch HTML, escaped label)."""
    return f"<h4>{esc(title)}</h4>" + "".join(f"<div>{sw}{label}</div>" for sw, label in rows)
