"""The diagnostic's French report and maps, built from a computed :class:`Diagnostic`.

Sections follow the « Trame d'un projet de santé » (seed 002). Renderers only
read the diagnostic; nothing is computed here but presentation. The report
embeds the printed figures (:mod:`pipeline.render.figures`: static maps with
scale, legend and sources, the establishments chart) and links to the
interactive maps beside it (``carte.html``, ``flux.html``), so that it prints
as an annex of the projet de santé.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render import maps, report
from pipeline.render.figures import FLOWS_GROUP, StaticFigure, drawn_perimeter, establishment_points, volume_label
from pipeline.render.profile_layers import LAYER_BREAKS, LAYER_DECIMALS, profile_indicators
from pipeline.render.report import MISSING_WORDS, format_number
from pipeline.render.sections.access import access_section
from pipeline.render.sections.characteristics import characteristics_section
from pipeline.render.sections.common import FINESS_SOURCE, REGISTRY_SOURCE, scope_note
from pipeline.render.sections.dynamics import dynamics_section
from pipeline.render.sections.flows import flows_section
from pipeline.render.sections.members import neighbours_section
from pipeline.render.sections.pertinence import pertinence_section
from pipeline.render.sections.population import population_section
from pipeline.render.sections.representativeness import representativeness_section
from pipeline.render.sections.supply import establishments_section, supply_section
from pipeline.render.sections.taille import taille_section
from pipeline.sources.cpts_listing import OUT_OF_SCOPE

MAP_FILE, FLOWS_FILE, REPORT_FILE = "carte.html", "flux.html", "rapport.html"
#: Report section (by title) in which each printed figure's ``section`` goes.
FIGURE_SECTIONS = {"territoire": "Territoire et population", "etablissements": "Établissements",
                   "flux": "Flux de patients"}


#: The reader's name of each loaded source (the key, which the tables and summary.json keep, follows it).
SOURCE_LABELS = {
    "annuaire-sante": "Annuaire Santé (RPPS/ADELI, Agence du numérique en santé)",
    "ars-paca-zonage-qpv": "Zonage ARS PACA des médecins généralistes par QPV",
    "contours-arrondissements-municipaux": "Contours des arrondissements municipaux",
    "contours-communes": "Contours des communes (IGN Admin Express)",
    "decoupage-administratif": "Découpage administratif et populations légales (Insee, Etalab)",
    "drees-apl": "Accessibilité potentielle localisée (DREES)",
    "finess": "FINESS (établissements sanitaires et médico-sociaux)",
    "insee-appartenance": "Appartenance géographique des communes (Insee)",
    "insee-filosofi-communes": "Revenus Filosofi 2019 des communes (Insee)",
    "insee-filosofi-epci": "Revenus Filosofi 2019 des EPCI (Insee)",
    "insee-libelles-zonages": "Libellés des zonages d'étude (Insee)",
}


def source_label(key: str) -> str:
    """« Accessibilité potentielle localisée (DREES) — drees-apl »; a listing « Liste de CPTS « paca » »."""
    if key.startswith("cpts:"):
        return f"Liste de CPTS « {key[len('cpts:'):]} » — {key}"
    return f"{SOURCE_LABELS[key]} — {key}" if key in SOURCE_LABELS else key


#: A local path in a source's origin or notes (« /tmp/data/raw/demo/PS_…txt »): at least two slashes.
LOCAL_PATH = re.compile(r"(?<![\w:/])/(?:[^\s;,/]+/)+([^\s;,/]+)")


def shown_origin(origin: object) -> str | None:
    """Where a source came from, as a document handed to others may say it: a URL as it is, a local file or
    folder by its name only (« /home/…/raw/demo/PS_…_DEMO.txt » told the reader nothing but this machine's
    folders), a mirror's file as « miroir local : name »."""
    if origin is None or origin != origin or not str(origin).strip():
        return None
    text = str(origin)
    if text.startswith(("http://", "https://")):
        return text
    mirror = text.startswith("miroir:")
    path = Path(text.removeprefix("miroir:"))
    name = path.name or text
    return f"miroir local : {name}" if mirror else f"{'fichier' if path.suffix else 'dossier'} local : {name}"


