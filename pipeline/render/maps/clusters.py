"""Establishments as clustered markers, coloured by group (Leaflet.markercluster, vendored).

Paris 18e–20e has about a thousand establishments: drawn one by one they pile
up into an unreadable blot. Markers are grouped into clusters that show their
count inside a ring split by the colours of the groups they hold, and open up
as the reader zooms in (or clicks them). Each marker keeps its own tooltip.
"""

from __future__ import annotations

from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement

from pipeline.render.maps.assets import macro, text
from pipeline.render.maps.controls import legend_block, swatch
from pipeline.render.maps.geometry import feature_collection, to_wgs84
from pipeline.render.maps.text import esc, is_missing, tip
from pipeline.render.palette import establishment_color, establishment_order
from pipeline.render.report import format_number

#: Group of an establishment whose ``groupe`` is missing.
UNKNOWN_GROUP = "Autre"
#: Zoom from which markers are never clustered (a few streets on screen).
NO_CLUSTER_ZOOM = 17


class ClusterGroup(folium.plugins.MarkerCluster):
    """folium's marker cluster with ring icons in the palette's colours (see ``map-cluster-icon.js``)."""

    def __init__(self, name: str, show: bool = True) -> None:
        super().__init__(
            name=esc(name),
            show=show,
            icon_create_function=text("map-cluster-icon.js"),
            showCoverageOnHover=False,
            maxClusterRadius=45,
            spiderfyOnMaxZoom=True,
            disableClusteringAtZoom=NO_CLUSTER_ZOOM,
        )


class ClusteredPoints(MacroElement):
    """Circle markers added to their parent :class:`ClusterGroup`, each with its own tooltip.

    Parameters
    ----------
    data
        GeoJSON points whose properties hold ``info`` (escaped tooltip HTML),
        ``fill`` (colour) and ``group``.
    radius
        Marker radius in pixels.
    """

    _template = macro("map-clustered-points.js.j2")

    def __init__(self, data: dict[str, Any], radius: float = 6) -> None:
        super().__init__()
        self._name = "CptsClusteredPoints"
        self.data = data
        self.style = {"radius": radius, "color": "#222222", "weight": 1, "fillOpacity": 0.9, "fill": True}


def group_of(value: Any) -> str:
    """Display group of an establishment (« Autre » when missing)."""
    return UNKNOWN_GROUP if is_missing(value) or not str(value).strip() else str(value)


def counts_inside(points: pd.DataFrame, groups: pd.Series) -> pd.Series | None:
    """Points per group in the territory (``dans_territoire``), or None when the points do not say."""
    if "dans_territoire" not in points:
        return None
    return groups[points["dans_territoire"].fillna(False).astype(bool)].value_counts()


def count_words(total: int, inside: pd.Series | None, group: str) -> str:
    """« 2 » or, when the map tells the territory's apart, « 0 dans le territoire, 2 autour »."""
    if inside is None:
        return format_number(total, 0)
    own = int(inside.get(group, 0))
    return f"{format_number(own, 0)} dans le territoire, {format_number(total - own, 0)} autour"


def situation(row: pd.Series) -> str | None:
    """« dans le territoire », « hors du territoire (à 3,1 km) », or None when the points do not say."""
    if "dans_territoire" not in row.index or is_missing(row["dans_territoire"]):
        return None
    if bool(row["dans_territoire"]):
        return "dans le territoire"
    distance = row["distance_km"] if "distance_km" in row.index else float("nan")
    contradicted = row.get("coordonnees_contradictoires")
    if contradicted is not None and not is_missing(contradicted) and bool(contradicted):
        # Drawn inside the outline, counted outside: both said (a review found « hors du territoire » alone).
        return "hors du territoire par sa commune, mais ses coordonnées sont dans le territoire"
    if is_missing(distance) or float(distance) <= 0:
        return "hors du territoire"
    return f"hors du territoire (à {format_number(distance, 1)} km)"


def add_establishments(
    m: folium.Map, points: gpd.GeoDataFrame, name: str = "Établissements de santé", show: bool = True
) -> tuple[ClusterGroup, str]:
    """Add the establishments as a clustered layer; return the layer and its legend block.

    Parameters
    ----------
    m
        Map to draw on.
    points
        ``nom``, optional ``groupe``, ``categorie``, ``dans_territoire`` (the legend then counts the territory's
        apart) and ``distance_km`` (from the territory, shown in the tooltip of one outside), point (or polygon)
        geometry.
    name
        Layer name in the layer control and title of the legend block.
    show
        Whether the layer is on at opening.
    """
    points = to_wgs84(points)
    points = points.set_geometry(points.geometry.representative_point())
    groups = points["groupe"].map(group_of) if "groupe" in points else pd.Series(UNKNOWN_GROUP, index=points.index)
    points = points.assign(_group=groups)

    def props(row: pd.Series) -> dict[str, Any]:
        rows = [("Groupe", esc(row["_group"]))]
        if "categorie" in row.index and not is_missing(row["categorie"]):
            rows.append(("Catégorie", esc(row["categorie"])))
        where = situation(row)
        if where is not None:
            rows.append(("Situation", esc(where)))
        return {"info": tip(esc(row.get("nom")), rows), "fill": establishment_color(row["_group"]),
                "group": esc(row["_group"])}

    cluster = ClusterGroup(name, show=show)
    ClusteredPoints(feature_collection(points, props)).add_to(cluster)
    cluster.add_to(m)
    counts = groups.value_counts()
    # The territory's and its surroundings' together: a review read « MSP (2) » as the CPTS's two MSP (it had 0).
    inside = counts_inside(points, groups)
    rows = [
        (swatch(establishment_color(g), "dot"), f'{esc(g)} <span class="count">({count_words(counts[g], inside, g)})'
                                               "</span>")
        for g in establishment_order(counts.index)
    ]
    rows.append(("", "Les cercles numérotés regroupent les établissements proches ; zoomez pour les séparer."))
    return cluster, legend_block(name, rows)
