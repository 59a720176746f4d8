"""Report sections « Offre de soins » and « Établissements »."""

from __future__ import annotations

from typing import Any

from pipeline.model.diagnostic import Diagnostic
from pipeline.render import charts
from pipeline.render.sections.common import (
    DEMO_WARNING,
    ESTABLISHMENTS_DEMO_WARNING,
    FINESS_SOURCE,
    GROUP_DISPLAY,
    LIBELLES,
    REGISTRY_SOURCE,
)
from pipeline.render.sections.coverage import coverage_display, coverage_notes, zone_supply_tables


def supply_section(d: Diagnostic) -> dict[str, Any]:
    if d.supply is None:
        return {"title": "Offre de soins", "paragraphs": [
            "Aucune extraction de l'Annuaire Santé n'est chargée : lancez « make data REGISTRY=… » avec "
            "l'extraction PS_LibreAcces, ou « make data » avec l'option de démonstration."]}
    table = coverage_display(d, d.supply.table).rename(columns=LIBELLES)
    chart_data = {
        g: {"Territoire": r.densite_10000, "Département": r.densite_departement, "Région": r.densite_region,
            "France": r.densite_france}
        for g, r in d.supply.table.set_index("groupe").iterrows() if g in GROUP_DISPLAY
    }
    tables = [{"title": "Professionnels et structures d'exercice coordonné (densité pour 10 000 habitants)",
               "data": table, "decimals": {LIBELLES["praticiens_etp"]: 1, LIBELLES["densite_10000"]: 1,
                                           LIBELLES["densite_departement"]: 1, LIBELLES["densite_region"]: 1,
                                           LIBELLES["densite_france"]: 1},
               "note": "Effectif distinct : chaque professionnel ayant au moins un lieu d'exercice dans le territoire "
                       "compte une fois ; « part des sites » répartit un professionnel exerçant sur n lieux (1/n par "
                       "lieu). Densités sur les effectifs distincts. MSP et centres de santé : FINESS. Source : "
                       "Annuaire Santé (extraction RPPS/ADELI)."}]
    for title, split in (("Premier et second recours", d.supply.by_recours), ("Mode d'exercice", d.supply.by_mode)):
        if split is not None and not split.empty:
            tables.append({"title": title, "data": split.reset_index().rename(columns={"groupe": "Profession"}),
                           "decimals": 0, "note": "Effectifs distincts de professionnels."})
    tables.extend(zone_supply_tables(d))
    notes = coverage_notes(d) + ([DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) else [])
    return {"title": "Offre de soins", "tables": tables, "notes": notes, "charts": [
        {"title": "Densité de professionnels comparée", "svg": charts.grouped_supply_chart(chart_data)}]}


def establishments_section(d: Diagnostic) -> dict[str, Any]:
    if d.establishments is None:
        return {"title": "Établissements", "paragraphs": ["Aucune extraction FINESS n'est chargée."]}
    e = d.establishments
    counts = e.groupby(["groupe", "dans_territoire"]).size().unstack(fill_value=0)
    counts = counts.rename(columns={True: "Dans le territoire", False: "À moins de 10 km"}).reset_index()
    columns = [c for c in ("nom", "groupe", "categorie_libelle", "commune", "dans_territoire", "distance_km")
               if c in e.columns]
    listing = e[columns].rename(columns={"nom": "Établissement", "groupe": "Groupe",
                                         "categorie_libelle": "Catégorie FINESS", "commune": "Commune",
                                         "dans_territoire": "Dans le territoire", "distance_km": "Distance (km)"})
    listing["Dans le territoire"] = listing["Dans le territoire"].map({True: "oui", False: "non"})
    return {"title": "Établissements", "tables": [
        {"title": "Établissements par groupe", "data": counts.rename(columns={"groupe": "Groupe"})},
        {"title": "Liste des établissements", "data": listing, "decimals": 1}],
        "notes": [ESTABLISHMENTS_DEMO_WARNING] if d.is_demo(FINESS_SOURCE) else []}
