"""Map of patient flows: curved arrows, named destinations, labelled volumes and a destinations table.

Reading a flow map means answering « where do the residents go, and where do
outside patients come from, and how many? ». So:

* each flow is a curve bent to the left of its direction and ends in an
  arrowhead (``map-flow-arrows.js.j2``), its width following the volume;
  outgoing flows (« sortant ») and incoming ones (« entrant ») have the
  palette's two flow colours;
* the communes outside the territory at the end of the flows and those of the
  destinations table are drawn (their polygons when given, else a dot) and
  the main ones are named on the map;
* the largest flows carry their volume as a label; a label that would overlap
  a larger flow's is hidden at that zoom (``map-label-collisions.js.j2``);
* a table beside the map (:mod:`~pipeline.render.maps.flow_panel`), which
  folds into a button, lists the main destinations of the residents and the
  main origins of outside patients; hovering a row brings out its flows and
  its commune, clicking it moves the map there;
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
from pipeline.render.maps.base import DEFAULT_SOURCE, LabelCollisions, base_map, geojson_layer, text_label
from pipeline.render.maps.controls import HtmlControl, Legend, legend_block, swatch
from pipeline.render.maps.flow_panel import destinations_panel
from pipeline.render.maps.geometry import feature_collection, prepare_geometries, require_columns, to_wgs84
from pipeline.render.maps.layers import add_outline, add_search, perimeter_legend
from pipeline.render.maps.text import auto_decimals, esc, is_missing, number, tip
from pipeline.render.palette import (
    FLOW_COLORS,
    FLOW_OTHER_COLOR,
    HIGHLIGHT_COLOR,
    PERIMETER_COLOR,
    perimeter_label,
)

FLOW_TITLES = {"entrant": "Flux entrant", "sortant": "Flux sortant"}
#: Legend text when no flow can be drawn (none given, or none with two distinct, located ends).
NO_FLOW = "Aucun flux à représenter (aucun flux entre deux communes localisées)."
MIN_WIDTH = 1.5
OPACITY = 0.8
#: Below this window width (pixels) the table opens folded: open, it left the map a strip (a review, 800 px).
FOLD_BELOW = 900
#: The fold button's texts (folded, open).
PANEL_OPEN, PANEL_FOLD = "Afficher le tableau des flux", "Replier le tableau"


class FlowArrows(MacroElement):
    """Arrowheads on the lines of ``layer`` and the hover/click behaviour of the table ``panel_id``: a row
    brings out its flows and its commune in ``places`` (features with a ``key`` property), and moves the map to
    them."""

    _template = macro("map-flow-arrows.js.j2")

    def __init__(self, layer: folium.GeoJson | None, panel_id: str | None, places: list[Any] | None = None
                 ) -> None:
        super().__init__()
        self._name = "CptsFlowArrows"
        self.layer, self.panel_id = layer, panel_id or ""
        self.places, self.highlight = places or [], HIGHLIGHT_COLOR


class FoldablePanel(MacroElement):
    """A fold button on the panel ``panel_id``, folded at opening below ``fold_below`` pixels of width."""

    _template = macro("map-fold-panel.js.j2")

    def __init__(self, panel_id: str, fold_below: int = FOLD_BELOW) -> None:
        super().__init__()
        self._name = "CptsFoldablePanel"
        self.panel_id, self.fold_below = panel_id, fold_below
        self.open_text, self.fold_text = PANEL_OPEN, PANEL_FOLD


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
    ``_olon``/``_olat`` (outside end), ``_mlon``/``_mlat`` (curve middle), ``_id`` (rank as text, which a table
    row names); sorted by decreasing volume."""
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
    f = f.sort_values("_volume", ascending=False, na_position="last", kind="stable")
    return f.assign(_id=[str(i) for i in range(len(f))])


