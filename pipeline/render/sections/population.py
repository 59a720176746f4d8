"""Report section « Territoire et population »."""

from __future__ import annotations

from typing import Any

from pipeline.model.diagnostic import Diagnostic
from pipeline.render import charts
from pipeline.render.sections.common import (
    fmt,
)


def population_section(d: Diagnostic) -> dict[str, Any]:
    evo = d.population.evolution
    first, last = evo.iloc[0], evo.iloc[-1]
    paragraphs = [
        f"Le territoire « {d.territory.label} » compte {len(d.units)} unité(s) "
        f"({len(d.territory.commune_codes)} commune(s)) et {fmt(d.population.total)} habitants "
        f"(population municipale légale {d.population.year} de l'INSEE, en vigueur à partir du 1er janvier "
        f"{d.population.year + 3}, sur la géographie communale au 1er janvier {d.population.cog}).",
    ]
    if d.population.density == d.population.density:
        paragraphs.append(
            f"Superficie : {fmt(d.population.area_km2, 1)} km², soit "
            f"{fmt(d.population.density, 1)} habitants par km²."
        )
    if len(evo) > 1:
        paragraphs.append(
            f"Entre les populations légales {int(first['millesime'])} et {int(last['millesime'])}, la population a "
            "évolué de "
            f"{fmt(last['evolution'])} habitants ({fmt(last['taux_annuel_pct'], 2)} % par an), calculée sur "
            "la géographie communale actuelle (les communes fusionnées sont additionnées)."
        )
    chart = charts.population_chart(
        list(evo["millesime"]), list(evo["population"]), title="Population du territoire par année de population légale"
    )
    evolution = evo.assign(millesime=evo["millesime"].astype(str)).rename(columns={
                                    "millesime": "Population légale", "population": "Population",
                                    "evolution": "Évolution depuis la première année",
                                    "taux_annuel_pct": "Taux annuel moyen (%)"})
    refs = d.population.references.rename(columns={"zone": "Zone", "population": "Population",
                                                   "surface_km2": "Surface (km²)",
                                        "densite_hab_km2": "Densité (hab./km²)",
                                        "taux_annuel_pct": "Taux annuel moyen (%)"})
    refs.columns = [c.replace("population_", "Population ") if c.startswith("population_") else c
                    for c in refs.columns]
    communes = d.units[["unit_code", "nom", "codes_postaux", "population", "particularites", "epci_nom",
                        "bv2022_nom"]].rename(columns={
        "unit_code": "Code INSEE", "nom": "Commune", "codes_postaux": "Codes postaux",
        "population": f"Population {d.population.year}", "particularites": "Particularités (QPV, ZIP, ZAC)",
        "epci_nom": "EPCI", "bv2022_nom": "Bassin de vie 2022"})
    return {
        "title": "Territoire et population",
        "paragraphs": paragraphs,
        "tables": [
            {"title": "Communes du territoire", "data": communes,
             "note": "Particularités : zonage ARS des médecins généralistes par QPV (ZIP, ZAC), millésime 2025, "
                     "connu pour la région PACA seulement ; « non renseigné » ailleurs."},
            {"title": "Évolution de la population", "data": evolution, "decimals": {"Taux annuel moyen (%)": 2}},
            {"title": "Comparaison avec le département, la région et la France", "data": refs,
             "decimals": {"Densité (hab./km²)": 1, "Taux annuel moyen (%)": 2, "Surface (km²)": 0}},
        ],
        "charts": [{"title": "Évolution de la population", "svg": chart}],
        "notes": d.notes,
    }
