"""The diagnostic's printed figures: static maps and charts, drawn once, shared by the report and the Word Trame.

Three static maps (:mod:`pipeline.render.static_maps`: the perimeter and its
units coloured by an indicator, the establishments, the general
practitioners' main flows) and the establishments chart
(:mod:`pipeline.render.charts`), each as print-quality PNG bytes with its
French caption and source line. The HTML report embeds them (so that it
prints as an annex), the Word Trame inserts them, and the output folder keeps
them as PNG files for whoever wants to paste them elsewhere.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from pipeline.model.diagnostic import Diagnostic
from pipeline.render import charts, static_maps
from pipeline.render import provenance as prov
from pipeline.render.palette import PERIMETER_LABEL, TERRITORY_PERIMETER_LABEL
from pipeline.render.profile_layers import LAYER_BREAKS, LAYER_DECIMALS
from pipeline.render.report import DEMO_BANNER

#: Indicators the territory map may show, in order of preference: the first one known for some unit is drawn.
#: The official APL is real data even when the registry is a demonstration; GP density and population density
#: come next.
MAP_INDICATORS: tuple[tuple[str, str], ...] = (
    ("apl_2023", "APL aux médecins généralistes 2023 (DREES)"),
    ("densite_mg_10000", "Médecins généralistes pour 10\u00a0000 habitants"),  # never split at the space
    ("densite_hab_km2", "Densité de population (hab./km²)"),
)
FLOWS_GROUP = "Médecins généralistes"


@dataclass(frozen=True)
class StaticFigure:
    """A printed figure: PNG bytes, file stem, French caption and source line.

    ``section`` names the report section it belongs to (``territoire``,
    ``etablissements``, ``flux``).
    """

    key: str
    section: str
    caption: str
    source: str
    png: bytes
    demo: bool = False

    @property
    def filename(self) -> str:
        return f"{self.key}.png"


def chosen_indicator(d: Diagnostic) -> tuple[str, str] | None:
    """The indicator of the territory map: the first of :data:`MAP_INDICATORS` known for at least one unit."""
    for column, label in MAP_INDICATORS:
        if column in d.communes_geo and pd.to_numeric(d.communes_geo[column], errors="coerce").notna().any():
            return column, label
    return None


def drawn_perimeter(d: Diagnostic) -> gpd.GeoDataFrame:
    """The perimeter as the maps draw it, its legend (``legende``) saying whether it is a CPTS's.

    A département or a list of communes is no CPTS: its outline is « Périmètre du territoire ».
    """
    return d.perimeter.assign(legende=PERIMETER_LABEL if d.territory.cpts is not None else TERRITORY_PERIMETER_LABEL)


def establishment_points(d: Diagnostic) -> gpd.GeoDataFrame | None:
    """Located establishments as points (``nom``, ``groupe``, ``categorie``, ``dans_territoire``,
    ``distance_km`` from the territory, NaN when unknown, ``coordonnees_contradictoires``)."""
    if d.establishments is None or d.establishments.empty:
        return None
    e = d.establishments.dropna(subset=["lon", "lat"])
    if e.empty:
        return None
    categorie = e["categorie_libelle"] if "categorie_libelle" in e else e["groupe"]
    distance = e["distance_km"] if "distance_km" in e else float("nan")
    return gpd.GeoDataFrame({"nom": e["nom"], "groupe": e["groupe"], "categorie": categorie,
                             "dans_territoire": e.get("dans_territoire", True), "distance_km": distance,
                             "coordonnees_contradictoires": e.get("coordonnees_contradictoires", False)},
                            geometry=gpd.points_from_xy(e["lon"], e["lat"]), crs=4326)


def establishment_counts(d: Diagnostic) -> dict[str, int]:
    """Establishments per group inside the territory (the chart's figures)."""
    if d.establishments is None or d.establishments.empty:
        return {}
    inside = d.establishments[d.establishments["dans_territoire"].astype(bool)]
    return {str(k): int(v) for k, v in inside.groupby("groupe").size().items()}


def volume_label(d: Diagnostic) -> str:
    """« Recours annuels » for a real origin–destination table, « Recours annuels modélisés » for the model."""
    return "Recours annuels" if d.flows is not None and d.flows.real else "Recours annuels modélisés"


def lower_first(text: str) -> str:
    """« Densité de population » -> « densité de population », but « APL … » stays (an acronym)."""
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _sources(*lines: str) -> str:
    return "Sources : " + prov.join(*lines) + "."


def territory_figure(d: Diagnostic) -> StaticFigure | None:
    indicator = chosen_indicator(d)
    if indicator is None or d.communes_geo.empty:
        return None
    column, label = indicator
    if column == "apl_2023":
        source, demo = prov.apl_line(d), False
    elif column == "densite_mg_10000":
        source, demo = prov.join(prov.registry_line(d), prov.population_line(d)), d.is_demo(prov.REGISTRY)
    else:
        source, demo = prov.population_line(d), False
    source = prov.join(source, prov.contours_line(d))
    caption = f"Le territoire et ses communes : {lower_first(label)}"
    png = static_maps.indicator_map(drawn_perimeter(d), d.communes_geo, column, label, neighbours=d.neighbour_shapes,
                                    title=f"{d.territory.label} : {lower_first(label)}",
                                    source=_sources(source, prov.listings_line(d)), demo_data=demo,
                                    decimals=LAYER_DECIMALS.get(column), threshold=LAYER_BREAKS.get(column))
    return StaticFigure("carte-territoire", "territoire", caption, source, png, demo)


def establishments_figure(d: Diagnostic) -> StaticFigure | None:
    points = establishment_points(d)
    if points is None:
        return None
    demo = d.is_demo(prov.FINESS)
    source = prov.join(prov.finess_line(d), prov.contours_line(d))
    png = static_maps.establishments_map(drawn_perimeter(d), d.communes_geo, points, neighbours=d.neighbour_shapes,
                                         title=f"Établissements de santé et médico-sociaux – {d.territory.label}",
                                         source=_sources(source), demo_data=demo)
    caption = "Établissements de santé et médico-sociaux du territoire et des environs (FINESS)"
    return StaticFigure("carte-etablissements", "etablissements", caption, prov.finess_line(d), png, demo)


def establishments_chart_figure(d: Diagnostic) -> StaticFigure | None:
    counts = establishment_counts(d)
    if not counts:
        return None
    demo = d.is_demo(prov.FINESS)
    fig = charts.establishments_figure(counts, title=textwrap.fill(
        f"Établissements du territoire par groupe – {d.territory.label}", 80))
    _label_alone(fig, _sources(prov.finess_line(d)), demo)
    return StaticFigure("graphique-etablissements", "etablissements", "Établissements du territoire par groupe",
                        prov.finess_line(d), charts.to_png(fig), demo)


def _label_alone(fig: Figure, source: str, demo: bool) -> None:
    """The sources under a chart and, for demonstration data, the red label above it, as on the printed maps: the
    PNG is pasted elsewhere on its own (a review found the chart of fictitious establishments unlabelled)."""
    ax = fig.axes[0]
    ax.annotate(textwrap.fill(source, 110), xy=(0, 0), xycoords="axes fraction", xytext=(0, -36),
                textcoords="offset points", va="top", ha="left", fontsize=6.5, color="#333333")
    if demo:
        # Above the title (set on the left: ``ax.title`` is the empty centre one), however many lines it takes.
        fig.canvas.draw()
        title = next((t for t in (ax._left_title, ax.title) if t.get_text()), ax.title)  # type: ignore[attr-defined]
        above = max(title.get_window_extent().y1 - ax.bbox.y1, 0) * 72 / fig.dpi + 10
        ax.annotate(DEMO_BANNER, xy=(1, 1), xycoords="axes fraction", xytext=(0, above), textcoords="offset points",
                    va="bottom", ha="right", fontsize=9, fontweight="bold", color="white",
                    bbox={"boxstyle": "round,pad=0.35", "facecolor": "#b00020", "edgecolor": "none"})


def flows_title(d: Diagnostic) -> str:
    if d.flows is not None and d.flows.real:
        return f"Principaux flux de recours aux médecins généralistes (table fournie) – {d.territory.label}"
    return f"Principaux flux modélisés de recours aux médecins généralistes – {d.territory.label}"


def flows_figure(d: Diagnostic, lines: gpd.GeoDataFrame | None) -> StaticFigure | None:
    if lines is None or lines.empty:
        return None
    demo = d.is_demo(prov.REGISTRY) and not (d.flows is not None and d.flows.real)
    png = static_maps.flows_map(lines, perimeter=drawn_perimeter(d), units=d.communes_geo, title=flows_title(d),
                                source=_sources(prov.model_line(d), prov.contours_line(d)), demo_data=demo,
                                volume_label=volume_label(d))
    caption = ("Principaux flux de recours aux médecins généralistes entre le territoire et l'extérieur "
               "(épaisseur : " + volume_label(d).lower() + ")")
    return StaticFigure("carte-flux", "flux", caption, prov.model_line(d), png, demo)


def diagnostic_figures(d: Diagnostic, lines: gpd.GeoDataFrame | None) -> dict[str, StaticFigure]:
    """Every printed figure the diagnostic has, keyed by file stem (absent when there is nothing to draw)."""
    figures = [territory_figure(d), establishments_figure(d), establishments_chart_figure(d),
               flows_figure(d, lines)]
    return {f.key: f for f in figures if f is not None}


__all__ = [
    "MAP_INDICATORS",
    "StaticFigure",
    "chosen_indicator",
    "diagnostic_figures",
    "establishment_counts",
    "establishment_points",
    "volume_label",
]