def flow_home(communes: gpd.GeoDataFrame, flows: pd.DataFrame) -> gpd.GeoDataFrame:
    """The territory's communes a flow map opens on: those at an end of a flow drawn, else all of them (the
    communes one by one: a perimeter's one polygon in two zones names none). A territory in several zones is
    modelled in one of them: its map opened on another, without a flow (a review)."""
    if "code" not in communes.columns or not len(flows):
        return communes
    ends = set(flows["origine"].astype(str)) | set(flows["destination"].astype(str))
    drawn = communes[communes["code"].astype(str).isin(ends)]
    return drawn if len(drawn) else communes


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
        CPTS perimeter, drawn as an outline; an optional ``legende`` names the outline in the legend
        (:func:`pipeline.render.palette.perimeter_label`).
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
    listed = _listed(table, table_rows)
    if dest_p is not None:
        # The table's and the flows' communes only: five communes reached by no drawn flow and named by no row
        # were drawn (a review).
        dest_p = dest_p[dest_p["code"].astype(str).isin(set(f["_key"]) | set(listed["code"]))]
    home = flow_home(communes_p, f) if communes_p is not None and len(communes_p) else perimeter_p
    m = base_map([f, perimeter_p, communes_p, dest_p], title, demo_data, source, tiles, home_from=home)
    # Half zoom levels: between the table and the legend, a whole level often left the flows a third of the space.
    m.options["zoomSnap"] = 0.5
    legends: list[tuple[Any, str]] = []
    if communes_p is not None and len(communes_p):
        add_search(m, communes_p, "Communes")
    places = []
    if dest_p is not None and len(dest_p):
        places.append(_add_destination_polygons(m, dest_p, listed, volume_label))
    if perimeter_p is not None and len(perimeter_p):
        layer = add_outline(m, perimeter_p, perimeter_label(perimeter_p), PERIMETER_COLOR, 3)
        legends.append((layer, perimeter_legend(perimeter_label(perimeter_p))))
    decimals = auto_decimals(f["_volume"])
    flow_layer = None
    if len(f):
        flow_layer, flow_legend = add_flow_lines(m, f, decimals, volume_label)
        legends.append((flow_layer, flow_legend))
        labels = _add_labels(m, f, decimals, top_labels, listed, dest_p)
        LabelCollisions(labels).add_to(m)
        legends.append((labels, legend_block("Communes extérieures et volumes", [
            (swatch("#333333", "dot"), "Commune hors du territoire au bout d'un flux"),
            ("", f"Étiquettes : {esc(volume_label.lower())} des {top_labels} principaux flux et communes du "
                 "tableau ; une étiquette qui en chevaucherait une d'un plus gros flux est masquée à ce zoom"),
        ])))
    else:
        legends.append((None, legend_block("Flux de patients", [("", NO_FLOW)])))
    # Left, under the search box: the right side holds the layer control and the legend. The map is fitted to the
    # space it leaves (cpts-fit-left), and it folds into a button.
    panel = HtmlControl(destinations_panel(f, table, table_rows, decimals, volume_label),
                        "cpts-flow-panel cpts-fit-left", position="topleft")
    panel.add_to(m)
    FoldablePanel(panel.element_id).add_to(m)
    if flow_layer is not None:
        FlowArrows(flow_layer, panel.element_id, places).add_to(m)
    Legend(legends).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def _listed(table: pd.DataFrame | None, rows: int) -> pd.DataFrame:
    """The table's destinations as shown (``code``, ``nom``, ``volume``), in its order."""
    if table is None or not len(table) or "destination" not in table.columns:
        return pd.DataFrame({"code": pd.Series(dtype=str), "nom": pd.Series(dtype=object),
                             "volume": pd.Series(dtype=float)})
    head = table.head(rows)
    names = head["nom"] if "nom" in head.columns else head["destination"]
    volumes = pd.to_numeric(head["volume"], errors="coerce") if "volume" in head.columns else np.nan
    return pd.DataFrame({"code": head["destination"].astype(str).to_numpy(),
                         "nom": names.where(names.notna(), head["destination"]).to_numpy(),
                         "volume": np.asarray(volumes, dtype=float)})