def without_local_paths(text: object) -> object:
    """``text`` with every local path cut to its last part (file or folder name); other values unchanged."""
    return LOCAL_PATH.sub(r"\1", text) if isinstance(text, str) else text


def _sources(d: Diagnostic) -> list[dict[str, Any]]:
    out = []
    for row in d.sources.itertuples():
        out.append({"nom": source_label(str(row.source)), "millesime": row.vintage, "url": shown_origin(row.origin),
                    "telechargement": pd.Timestamp(row.loaded_at).date() if pd.notna(row.loaded_at) else None,
                    "note": without_local_paths(row.notes)})
    return out


def image_block(figure: StaticFigure) -> dict[str, Any]:
    """A report image block for ``figure`` (inline PNG, caption, source)."""
    # A static map prints its own sources inside the image; only a chart needs a source line under it.
    source = None if figure.key.startswith("carte-") else figure.source
    return {"title": figure.caption, "src": "data:image/png;base64," + base64.b64encode(figure.png).decode("ascii"),
            "alt": figure.caption, "source": source}


def _links(d: Diagnostic, has_flows_map: bool) -> list[dict[str, str]]:
    links = [{"href": MAP_FILE, "text": f"Carte interactive du territoire ({MAP_FILE})"}]
    if has_flows_map:
        links.append({"href": FLOWS_FILE, "text": f"Carte interactive des flux de patients ({FLOWS_FILE})"})
    return links


def context(d: Diagnostic, figures: Mapping[str, StaticFigure] | None = None,
            has_flows_map: bool = False) -> dict[str, Any]:
    """The report context (see :mod:`pipeline.render.report`), with the printed figures in their sections."""
    anomalies = d.listing_anomalies
    partial = d.territory.beyond_the_load or (anomalies is not None and bool((anomalies["kind"] == OUT_OF_SCOPE).any()))
    key = [
        {"label": "Population (communes chargées)" if partial else "Population", "value": d.population.total},
        {"label": "Communes", "value": len(d.territory.commune_codes)}
        if len(d.units) == len(d.territory.commune_codes)
        else {"label": "Communes et arrondissements", "value": len(d.units)},
        {"label": "Taille ACI", "value": d.taille.label},
        {"label": "APL 2023 (territoire)", "value": format_number(d.apl.synthesis.iloc[-1]["territoire"], 2,
                                                                  missing=MISSING_WORDS)},
    ]
    sections = [population_section(d), characteristics_section(d), taille_section(d), supply_section(d),
                dynamics_section(d), establishments_section(d), access_section(d), representativeness_section(d),
                neighbours_section(d), flows_section(d), pertinence_section(d)]
    by_title = {section["title"]: section for section in sections}
    population = by_title.get("Territoire et population")
    if population is not None and scope_note(d):
        population["notes"] = [*population.get("notes", []), scope_note(d)]
    flows = by_title.get("Flux de patients")
    if flows is not None and has_flows_map:
        flows["links"] = [{"href": FLOWS_FILE,
                           "text": f"Carte interactive des flux, avec le tableau des destinations ({FLOWS_FILE})"}]
    out = {
        "title": f"Diagnostic territorial – {d.territory.label}",
        "subtitle": "Éléments de diagnostic pour le projet de santé (Trame d'un projet de santé)",
        "territory": d.territory.spec,
        "generated": d.generated,
        "demo_data": d.demo_data,
        "key_figures": key,
        "links": _links(d, has_flows_map),
        "sections": sections,
        "sources": _sources(d),
        "comparison_link": d.comparison_link,
    }
    return with_figures(out, figures or {})


