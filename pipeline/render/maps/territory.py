"""Map of one CPTS territory: indicator choropleths, neighbours, supply and establishments."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from pipeline.render.maps.base import DEFAULT_SOURCE, base_map, geojson_layer
from pipeline.render.maps.classes import categories, choropleth
from pipeline.render.maps.clusters import add_establishments
from pipeline.render.maps.controls import ExclusiveLayers, Legend, legend_block, swatch
from pipeline.render.maps.flows import FlowArrows, add_flow_lines, prepare_flows
from pipeline.render.maps.geometry import feature_collection, prepare_geometries, require_columns, to_wgs84
from pipeline.render.maps.layers import add_outline, add_search, perimeter_legend
from pipeline.render.maps.pertinence import add_pertinence
from pipeline.render.maps.text import auto_decimals, esc, number, tip
from pipeline.render.palette import (
    NEIGHBOUR_COLOR,
    PERIMETER_COLOR,
    PROFESSIONALS_COLOR,
    perimeter_label,
    profession_color,
    profession_order,
)
from pipeline.render.report import MISSING_WORDS

#: Leaflet pane of the neighbouring CPTS outlines: above the overlay pane (400) of the indicator fills, below the
#: markers (600).
NEIGHBOURS_PANE = "cpts-neighbours"


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
    pertinence: gpd.GeoDataFrame | None = None,
    indicator_decimals: Mapping[str, int] | None = None,
    indicator_breaks: Mapping[str, float] | None = None,
) -> folium.Map:
    """Map of one CPTS territory with selectable indicator choropleths.

    Parameters
    ----------
    perimeter
        CPTS perimeter polygon(s) (any columns; ``nom`` used in the tooltip); an optional
        ``legende`` names the outline in the legend (:func:`pipeline.render.palette.perimeter_label`).
    communes
        One row per unit (commune or arrondissement): ``code``, ``nom`` and
        the indicator columns (e.g. ``population``, ``densite``,
        ``apl_2023``, ``densite_mg``).
    indicators
        Column -> French label, in display order. One overlay layer (with its
        own legend, classes by ``scheme`` with at most ``k`` classes) per
        indicator; only the first is shown initially.
    neighbours
        Other CPTS perimeters: ``nom``, geometry.
    establishments
        Points: ``nom``, ``groupe``, ``categorie``; clustered, coloured by
        ``groupe`` with the palette's fixed colours.
    professionals
        Distinct practitioners per unit: ``code``, ``groupe``, ``effectif``
        (head counts, as the report's per-unit tables); drawn at the unit's
        representative point.
    flows
        As for :func:`pipeline.render.maps.flow_map` (``volume``, ``sens``,
        ``origine``, ``destination``, ``nom_origine``, ``nom_destination``);
        an overlay hidden at opening.
    title, demo_data, source
        Title shown at the top; red « Données fictives de démonstration »
        banner; source line at the bottom.
    k, scheme
        Classification (see :func:`pipeline.render.maps.classify`).
    simplify_tolerance, precision
        Geometry simplification (metres) and coordinate decimals.
    tiles
        Add an OpenStreetMap base layer (needs the network; blank offline).
    pertinence
        Units to add (``role`` ``candidat``) and to examine (``a_examiner``):
        ``code``, ``nom``, ``role``, ``info``, geometry; an overlay hidden at opening.
    indicator_decimals
        Decimals of an indicator's legend and tooltips, as the report shows it (an APL of 2,455 is « 2,46 »,
        below the threshold of 2,5, never « 2,5 »); others by magnitude.
    indicator_breaks
        A value that starts one of an indicator's classes (the APL's 2,5: :func:`~pipeline.render.maps.classes.
        with_break_at`).
    """
    require_columns(communes, ["code", "nom", "geometry"], "Communes")
    require_columns(neighbours, ["nom", "geometry"], "CPTS voisines")
    require_columns(establishments, ["nom", "geometry"], "Établissements")
    perimeter = prepare_geometries(perimeter, simplify_tolerance, precision)
    communes = prepare_geometries(communes, simplify_tolerance, precision)
    neighbours = prepare_geometries(neighbours, simplify_tolerance, precision) if neighbours is not None else None
    m = base_map([perimeter, communes], title, demo_data, source, tiles, home_from=communes)
    legends: list[tuple[Any, str]] = []

    if len(communes):
        choropleths = _add_indicator_layers(m, communes, indicators, k, scheme, indicator_decimals or {},
                                            indicator_breaks or {})
        legends.extend(choropleths)
        ExclusiveLayers([layer for layer, _ in choropleths]).add_to(m)
        add_search(m, communes)
    else:
        legends.append((None, legend_block("Contours indisponibles", [
            ("", esc("Aucune commune du territoire n'a de contour dans les données chargées : la carte ne peut "
                     "pas dessiner le territoire ni ses indicateurs."))])))

    if neighbours is not None and len(neighbours):
        legends.append(_add_neighbours(m, neighbours))
    if len(perimeter):
        layer = add_outline(m, perimeter, perimeter_label(perimeter), PERIMETER_COLOR, 3.5)
        legends.append((layer, perimeter_legend(perimeter_label(perimeter))))
    if professionals is not None and len(professionals) and len(communes):
        legends.append(_add_professionals(m, communes, professionals))
    if establishments is not None and len(establishments):
        legends.append(add_establishments(m, establishments, "Établissements de santé"))
    f = prepare_flows(flows, 14.0) if flows is not None and len(flows) else None
    if f is not None and len(f):
        flow_layer, flow_legend = add_flow_lines(m, f, auto_decimals(f["_volume"]), "Volume")
        flow_layer.show = False
        FlowArrows(flow_layer, None).add_to(m)
        legends.append((flow_layer, flow_legend))

    if pertinence is not None and len(pertinence):
        legends.append(add_pertinence(m, pertinence, simplify_tolerance, precision))

    Legend(legends).add_to(m)
    # Folded into its button: open, its twenty-odd layers covered half of the territory on a laptop's screen (a
    # review); hovering or tapping the button unfolds it.
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return m


def _add_neighbours(m: folium.Map, neighbours: gpd.GeoDataFrame) -> tuple[folium.GeoJson, str]:
    """Other CPTS perimeters as dashed outlines, in a pane above the indicator fills.

    Drawn under the 80 %-opaque indicator layers, a CPTS overlapping the territory, the key finding of a
    diagnostic, was invisible at opening (a review); its own pane keeps it on top when an indicator is switched
    on again. Unfilled, so that only the outline catches the pointer: the indicator's tooltips stay readable
    inside it.
    """
    folium.map.CustomPane(NEIGHBOURS_PANE, z_index=450, pointer_events=False).add_to(m)
    data = feature_collection(neighbours, lambda row: {"info": tip(esc(row.get("nom")), [], "CPTS voisine")})
    layer = geojson_layer(
        data,
        "CPTS voisines",
        lambda _f: {"color": NEIGHBOUR_COLOR, "weight": 3, "dashArray": "8 5", "fill": False, "fillOpacity": 0},
        highlight=False,
        pane=NEIGHBOURS_PANE,
    )
    layer.add_to(m)
    swatch_html = swatch(NEIGHBOUR_COLOR, "line", "border-top-width:3px;border-top-style:dashed")
    return layer, legend_block("CPTS voisines", [(swatch_html, "Périmètre d'une autre CPTS (survolez le trait pour "
                                                             "son nom)")])


def _add_indicator_layers(
    m: folium.Map, communes: gpd.GeoDataFrame, indicators: Mapping[str, str], k: int, scheme: str,
    decimals: Mapping[str, int], breaks: Mapping[str, float],
) -> list[tuple[Any, str]]:
    legends: list[tuple[Any, str]] = []
    for i, (column, label) in enumerate(indicators.items()):
        if column not in communes.columns:
            raise ValueError(f"Indicateur {column!r} absent de la table des communes.")
        # Text columns (unité urbaine, aire class) are qualitative layers: one fill per category.
        qualitative = not pd.api.types.is_numeric_dtype(communes[column])
        classes = categories(communes[column]) if qualitative else choropleth(
            communes[column], k=k, scheme=scheme, decimals=decimals.get(column), threshold=breaks.get(column))
        frame = communes.assign(_fill=classes.colors)

        def props(row: pd.Series, column: str = column, label: str = label, dec: int = classes.decimals,
                  text: bool = qualitative) -> dict:
            value = (row[column] if isinstance(row[column], str) else MISSING_WORDS) if text \
                else number(row[column], dec)
            return {"info": tip(esc(row.get("nom")), [(esc(label), esc(value))]), "fill": row["_fill"]}

        layer = geojson_layer(
            feature_collection(frame, props),
            label,
            lambda f: {"fillColor": f["properties"]["fill"], "fillOpacity": 0.8, "color": "#555555", "weight": 0.6},
            show=(i == 0),
        )
        layer.add_to(m)
        legends.append((layer, legend_block(label, [(swatch(c), esc(lab)) for c, lab in classes.legend])))
    return legends


def _add_professionals(
    m: folium.Map, communes: gpd.GeoDataFrame, professionals: pd.DataFrame, show: bool = False
) -> tuple[folium.GeoJson, str]:
    require_columns(professionals, ["code", "groupe", "effectif"], "Professionnels")
    counts = professionals.pivot_table(index="code", columns="groupe", values="effectif", aggfunc="sum", fill_value=0)
    points = to_wgs84(communes)[["code", "nom", "geometry"]].copy()
    points = points.set_geometry(points.geometry.representative_point())
    points = points.merge(counts, left_on="code", right_index=True, how="inner")
    groups = profession_order(counts.columns)
    points["_total"] = points[groups].sum(axis=1) if groups else 0
    points = points[points["_total"] > 0]
    top = float(points["_total"].max()) if len(points) else 1.0
    dec = auto_decimals(professionals["effectif"])  # head counts: no decimals

    def props(row: pd.Series) -> dict[str, Any]:
        rows = [(swatch(profession_color(g), "dot") + esc(g), esc(number(row[g], dec)))
                for g in groups if row[g] > 0]
        rows.append(("<b>Total</b>", f"<b>{esc(number(row['_total'], dec))}</b>"))
        return {
            "info": tip(esc(row["nom"]), rows, "Professionnels de santé, tous modes d'exercice (effectifs "
                                               "distincts ; une personne exerçant dans deux communes compte dans "
                                               "chacune)"),
            "radius": 4 + 16 * math.sqrt(float(row["_total"]) / top),
        }

    layer = geojson_layer(
        feature_collection(points, props),
        "Professionnels de santé (par commune)",
        lambda f: {"fillColor": PROFESSIONALS_COLOR, "color": "#ffffff", "weight": 1, "fillOpacity": 0.65,
                   "radius": f["properties"]["radius"]},
        show=show,
        highlight=False,
        marker=folium.CircleMarker(radius=6, fill=True),
    )
    layer.add_to(m)
    legend = legend_block(
        "Professionnels de santé (par commune)",
        [(swatch(PROFESSIONALS_COLOR, "dot"), "Surface proportionnelle à l'effectif total")],
    )
    return layer, legend
