"""Layers several maps share: the perimeter outline and the searchable commune outlines."""

from __future__ import annotations

from collections.abc import Callable

import folium
import geopandas as gpd
import pandas as pd

from pipeline.render.maps.base import geojson_layer
from pipeline.render.maps.controls import FrenchSearch, legend_block, swatch
from pipeline.render.maps.geometry import feature_collection
from pipeline.render.maps.text import esc, search_names, tip
from pipeline.render.palette import HIGHLIGHT_COLOR, PERIMETER_COLOR, PERIMETER_LABEL


def add_outline(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    name: str,
    color: str,
    weight: float,
    label: Callable[[pd.Series], str] | None = None,
) -> folium.GeoJson:
    """An unfilled outline layer; the tooltip is ``label(row)`` (escaped HTML) or the row's ``nom``."""

    def default(row: pd.Series) -> str:
        return tip(esc(row.get("nom", "")) or esc(name), [])

    data = feature_collection(gdf, lambda row: {"info": (label or default)(row)})
    layer = geojson_layer(
        data, name, lambda _f: {"color": color, "weight": weight, "fill": False, "fillOpacity": 0}, highlight=False
    )
    layer.add_to(m)
    return layer


def perimeter_legend(title: str = PERIMETER_LABEL) -> str:
    """Legend block of the perimeter outline (« Périmètre de la CPTS », or of a territory that is no CPTS)."""
    return legend_block(
        esc(title),
        [(swatch(PERIMETER_COLOR, "line", "border-top-width:3px"), "Limite du territoire")],
    )


def add_search(m: folium.Map, communes: gpd.GeoDataFrame, name: str = "Contours des communes") -> folium.GeoJson:
    """A thin commune outline layer that the French search box indexes by name."""
    style = {"color": "#444444", "weight": 0.8, "fill": False, "fillOpacity": 0}
    names = search_names(communes)
    data = feature_collection(
        communes,
        lambda row: {
            "nom": names[str(row["code"])],
            "info": tip(esc(row.get("nom")), [("Code", esc(row.get("code")))]),
            "style": style,
        },
    )
    layer = geojson_layer(data, name, lambda _f: style, highlight=False, tooltip=False)
    layer.add_to(m)
    FrenchSearch(layer, "nom", color=HIGHLIGHT_COLOR, weight=4).add_to(m)
    return layer
