"""The diagnostic's French report and maps, built from a computed :class:`Diagnostic`.

Sections follow the « Trame d'un projet de santé » (seed 002). Renderers only
read the diagnostic; nothing is computed here but presentation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import folium
import geopandas as gpd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render import maps, report
from pipeline.render.profile_layers import profile_indicators
from pipeline.render.report import format_number
from pipeline.render.sections.access import access_section
from pipeline.render.sections.characteristics import characteristics_section
from pipeline.render.sections.common import FINESS_SOURCE, REGISTRY_SOURCE
from pipeline.render.sections.dynamics import dynamics_section
from pipeline.render.sections.flows import flows_section
from pipeline.render.sections.members import neighbours_section
from pipeline.render.sections.population import population_section
from pipeline.render.sections.representativeness import representativeness_section
from pipeline.render.sections.supply import establishments_section, supply_section
from pipeline.render.sections.taille import taille_section


def _sources(d: Diagnostic) -> list[dict[str, Any]]:
    out = []
    for row in d.sources.itertuples():
        out.append({"nom": row.source, "millesime": row.vintage, "url": row.origin,
                    "telechargement": str(row.loaded_at)[:10], "note": row.notes})
    return out


def context(d: Diagnostic) -> dict[str, Any]:
    key = [
        {"label": "Population", "value": d.population.total},
        {"label": "Communes", "value": len(d.territory.commune_codes)},
        {"label": "Taille ACI", "value": d.taille.label},
        {"label": "APL 2023 (territoire)", "value": format_number(d.apl.synthesis.iloc[-1]["territoire"], 2)},
    ]
    return {
        "title": f"Diagnostic territorial – {d.territory.label}",
        "subtitle": "Éléments de diagnostic pour le projet de santé (Trame d'un projet de santé)",
        "territory": d.territory.spec,
        "generated": d.generated,
        "demo_data": d.demo_data,
        "key_figures": key,
        "sections": [population_section(d), characteristics_section(d), taille_section(d), supply_section(d),
                     dynamics_section(d), establishments_section(d), access_section(d),
                     representativeness_section(d), neighbours_section(d), flows_section(d)],
        "sources": _sources(d),
    }


def write(d: Diagnostic, path: Path) -> Path:
    return report.write_report(context(d), path)


def territory_map(d: Diagnostic, flows: gpd.GeoDataFrame | None) -> folium.Map:
    communes = d.communes_geo.copy()
    indicators = {"population": "Population municipale", "densite_hab_km2": "Densité (hab./km²)",
                  "apl_2023": "APL médecins généralistes 2023 (DREES)"}
    if "densite_mg_10000" in communes:
        indicators["densite_mg_10000"] = "Médecins généralistes pour 10 000 hab."
    indicators.update(profile_indicators(d))
    establishments = None
    if d.establishments is not None and not d.establishments.empty:
        e = d.establishments.dropna(subset=["lon", "lat"])
        establishments = gpd.GeoDataFrame(
            {"nom": e["nom"], "groupe": e["groupe"], "categorie": e.get("categorie_libelle", e["groupe"])},
            geometry=gpd.points_from_xy(e["lon"], e["lat"]), crs=4326)
    professionals = None
    if d.supply is not None:
        professionals = d.supply.per_unit.assign(effectif=d.supply.per_unit["effectif"].round(1))
    return maps.territory_map(
        d.perimeter, communes, indicators, neighbours=d.neighbour_shapes, establishments=establishments,
        professionals=professionals, flows=flows, title=f"Diagnostic – {d.territory.label}", demo_data=d.demo_data,
        source=_source_line(d))


def flows_map_title(d: Diagnostic) -> str:
    """Title of ``flux.html``: « modélisés » only when the flows come from the model."""
    if d.flows is not None and d.flows.real:
        return (f"Flux de recours aux médecins généralistes (table origine-destination fournie) – "
                f"{d.territory.label}")
    return f"Flux modélisés de recours aux médecins généralistes – {d.territory.label}"


def flows_map(d: Diagnostic, flows: gpd.GeoDataFrame) -> folium.Map:
    return maps.flow_map(flows, perimeter=d.perimeter, communes=d.communes_geo[["code", "nom", "geometry"]],
                         title=flows_map_title(d), demo_data=d.demo_data, source=_source_line(d))


def _source_line(d: Diagnostic) -> str:
    parts = ["Insee/Etalab (COG et populations)", "IGN Admin Express COG 2018", "DREES (APL 2022-2023)",
             "Insee (Filosofi 2019, unités urbaines et aires d'attraction des villes 2020)"]
    if d.supply is not None:
        parts.append("Annuaire Santé" + (" (données fictives de démonstration)" if d.is_demo(REGISTRY_SOURCE) else ""))
    if d.establishments is not None:
        parts.append("FINESS" + (" (données fictives de démonstration)" if d.is_demo(FINESS_SOURCE) else ""))
    return "Sources : " + ", ".join(parts) + "."
