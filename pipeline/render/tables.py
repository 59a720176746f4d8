"""The diagnostic's tables: CSV files, the workbook, the GeoPackage and ``summary.json``."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.profile_tables import PROFILE_CSV, PROFILE_SHEETS, REGISTRY_TABLES, profile_tables
from pipeline.render.summary import summary as summary_json

SHEETS = {
    "communes": "Communes",
    "population": "Population",
    "references": "Comparaisons",
    "financement": "Financement ACI",
    "offre": "Offre de soins",
    "etablissements": "Établissements",
    "apl": "APL",
    "voisins": "CPTS voisines",
    "representativite": "Représentativité",
    "calendrier": "Calendrier des missions",
    "recours": "Premier et second recours",
    "mode_exercice": "Mode d'exercice",
    "flux_synthese": "Flux - synthèse",
    "flux_destinations": "Flux - destinations",
    "flux_bassins_de_vie": "Flux - bassins de vie",
    "apl_approchee": "APL approchée",
    "simulation_apl": "Simulation APL approchée",
    **PROFILE_SHEETS,
}
"""Sheet of each table in ``diagnostic.xlsx`` (Excel limits sheet names to 31 characters)."""

#: Tables written as CSV next to the workbook, when present.
CSV_TABLES = ("communes", "offre", "etablissements", "calendrier", "recours", "mode_exercice", "flux_synthese",
              "flux_destinations", "flux_bassins_de_vie", "apl_approchee", "simulation_apl", *PROFILE_CSV)


def communes_table(d: Diagnostic) -> pd.DataFrame:
    u = d.units
    return pd.DataFrame({
        "code_insee": u["unit_code"],
        "commune": u["nom"],
        "type": u["type"].map({"commune-actuelle": "commune", "arrondissement-municipal": "arrondissement municipal"}),
        "commune_de_rattachement": u["commune_code"],
        "codes_postaux": u["codes_postaux"],
        f"population_{d.population.year}": u["population"],
        "surface_km2": u["surface_km2"].round(2),
        "densite_hab_km2": u["densite_hab_km2"].round(1),
        "particularites_qpv_zip_zac": u["particularites"],
        "epci": u["epci"],
        "epci_nom": u["epci_nom"],
        "bassin_de_vie_2022": u["bv2022"],
        "bassin_de_vie_2022_nom": u["bv2022_nom"],
        "apl_mg_2022": u["apl_2022"],
        "apl_mg_2023": u["apl_2023"],
    })


def flow_lines(d: Diagnostic) -> gpd.GeoDataFrame | None:
    if d.flows is None or d.flows.lines.empty:
        return None
    lines = d.flows.lines.dropna(subset=["lon_o", "lat_o", "lon_d", "lat_d"])
    lines = lines[lines["groupe"].str.lower() == "médecins généralistes"]
    if lines.empty:
        return None
    geometry = [LineString([(r.lon_o, r.lat_o), (r.lon_d, r.lat_d)]) for r in lines.itertuples()]
    return gpd.GeoDataFrame(
        {"volume": lines["volume"].round(0).to_numpy(), "sens": lines["sens"].to_numpy(),
         "origine": lines["origin"].astype(str).to_numpy(), "destination": lines["destination"].astype(str).to_numpy()},
        geometry=geometry, crs=4326)


def extra_tables(d: Diagnostic) -> dict[str, pd.DataFrame]:
    """Tables of the report beyond the base ones: calendar, supply splits, flows, APL approchée, what-if.

    Only the tables the diagnostic has are returned (the calendar needs
    ``--signature``, flows and APL approchée need the Annuaire Santé and a
    polygon, the what-if needs ``--ajout``).
    """
    out: dict[str, pd.DataFrame] = {}
    if d.taille.calendar is not None:
        out["calendrier"] = d.taille.calendar.reset_index(drop=True)
    if d.supply is not None:
        for name, split in (("recours", d.supply.by_recours), ("mode_exercice", d.supply.by_mode)):
            if not split.empty:
                out[name] = split.reset_index()
    if d.flows is not None and d.flows.available:
        origin = d.flows.origin
        out["flux_synthese"] = d.flows.synthesis.assign(origine_des_flux=origin)
        dest = d.flows.external_destinations
        if not dest.empty:
            out["flux_destinations"] = dest.assign(origine_des_flux=origin)
        bv = d.flows.bassins_de_vie
        if not bv.empty:
            out["flux_bassins_de_vie"] = bv.assign(origine_des_flux=origin)
    if d.access is not None:
        out["apl_approchee"] = d.access.communes.assign(
            unite=d.access.unit, avertissement_apl="APL approchée calculée par l'outil, pas l'APL officielle")
        if d.access.simulation is not None:
            changes = "; ".join(f"{c.delta:+g} {c.groupe} à {c.commune}" for c in d.access.changes)
            out["simulation_apl"] = d.access.simulation.rename(
                columns={"before": "avant", "after": "apres", "delta": "ecart"}).assign(scenario=changes)
    return out


def write_tables(d: Diagnostic, folder: Path) -> None:
    tables: dict[str, pd.DataFrame] = {
        "communes": communes_table(d),
        "population": d.population.evolution,
        "references": d.population.references,
        "financement": d.taille.funding,
        "apl": d.apl.per_unit,
        "voisins": d.neighbours,
    }
    if d.supply is not None:
        tables["offre"] = d.supply.table
    if d.establishments is not None:
        tables["etablissements"] = d.establishments
    if d.representativeness is not None:
        tables["representativite"] = d.representativeness
    tables.update(extra_tables(d))
    tables.update(profile_tables(d))
    demo_tables = {"annuaire-sante": ("offre", "representativite", "recours", "mode_exercice", "flux_synthese",
                                      "flux_destinations", "flux_bassins_de_vie", "apl_approchee",
                                      "simulation_apl", *REGISTRY_TABLES),
                   "finess": ("etablissements",)}
    for source, names in demo_tables.items():
        if source not in d.demo_sources:
            continue
        for name in names:
            if name in tables:
                tables[name] = tables[name].assign(avertissement="données fictives de démonstration")
    for name in CSV_TABLES:
        if name in tables:
            tables[name].to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    with pd.ExcelWriter(folder / "diagnostic.xlsx", engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=SHEETS[name][:31], index=False)
    perimeter = d.perimeter.assign(territoire=d.territory.spec, population=d.population.total,
                                   taille=d.taille.label)
    perimeter.to_file(folder / "territoire.gpkg", layer="perimetre", driver="GPKG")
    communes = d.communes_geo[["code", "nom", "population", "area_km2", "densite_hab_km2", "apl_2023", "geometry"]]
    communes.to_file(folder / "territoire.gpkg", layer="communes", driver="GPKG")
    (folder / "summary.json").write_text(json.dumps(summary_json(d), ensure_ascii=False, indent=2), encoding="utf-8")


