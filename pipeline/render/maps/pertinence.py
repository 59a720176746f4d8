"""Layer of the territory map: units to add to the perimeter, and units inside to examine (pertinence)."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd

from pipeline.render.maps.base import geojson_layer
from pipeline.render.maps.controls import legend_block, swatch
from pipeline.render.maps.geometry import feature_collection, prepare_geometries
from pipeline.render.maps.text import esc, tip

#: Candidates to add (purple, outside) and units to examine (orange, inside): distinct from the perimeter's magenta
#: and from the sequential palette of the indicator layers (a review could not tell a green candidate from the
#: second class of « Population municipale », shown at opening).
CANDIDATE_COLOR = "#5e3c99"
EXAMINE_COLOR = "#e66101"
LAYER_NAME = "Pertinence : communes à ajouter ou à examiner"
_ROLES = {"candidat": ("Candidate à l'ajout", CANDIDATE_COLOR), "a_examiner": ("À examiner", EXAMINE_COLOR)}


def add_pertinence(m: folium.Map, shapes: gpd.GeoDataFrame, simplify_tolerance: float = 20.0,
                   precision: int = 5) -> tuple[Any, str]:
    """Add the layer (hidden at opening) and return ``(layer, legend HTML)``.

    ``shapes``: ``code``, ``nom``, ``role`` (``candidat`` or ``a_examiner``), ``info`` (French line), geometry.
    """
    shapes = prepare_geometries(shapes, simplify_tolerance, precision)

    def props(row: Any) -> dict[str, Any]:
        label, colour = _ROLES.get(str(row.get("role")), ("", "#444444"))
        return {"info": tip(esc(row.get("nom")), [("Code", esc(row.get("code"))), ("Pertinence", esc(label))],
                            esc(row.get("info"))),
                "colour": colour}

    data = feature_collection(shapes, props)
    layer = geojson_layer(
        data, LAYER_NAME,
        lambda f: {"color": f["properties"]["colour"], "weight": 2.5, "dashArray": "6 3",
                   "fillColor": f["properties"]["colour"], "fillOpacity": 0.35},
        show=False,
    )
    layer.add_to(m)
    legend = legend_block("Pertinence du périmètre", [
        (swatch(CANDIDATE_COLOR), esc("Commune hors du territoire candidate à l'ajout")),
        (swatch(EXAMINE_COLOR), esc("Commune du territoire à examiner")),
    ])
    return layer, legend
