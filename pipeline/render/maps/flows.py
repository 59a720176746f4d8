"""Map of patient flows: curved arrows, named destinations, labelled volumes and a destinations table.

Reading a flow map means answering « where do the residents go, and where do
outside patients come from, and how many? ». So:

* each flow is a curve bent to the left of its direction and ends in an
  arrowhead (``map-flow-arrows.js.j2``), its width following the volume;
  outgoing flows (« sortant ») and incoming ones (« entrant ») have the
  palette's two flow colours;
* the communes outside the territory at the end of the flows are drawn (their
  polygons when given, else a dot) and the main ones are named on the map;
* the largest flows carry their volume as a label;
* a table beside the map lists the main destinations of the residents and
  the main origins of outside patients; hovering a row brings out its flows;
* tooltips name communes (``nom_origine``, ``nom_destination``), not codes.
"""

from __future__ import annotations

import math
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement

from pipeline.render.maps.arrows import curved, end_points
from pipeline.render.maps.assets import macro
from pipeline.render.maps.base import DEFAULT_SOURCE, base_map, geojson_layer, text_label
from pipeline.render.maps.controls import HtmlControl, Legend, legend_block, swatch
from pipeline.render.maps.geometry import feature_collection, prepare_geometries, require_columns, to_wgs84
from pipeline.render.maps.layers import add_outline, add_search, perimeter_legend
from pipeline.render.maps.text import auto_decimals, esc, is_missing, tip
from pipeline.render.palette import FLOW_COLORS, FLOW_OTHER_COLOR, PERIMETER_COLOR
from pipeline.render.report import format_number

FLOW_TITLES = {"entrant": "Flux entrant", "sortant": "Flux sortant"}
#: Legend text when no flow can be drawn (none given, or none with two distinct, located ends).
NO_FLOW = "Aucun flux à représenter (aucun flux entre deux communes localisées)."
MIN_WIDTH = 1.5
#: Pixels kept free on the left for the destinations table when fitting the map.
PANEL_WIDTH = 380
OPACITY = 0.8


class FlowArrows(MacroElement):
    """Arrowheads on the lines of ``layer`` and the hover/click behaviour of the table ``panel_id``."""

    _template = macro("map-flow-arrows.js.j2")

    def __init__(self, layer: folium.GeoJson, panel_id: str | None) -> None:
        super().__init__()
        self._name = "CptsFlowArrows"
        self.layer, self.panel_id = layer, panel_id or ""


def _name(row: pd.Series, code_column: str, name_column: str) -> str:
    """Commune name of one end of a flow; its code when no name is given."""
    if name_column in row.index and not is_missing(row[name_column]) and str(row[name_column]).strip():
        return str(row[name_column])
    return "" if code_column not in row.index or is_missing(row[code_column]) else str(row[code_column])


def _outside_end(sens: str) -> tuple[str, str]:
    """Columns (code, name) of the end of a flow that lies outside the territory."""
    return ("origine", "nom_origine") if sens == "entrant" else ("destination", "nom_destination")