def with_figures(context: dict[str, Any], figures: Mapping[str, StaticFigure]) -> dict[str, Any]:
    """``context`` with each printed figure's image in its section (in place; returned for chaining).

    Separate from :func:`context` so that the report's own sections and charts are built while the printed
    figures are still being drawn (:func:`pipeline.render.outputs.write_all`).
    """
    by_title = {section["title"]: section for section in context["sections"]}
    for figure in figures.values():
        section = by_title.get(FIGURE_SECTIONS.get(figure.section, ""))
        if section is not None and figure.key != "graphique-etablissements":  # the report draws it as SVG
            section.setdefault("images", []).append(image_block(figure))
    return context


def write(d: Diagnostic, path: Path, figures: Mapping[str, StaticFigure] | None = None,
          has_flows_map: bool = False) -> Path:
    return report.write_report(context(d, figures, has_flows_map), path)


def territory_map(d: Diagnostic, flows: gpd.GeoDataFrame | None) -> folium.Map:
    communes = d.communes_geo.copy()
    indicators = {"population": "Population municipale", "densite_hab_km2": "Densité (hab./km²)",
                  "apl_2023": "APL médecins généralistes 2023 (DREES)"}
    if "densite_mg_10000" in communes:
        indicators["densite_mg_10000"] = "Médecins généralistes pour 10 000 hab."
    indicators.update(profile_indicators(d))
    points = establishment_points(d)
    # ``dans_territoire`` and ``distance_km`` kept: without them the legend counted the surroundings' establishments
    # as the CPTS's own (« MSP (2) » for one MSP inside, a review).
    kept = ["nom", "groupe", "categorie", "dans_territoire", "distance_km", "coordonnees_contradictoires", "geometry"]
    establishments = None if points is None else points[[c for c in kept if c in points.columns]]
    professionals = None
    if d.supply is not None:
        professionals = d.supply.per_unit
    return maps.territory_map(
        drawn_perimeter(d), communes, indicators, neighbours=d.neighbour_shapes, establishments=establishments,
        professionals=professionals, flows=flows, title=f"Diagnostic – {d.territory.label}", demo_data=d.demo_data,
        source=_source_line(d), pertinence=d.pertinence.shapes if d.pertinence is not None else None,
        indicator_decimals=LAYER_DECIMALS, indicator_breaks=LAYER_BREAKS)


def flows_map_title(d: Diagnostic) -> str:
    """Title of ``flux.html``: « modélisés » only when the flows come from the model."""
    if d.flows is not None and d.flows.real:
        return (f"Flux de recours aux médecins généralistes (table origine-destination fournie) – "
                f"{d.territory.label}")
    return f"Flux modélisés de recours aux médecins généralistes – {d.territory.label}"


def flows_map(d: Diagnostic, flows: gpd.GeoDataFrame) -> folium.Map:
    """``flux.html``: GP flows with named ends, the destination units drawn, and the main destinations table."""
    table = None
    if d.flows is not None and not d.flows.external_destinations.empty:
        dest = d.flows.external_destinations
        table = dest[dest["groupe"].str.lower() == FLOWS_GROUP.lower()]
    destinations = None
    if d.flow_places is not None and len(d.flow_places):
        destinations = d.flow_places[["code", "nom", "geometry"]]
    return maps.flow_map(flows, perimeter=drawn_perimeter(d), communes=d.communes_geo[["code", "nom", "geometry"]],
                         title=flows_map_title(d), demo_data=d.demo_data and not (d.flows is not None and d.flows.real),
                         source=_source_line(d), destinations=destinations, table=table,
                         volume_label=volume_label(d))


def _source_line(d: Diagnostic) -> str:
    parts = ["Insee/Etalab (COG et populations)", "IGN Admin Express COG 2018", "DREES (APL 2022-2023)",
             "Insee (Filosofi 2019, unités urbaines et aires d'attraction des villes 2020)"]
    if d.supply is not None:
        parts.append("Annuaire Santé" + (" (données fictives de démonstration)" if d.is_demo(REGISTRY_SOURCE) else ""))
    if d.establishments is not None:
        parts.append("FINESS" + (" (données fictives de démonstration)" if d.is_demo(FINESS_SOURCE) else ""))
    return "Sources : " + ", ".join(parts) + "."
