"""Map of CPTS coverage over a département or a région.

Perimeters are filled by graph colouring (:mod:`pipeline.render.maps.colouring`):
two CPTS that touch or overlap never share a colour. The legend lists every
CPTS with a search box: typing filters the list (case and accents ignored),
and choosing a CPTS highlights its perimeter and zooms to it.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement

from pipeline.geography import normalise_name
from pipeline.render.maps.assets import macro
from pipeline.render.maps.base import DEFAULT_SOURCE, LabelCollisions, base_map, geojson_layer, text_label
from pipeline.render.maps.colouring import perimeter_colors
from pipeline.render.maps.controls import FrenchSearch, Legend, legend_block, swatch
from pipeline.render.maps.geometry import feature_collection, prepare_geometries, require_columns
from pipeline.render.maps.text import esc, joined, number, search_names, tip
from pipeline.render.palette import (
    ATONE_COLOR,
    CANDIDATE_COLOR,
    CANDIDATE_FILL,
    HIGHLIGHT_COLOR,
    NA_COLOR,
    OVERLAP_COLOR,
    OVERLAP_FILL,
    WHITE_ZONE_COLOR,
)

FINDER_PLACEHOLDER = "Rechercher une CPTS…"
FINDER_EMPTY = "Aucune CPTS ne correspond."


class PerimeterFinder(MacroElement):
    """Wires the CPTS list of the legend (``element_id``) to the perimeter layer (see the template)."""

    _template = macro("map-perimeter-finder.js.j2")

    def __init__(self, layer: folium.GeoJson, element_id: str) -> None:
        super().__init__()
        self._name = "CptsPerimeterFinder"
        self.layer, self.element_id = layer, element_id
        self.highlight = {"color": HIGHLIGHT_COLOR, "weight": 4, "fillOpacity": 0.75}


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
        Territorial units (communes, arrondissements): ``code``, ``nom``,
        ``population``, ``n_cpts`` (number of CPTS covering it), ``cpts``
        (names, str or list); optional ``couverture``, a text shown in the
        tooltip (a unit whose coverage no loaded listing tells).
    perimeters
        One row per CPTS: ``cpts`` (name), geometry; optional ``population``,
        ``statut`` and ``date`` (ISO text) of its listing.
        Perimeters that touch or overlap get different colours.
    overlaps
        Areas covered by several CPTS; optional ``cpts`` (names),
        ``population``, ``statut_a`` and ``statut_b`` columns are shown in
        the tooltip.
    white_zones
        Units or areas covered by no CPTS (optional ``nom``, ``population``).
    atone
        « Territoires atones » outlined (optional ``nom``, ``population``).
    candidates
        Proposed perimeters, dashed and labelled « proposition » (optional
        ``nom``, ``population``).
    title, demo_data, source
        As in :func:`pipeline.render.maps.territory_map`.
    simplify_tolerance, precision
        Simplification tolerance (metres) and coordinate decimals; the
        defaults keep a région map far below 15 MB.
    tiles
        Add an OpenStreetMap base layer (needs the network).
    """
    require_columns(units, ["code", "nom", "geometry"], "Unités territoriales")
    require_columns(perimeters, ["cpts", "geometry"], "Périmètres des CPTS")

    def prep(g: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        """The layer ready to draw, or None when nothing of it can be drawn (no row, no geometry)."""
        out = prepare_geometries(g, simplify_tolerance, precision) if g is not None and len(g) else None
        return out if out is not None and len(out) else None

    units_p, perimeters_p = prep(units), prep(perimeters)
    # Framed on the zone's units: a CPTS reaching far beyond them (Manosque with Bordeaux) zoomed a département's map
    # out to both (a review).
    m = base_map([units_p] if units_p is not None else [perimeters_p], title, demo_data, source, tiles,
                 mainland_first=True)
    legends: list[tuple[Any, str]] = []
    if units_p is not None:
        units_layer = _add_units(m, units_p)
        if "couverture" in units_p.columns and units_p["couverture"].map(lambda v: isinstance(v, str)).any():
            legends.append((units_layer, legend_block("Communes", [
                (swatch(NA_COLOR, extra="border:1px solid #9e9e9e"), "Couverture non connue (voir la bulle)")])))
    finder: tuple[folium.GeoJson, str] | None = None
    if perimeters_p is not None:
        layer, block, element_id = _add_perimeters(m, perimeters_p)
        legends.append((layer, block))
        finder = (layer, element_id)
    overlays: list[tuple[gpd.GeoDataFrame | None, str, dict[str, Any], str, str, str]] = [
        (prep(overlaps), "Chevauchements",
         {"color": OVERLAP_COLOR, "weight": 2, "fillColor": OVERLAP_FILL, "fillOpacity": 0.75},
         "Chevauchement", swatch(OVERLAP_FILL), "Zone couverte par plusieurs CPTS"),
        (prep(white_zones), "Zones blanches",
         {"color": WHITE_ZONE_COLOR, "weight": 1.5, "dashArray": "2 4", "fillColor": "#ffffff", "fillOpacity": 0.95},
         "Zone blanche", swatch("#ffffff", extra=f"border:1px dashed {WHITE_ZONE_COLOR}"),
         "Commune couverte par aucune CPTS"),
        (prep(atone), "Territoires atones", {"color": ATONE_COLOR, "weight": 3.5, "fill": True, "fillOpacity": 0},
         "Territoire atone", swatch(ATONE_COLOR, "line", "border-top-width:3px"),
         "Territoire sans dynamique CPTS (contour)"),
    ]
    for gdf, name, style, tip_title, key, label in overlays:
        if gdf is not None:
            layer = _simple_layer(m, gdf, name, style, tip_title)
            legends.append((layer, legend_block(name, [(key, esc(label))])))
    cand_p = prep(candidates)
    if cand_p is not None:
        layer = _simple_layer(
            m, cand_p, "Propositions de périmètres",
            {"color": CANDIDATE_COLOR, "weight": 3, "dashArray": "10 6", "fillColor": CANDIDATE_FILL,
             "fillOpacity": 0.12},
            "Proposition",
        )
        for _, row in cand_p.iterrows():
            pt = row.geometry.representative_point()
            label = "proposition" + (f" – {esc(row['nom'])}" if "nom" in row.index and pd.notna(row["nom"]) else "")
            weight = row["population"] if "population" in row.index and pd.notna(row["population"]) else 0
            text_label(pt.y, pt.x, label, data={"weight": str(weight)}).add_to(layer)
        # Forty proposals of a région's atone territories piled up their labels over Lyon (a review): at each zoom,
        # those that would overlap a more populous proposal's are hidden.
        LabelCollisions(layer).add_to(m)
        legends.append((layer, legend_block("Propositions de périmètres", [
            (swatch(CANDIDATE_COLOR, "line", "border-top-width:3px;border-top-style:dashed"),
             "Périmètre proposé (proposition)")])))

    if legends:  # an empty legend was an empty white box
        Legend(legends).add_to(m)
    if finder is not None:
        PerimeterFinder(*finder).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


#: Population of a CPTS some of whose communes are beyond the load (:func:`pipeline.app.coverage.compute`).
PARTIAL_POPULATION = "non disponible (communes hors des départements chargés)"


def _population_row(row: pd.Series, missing: str = "non disponible") -> list[tuple[str, str]]:
    """The tooltip's population row; ``missing`` where the layer has a population the zone cannot tell (a CPTS
    with communes beyond the load: a review found the row gone, where the tables say « non disponible »)."""
    if "population" not in row.index:
        return []
    if pd.isna(row["population"]):
        return [("Population", esc(missing))]
    return [("Population", esc(number(row["population"], 0, "hab.")))]


def _statut_rows(row: pd.Series, side: str = "") -> list[tuple[str, str]]:
    """The tooltip's rows of a CPTS's listed statut and its date (``JJ/MM/AAAA``), when the layer has them."""
    rows = []
    if f"statut{side}" in row.index and isinstance(row[f"statut{side}"], str):
        rows.append(("Statut", esc(row[f"statut{side}"])))
    day = row.get(f"date{side}")
    if isinstance(day, str) and len(day) == 10:  # ISO text
        rows.append(("Date du statut", esc(f"{day[8:10]}/{day[5:7]}/{day[:4]}")))
    return rows


def _add_units(m: folium.Map, units: gpd.GeoDataFrame) -> folium.GeoJson:
    names = search_names(units)

    def props(row: pd.Series) -> dict[str, Any]:
        rows = _population_row(row)
        if "n_cpts" in row.index and pd.notna(row["n_cpts"]):
            rows.append(("Nombre de CPTS", esc(number(row["n_cpts"], 0))))
        if "couverture" in row.index and isinstance(row["couverture"], str):  # unknown where no listing speaks
            rows.append(("Couverture", esc(row["couverture"])))
        if "cpts" in row.index and joined(row["cpts"]):
            rows.append(("CPTS", esc(joined(row["cpts"]))))
        unknown = "couverture" in row.index and isinstance(row["couverture"], str)
        return {"info": tip(f"{esc(row.get('nom'))} ({esc(row.get('code'))})", rows), "nom": names[str(row["code"])],
                "inconnue": unknown}

    # Unknown coverage in grey, as a missing value of the other maps: white, it read as a white zone (a review).
    layer = geojson_layer(
        feature_collection(units, props),
        "Communes",
        lambda f: {"color": "#9e9e9e", "weight": 0.5, "fillColor": NA_COLOR, "fillOpacity": 0.7}
        if f["properties"].get("inconnue") else {"color": "#9e9e9e", "weight": 0.5, "fillColor": "#ffffff",
                                                 "fillOpacity": 0.4},
    )
    layer.add_to(m)
    FrenchSearch(layer, "nom", color=HIGHLIGHT_COLOR, weight=4).add_to(m)
    return layer


def _add_perimeters(m: folium.Map, perimeters: gpd.GeoDataFrame) -> tuple[folium.GeoJson, str, str]:
    """The coloured perimeters and the legend block with the CPTS finder; returns its element id too."""
    colors = perimeter_colors(perimeters, "cpts")
    names = sorted(colors, key=lambda n: (normalise_name(n), n))
    keys = {n: str(i) for i, n in enumerate(names)}
    data = feature_collection(
        perimeters,
        lambda row: {
            "info": tip(esc(row["cpts"]), [*_population_row(row, PARTIAL_POPULATION), *_statut_rows(row)],
                        "Périmètre de CPTS"),
            "fill": colors[str(row["cpts"])],
            "key": keys[str(row["cpts"])],
        },
    )
    layer = geojson_layer(
        data,
        "Périmètres des CPTS",
        lambda f: {"color": "#4d4d4d", "weight": 1.2, "fillColor": f["properties"]["fill"], "fillOpacity": 0.55},
    )
    layer.add_to(m)
    element_id = f"{layer.get_name()}_finder"
    items = "".join(
        f'<li data-key="{keys[n]}" data-name="{esc(n)}">{swatch(colors[n])}{esc(n)}</li>' for n in names
    )
    block = (
        f'<div class="cpts-finder" id="{element_id}">'
        f'<h4>Périmètres des CPTS <span class="cpts-finder-count">{len(names)}</span></h4>'
        f'<input type="search" placeholder="{esc(FINDER_PLACEHOLDER)}" aria-label="{esc(FINDER_PLACEHOLDER)}">'
        f'<ul>{items}</ul><div class="cpts-finder-empty" style="display:none">{esc(FINDER_EMPTY)}</div>'
        "</div>"
    )
    return layer, block, element_id


def _simple_layer(
    m: folium.Map, gdf: gpd.GeoDataFrame, name: str, style: dict[str, Any], tip_title: str
) -> folium.GeoJson:
    def props(row: pd.Series) -> dict[str, Any]:
        rows = _population_row(row)
        if "cpts" in row.index and joined(row["cpts"]):
            rows.insert(0, ("CPTS", esc(joined(row["cpts"]))))
        if "statut_a" in row.index and isinstance(row["statut_a"], str):  # an overlap: both CPTS's statut
            rows.append(("Statuts (A / B)", esc(f"{row['statut_a']} / {row['statut_b']}")))
        label = esc(row["nom"]) if "nom" in row.index and pd.notna(row["nom"]) else ""
        return {"info": tip(esc(tip_title) + (f" : {label}" if label else ""), rows)}

    layer = geojson_layer(feature_collection(gdf, props), name, lambda _f: style)
    layer.add_to(m)
    return layer