def add_flow_lines(
    m: folium.Map, f: gpd.GeoDataFrame, decimals: int, volume_label: str
) -> tuple[folium.GeoJson, str]:
    def props(row: pd.Series) -> dict[str, Any]:
        rows = [("Origine", esc(row["_from"])), ("Destination", esc(row["_to"]))]
        if "motif" in row.index and not is_missing(row["motif"]):
            rows.append(("Motif", esc(row["motif"])))
        rows.append((esc(volume_label), esc(number(row["_volume"], decimals))))
        return {
            "info": tip(FLOW_TITLES.get(row["_sens"], "Flux"), rows),
            "color": FLOW_COLORS.get(row["_sens"], FLOW_OTHER_COLOR),
            "width": float(row["_width"]),
            "key": str(row["_key"]),
            "sens": str(row["_sens"]),
            "id": str(row["_id"]),
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
                 f"(max. {esc(number(top, decimals))})")]
    return layer, legend_block("Flux de patients", rows)


def _add_destination_polygons(m: folium.Map, dest: gpd.GeoDataFrame, listed: pd.DataFrame, volume_label: str
                              ) -> folium.GeoJson:
    """Outside communes, those of the table outlined darker; each feature's ``key`` ties it to its table row."""
    volumes = dict(zip(listed["code"], listed["volume"], strict=True))

    def props(row: pd.Series) -> dict[str, Any]:
        code = str(row["code"])
        rows = [(esc(volume_label), esc(number(volumes[code], auto_decimals(listed["volume"]))))] \
            if code in volumes else []
        return {"info": tip(esc(row["nom"]), rows, "Commune hors du territoire"), "key": code,
                "listed": code in volumes}

    layer = geojson_layer(
        feature_collection(dest, props), "Communes extérieures (contours)",
        lambda feat: {"color": "#444444" if feat["properties"]["listed"] else "#7a7a7a",
                      "weight": 1.6 if feat["properties"]["listed"] else 0.8, "fillColor": "#e9e3d6",
                      "fillOpacity": 0.55},
    )
    layer.add_to(m)
    return layer


def _add_labels(
    m: folium.Map, f: gpd.GeoDataFrame, decimals: int, top_labels: int, listed: pd.DataFrame,
    dest: gpd.GeoDataFrame | None,
) -> folium.FeatureGroup:
    """Dots at the outside ends, names of the table's communes and of the largest flows' outside ends, volumes of
    the largest flows. Each label's ``data-weight`` is the volume it stands for: the larger wins a collision."""
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
    largest = f.groupby("_key")["_volume"].max()
    listed_volume = dict(zip(listed["code"], listed["volume"], strict=True))
    # Where a name goes: the end of its flow (where the arrow points), else inside its commune's outline.
    at: dict[str, tuple[float, float, str]] = {}
    if dest is not None and len(dest):
        inside = to_wgs84(dest).geometry.representative_point()
        for code, name, point in zip(dest["code"].astype(str), dest["nom"], inside, strict=True):
            at[code] = (point.y, point.x, str(name))
    for _, row in ends.iterrows():
        if not is_missing(row["_olat"]):
            at[str(row["_key"])] = (row["_olat"], row["_olon"], str(row["_outside"]))
    names = dict(zip(listed["code"], listed["nom"], strict=True))
    # One label per place: two drawn flows ending at the same commune named it twice (a review).
    for code in dict.fromkeys([*listed["code"], *[k for k in top["_key"] if k not in listed_volume]]):
        if code not in at:
            continue  # neither outline nor flow: nowhere to put it
        lat, lon, name = at[code]
        weight = max(float(np.nan_to_num(listed_volume.get(code, 0.0))), float(np.nan_to_num(largest.get(code, 0.0))))
        text_label(lat, lon, esc(names.get(code, name)), "cpts-label cpts-place",
                   {"key": code, "weight": f"{weight:.3f}"}).add_to(group)
    for _, row in top.iterrows():
        text_label(row["_mlat"], row["_mlon"], esc(number(row["_volume"], decimals)), "cpts-label cpts-volume",
                   {"flow": str(row["_id"]), "weight": f"{float(row['_volume']):.3f}"}).add_to(group)
    group.add_to(m)
    return group