def prepare_flows(flows: gpd.GeoDataFrame, max_width: float) -> gpd.GeoDataFrame:
    """Curved flows with display columns: ``_volume`` (float, NaN kept), ``_sens``, ``_width``, ``_key``
    (code of the commune outside the territory), ``_outside`` (its name), ``_from``, ``_to`` (names),
    ``_olon``/``_olat`` (outside end), ``_mlon``/``_mlat`` (curve middle); sorted by decreasing volume."""
    require_columns(flows, ["volume", "geometry"], "Flux")
    f = to_wgs84(flows).copy()
    f["_volume"] = pd.to_numeric(f["volume"], errors="coerce").astype(float)
    f["_sens"] = f["sens"].where(f["sens"].notna(), "").astype(str) if "sens" in f else ""
    top = float(f["_volume"].max()) if f["_volume"].notna().any() and f["_volume"].max() > 0 else 1.0
    f["_width"] = [
        MIN_WIDTH if is_missing(v) or v <= 0 else MIN_WIDTH + (max_width - MIN_WIDTH) * math.sqrt(v / top)
        for v in f["_volume"]
    ]
    starts, ends = end_points(f)
    keys, outside, origins, destinations, olon, olat = [], [], [], [], [], []
    for i, (_, row) in enumerate(f.iterrows()):
        code_col, name_col = _outside_end(row["_sens"])
        origins.append(_name(row, "origine", "nom_origine"))
        destinations.append(_name(row, "destination", "nom_destination"))
        outside.append(_name(row, code_col, name_col))
        code = row[code_col] if code_col in row.index and not is_missing(row[code_col]) else outside[-1]
        keys.append(str(code))
        end = starts[i] if row["_sens"] == "entrant" else ends[i]
        olon.append(end[0])
        olat.append(end[1])
    f["_key"], f["_outside"], f["_from"], f["_to"] = keys, outside, origins, destinations
    f["_olon"], f["_olat"] = olon, olat
    f = curved(f)
    middles = [np.asarray(g.coords)[len(g.coords) // 2] for g in f.geometry.values]
    f["_mlon"] = [p[0] for p in middles]
    f["_mlat"] = [p[1] for p in middles]
    return f.sort_values("_volume", ascending=False, na_position="last", kind="stable")


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
    *,
    destinations: gpd.GeoDataFrame | None = None,
    table: pd.DataFrame | None = None,
    top_labels: int = 5,
    table_rows: int = 10,
    volume_label: str = "Volume",
) -> folium.Map:
    """Map of patient flows with arrows, named outside communes, volume labels and a destinations table.

    Parameters
    ----------
    flows
        LineStrings from the origin commune to the destination commune:
        ``volume``, ``sens`` ('entrant'/'sortant'), ``origine``,
        ``destination`` (INSEE codes), ``nom_origine``, ``nom_destination``
        (names shown in tooltips, labels and the table; codes are shown when
        they are missing); optional ``motif``.
    perimeter
        CPTS perimeter, drawn as an outline.
    communes
        Communes of the territory (``code``, ``nom``): thin outlines, searchable.
    title, demo_data, source
        Title, « Données fictives de démonstration » banner, source line.
    max_width
        Width in pixels of the largest flow (the smallest is 1.5 px; width
        grows with the square root of the volume).
    simplify_tolerance, precision
        Geometry simplification (metres) and coordinate decimals.
    tiles
        Add an OpenStreetMap base layer (needs the network).
    destinations
        Polygons of the communes outside the territory reached by the flows
        (``code``, ``nom``); without them, each is drawn as a dot.
    table
        The main destinations of the residents, as computed by the analysis
        (``destination`` code, ``nom``, ``volume``, optional
        ``part_des_residents`` as a share from 0 to 1), already restricted
        to the flows' profession group. Without it, the table lists the
        largest outgoing flows drawn.
    top_labels
        Number of largest flows labelled with their volume (their outside
        commune is named too).
    table_rows
        Rows of each table section.
    volume_label
        Header of the volume column and legend wording (« Recours annuels
        modélisés »...).
    """
    f = prepare_flows(flows, max_width)
    perimeter_p = prepare_geometries(perimeter, simplify_tolerance, precision) if perimeter is not None else None
    communes_p = prepare_geometries(communes, simplify_tolerance, precision) if communes is not None else None
    dest_p = prepare_geometries(destinations, simplify_tolerance, precision) if destinations is not None else None
    require_columns(dest_p, ["code", "nom", "geometry"], "Communes de destination")
    m = base_map([f, perimeter_p, communes_p], title, demo_data, source, tiles, left_panel=PANEL_WIDTH)
    legends: list[tuple[Any, str]] = []
    if communes_p is not None and len(communes_p):
        add_search(m, communes_p, "Communes")
    if dest_p is not None and len(dest_p):
        _add_destination_polygons(m, dest_p)
    if perimeter_p is not None and len(perimeter_p):
        layer = add_outline(m, perimeter_p, "Périmètre de la CPTS", PERIMETER_COLOR, 3)
        legends.append((layer, perimeter_legend()))
    decimals = auto_decimals(f["_volume"])
    flow_layer = None
    if len(f):
        flow_layer, flow_legend = add_flow_lines(m, f, decimals, volume_label)
        legends.append((flow_layer, flow_legend))
        labels = _add_labels(m, f, decimals, top_labels, table, table_rows)
        legends.append((labels, legend_block("Communes extérieures et volumes", [
            (swatch("#333333", "dot"), "Commune hors du territoire au bout d'un flux"),
            ("", f"Étiquettes : {esc(volume_label.lower())} des {top_labels} principaux flux"),
        ])))
    else:
        legends.append((None, legend_block("Flux de patients", [("", NO_FLOW)])))
    # Left, under the search box: the right side holds the layer control and the legend.
    panel = HtmlControl(destinations_panel(f, table, table_rows, decimals, volume_label), "cpts-flow-panel",
                        position="topleft")
    panel.add_to(m)
    if flow_layer is not None:
        FlowArrows(flow_layer, panel.element_id).add_to(m)
    Legend(legends).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def add_flow_lines(
    m: folium.Map, f: gpd.GeoDataFrame, decimals: int, volume_label: str
) -> tuple[folium.GeoJson, str]:
    def props(row: pd.Series) -> dict[str, Any]:
        rows = [("Origine", esc(row["_from"])), ("Destination", esc(row["_to"]))]
        if "motif" in row.index and not is_missing(row["motif"]):
            rows.append(("Motif", esc(row["motif"])))
        rows.append((esc(volume_label), esc(format_number(row["_volume"], decimals))))
        return {
            "info": tip(FLOW_TITLES.get(row["_sens"], "Flux"), rows),
            "color": FLOW_COLORS.get(row["_sens"], FLOW_OTHER_COLOR),
            "width": float(row["_width"]),
            "key": str(row["_key"]),
            "opacity": OPACITY,
        }

    # Widest first, so that thin flows stay on top and can be hovered.
    layer = geojson_layer(
        feature_collection(f, props),
        "Flux de patients",
        lambda feat: {"color": feat["properties"]["color"], "weight": feat["properties"]["width"],
                      "opacity": OPACITY, "lineCap": "butt", "noClip": True, "smoothFactor": 0.5},
        highlight=False,
    )
    layer.add_to(m)
    top = f["_volume"].max()
    rows = [(swatch(FLOW_COLORS["sortant"], "line", "border-top-width:4px"),
             "Flux sortant : habitants du territoire soignés ailleurs"),
            (swatch(FLOW_COLORS["entrant"], "line", "border-top-width:4px"),
             "Flux entrant : patients extérieurs soignés dans le territoire"),
            ("", f"Flèche vers la commune de destination ; épaisseur selon le volume "
                 f"(max. {esc(format_number(top, decimals))})")]
    return layer, legend_block("Flux de patients", rows)


def _add_destination_polygons(m: folium.Map, dest: gpd.GeoDataFrame) -> folium.GeoJson:
    data = feature_collection(dest, lambda row: {"info": tip(esc(row["nom"]), [], "Commune hors du territoire")})
    layer = geojson_layer(
        data, "Communes extérieures (contours)",
        lambda _f: {"color": "#7a7a7a", "weight": 0.8, "fillColor": "#e9e3d6", "fillOpacity": 0.55},
    )
    layer.add_to(m)
    return layer


def _add_labels(
    m: folium.Map, f: gpd.GeoDataFrame, decimals: int, top_labels: int, table: pd.DataFrame | None, table_rows: int
) -> folium.FeatureGroup:
    """Dots at the outside ends, names of the main outside communes, volumes of the largest flows."""
    group = folium.FeatureGroup(name="Communes extérieures et volumes", show=True)
    ends = f.drop_duplicates("_key")
    for _, row in ends.iterrows():
        if is_missing(row["_olat"]):
            continue
        folium.CircleMarker(
            [row["_olat"], row["_olon"]], radius=4, color="#ffffff", weight=1.5, fill=True, fill_color="#333333",
            fill_opacity=1, tooltip=tip(esc(row["_outside"]), [], "Commune hors du territoire"),
        ).add_to(group)
    top = f[f["_volume"].notna()].head(top_labels)
    named = set(top["_key"])
    if table is not None and "destination" in table.columns:
        named |= {str(c) for c in table["destination"].head(table_rows)}
    for _, row in ends[ends["_key"].isin(named)].iterrows():
        if not is_missing(row["_olat"]):
            text_label(row["_olat"], row["_olon"], esc(row["_outside"]), "cpts-label cpts-place").add_to(group)
    for _, row in top.iterrows():
        text_label(row["_mlat"], row["_mlon"], esc(format_number(row["_volume"], decimals)),
                   "cpts-label cpts-volume").add_to(group)
    group.add_to(m)
    return group


def destinations_panel(
    f: gpd.GeoDataFrame, table: pd.DataFrame | None, rows: int, decimals: int, volume_label: str
) -> str:
    """HTML of the table beside the map (escaped): main destinations, then main outside origins."""
    sections = []
    if table is not None and len(table):
        require_columns(table, ["destination", "volume"], "Principales destinations")
        has_share = "part_des_residents" in table.columns
        shares = pd.to_numeric(table["part_des_residents"], errors="coerce") * 100 if has_share else None
        table_decimals = auto_decimals(pd.to_numeric(table["volume"], errors="coerce"))
        head = f'<tr><th>Commune</th><th class="n">{esc(volume_label)}</th>' + (
            '<th class="n">Part des recours des habitants</th>' if has_share else "") + "</tr>"
        body = []
        for i, (_, r) in enumerate(table.head(rows).iterrows()):
            name = r["nom"] if "nom" in r.index and not is_missing(r["nom"]) else r["destination"]
            share = "" if shares is None else f'<td class="n">{esc(format_number(shares.iloc[i], 1, "%"))}</td>'
            volume = pd.to_numeric(pd.Series([r["volume"]]), errors="coerce").iloc[0]
            body.append(f'<tr data-key="{esc(r["destination"])}"><td>{esc(name)}</td>'
                        f'<td class="n">{esc(format_number(volume, table_decimals))}</td>{share}</tr>')
        sections.append(_section("Principales destinations des habitants",
                                 "Recours des habitants du territoire dans des communes extérieures.", head, body))
    else:
        sections.append(_flows_section(f[f["_sens"] == "sortant"], rows, decimals, volume_label,
                                       "Principales destinations des habitants",
                                       "Plus gros flux sortants représentés sur la carte.", "Destination"))
    entrants = f[f["_sens"] == "entrant"]
    if len(entrants):
        sections.append(_flows_section(entrants, rows, decimals, volume_label,
                                       "Principales origines des patients extérieurs",
                                       "Plus gros flux entrants représentés sur la carte.", "Origine"))
    return "".join(sections)


def _flows_section(f: gpd.GeoDataFrame, rows: int, decimals: int, volume_label: str, title: str, note: str,
                   outside_header: str) -> str:
    head = (f'<tr><th>{esc(outside_header)}</th><th>Commune du territoire</th>'
            f'<th class="n">{esc(volume_label)}</th></tr>')
    body = []
    for _, r in f.head(rows).iterrows():
        inside = r["_from"] if r["_sens"] != "entrant" else r["_to"]
        body.append(f'<tr data-key="{esc(r["_key"])}"><td>{esc(r["_outside"])}</td><td>{esc(inside)}</td>'
                    f'<td class="n">{esc(format_number(r["_volume"], decimals))}</td></tr>')
    if not body:
        body.append('<tr><td colspan="3">Aucun flux de ce sens.</td></tr>')
    return _section(title, note, head, body)


def _section(title: str, note: str, head: str, body: list[str]) -> str:
    return (f"<section><h4>{esc(title)}</h4><p>{esc(note)}</p>"
            f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></section>")
