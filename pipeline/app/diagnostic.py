"""``make diagnostic TERRITORY=...``: compute a territory's diagnostic and write its outputs.

:func:`compute` turns database reads (:mod:`pipeline.store.queries.diagnostic`) into a
:class:`Diagnostic` with the pure functions of :mod:`pipeline.analysis.indicators`,
:mod:`pipeline.analysis.aci`, :mod:`pipeline.analysis.flows` and :mod:`pipeline.analysis.access`;
:func:`run_diagnostic` writes the tables, the map and the report
(:mod:`pipeline.render.exports`, :mod:`pipeline.render.diagnostic_report`).
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline import config
from pipeline.analysis import aci
from pipeline.analysis import indicators as ind
from pipeline.errors import PipelineError
from pipeline.geography import projected_crs
from pipeline.progress import Stages
from pipeline.render.report import format_number
from pipeline.sources.adherents import read_adherents
from pipeline.store import connection as store
from pipeline.store.queries import diagnostic as gather
from pipeline.store.territory import Territory, resolve_territory

log = logging.getLogger(__name__)

NEAR_KM = 10.0  # establishments "near" the territory: within this distance of its perimeter
FLOW_DOMAIN_KM = 120.0  # communes modelled around the territory (twice the flows' cutoff)


@dataclass
class Diagnostic:
    """Everything the report, the map and the tables show."""

    territory: Territory
    units: pd.DataFrame
    communes_geo: gpd.GeoDataFrame
    perimeter: gpd.GeoDataFrame
    population: dict[str, Any]
    evolution: pd.DataFrame
    references: pd.DataFrame
    taille: dict[str, Any]
    funding: pd.DataFrame
    calendar: pd.DataFrame | None
    supply: pd.DataFrame | None
    supply_recours: pd.DataFrame | None
    supply_mode: pd.DataFrame | None
    establishments: pd.DataFrame | None
    apl: dict[str, Any]
    representativeness: pd.DataFrame | None
    neighbours: pd.DataFrame
    flows: dict[str, Any] | None
    access: dict[str, Any] | None
    sources: pd.DataFrame
    demo_sources: list[str]
    professionals: pd.DataFrame | None = None
    neighbour_shapes: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def demo_data(self) -> bool:
        return bool(self.demo_sources)


def main_area(units: pd.DataFrame) -> tuple[str, str]:
    """The département and région holding most of the territory's population."""
    weights = units.assign(p=units["population"].fillna(0).astype(float))
    dep = str(weights.groupby("departement")["p"].sum().idxmax())
    reg = str(weights.loc[weights["departement"] == dep, "region"].iloc[0])
    return dep, reg


def compute(con: duckdb.DuckDBPyConnection, territory: Territory, options: argparse.Namespace) -> Diagnostic:
    """Compute the whole diagnostic of ``territory``."""
    stages = Stages("Diagnostic", total=8)
    lap = stages.done
    timings = stages.timings

    if getattr(options, "ajout", None):
        from pipeline.analysis.access import parse_what_if

        parse_what_if(options.ajout)  # fail on a malformed scenario before the long computation
    notes = list(territory.notes)
    units = gather.unit_table(con, territory)
    dep, reg = main_area(units)
    polygons = gather.polygons_for(con, territory.commune_codes)
    missing_polygons = sorted(set(territory.commune_codes) - set(polygons["code"]))
    if missing_polygons:
        notes.append("communes sans polygone (reliquat des contours 2018) : " + ", ".join(missing_polygons))
    area = polygons.set_index("code")["area_km2"]
    has_arrondissements = (units["type"] == "arrondissement-municipal").any()
    units["surface_km2"] = np.where(units["type"] == "commune-actuelle", units["commune_code"].map(area), np.nan)
    units["densite_hab_km2"] = units["population"].astype(float) / units["surface_km2"]
    if has_arrondissements:
        notes.append(
            "arrondissements municipaux : pas de polygone propre dans les contours 2018 ; la carte montre la "
            "commune entière et la surface (donc la densité) n'est pas calculée pour eux"
        )
    lap("communes")

    # Population and evolution on the current geography, by year of legal population.
    years = config.POPULATION_YEAR
    by_vintage = gather.population_by_vintage(con, territory)
    series = ind.by_population_year(by_vintage.groupby("vintage")["population"].sum(), years)
    evolution = ind.evolution(series)
    population = int(territory.population)
    land = float(units["surface_km2"].sum(skipna=True))
    refs = gather.reference_populations(con, dep, reg)
    ref_areas = gather.reference_areas(con, dep, reg)
    dep_name = con.execute("SELECT nom FROM departements WHERE code = ?", [dep]).fetchall()
    reg_name = con.execute("SELECT nom FROM regions WHERE code = ?", [reg]).fetchall()
    by_year = {column: ind.by_population_year(refs[column], years) for column in refs.columns}
    references = pd.DataFrame(
        [
            _reference_row("Territoire", series, land if not has_arrondissements else float("nan")),
            _reference_row(f"Département : {dep_name[0][0] if dep_name else dep}", by_year["departement"],
                           ref_areas["departement"]),
            _reference_row(f"Région : {reg_name[0][0] if reg_name else reg}", by_year["region"], ref_areas["region"]),
            _reference_row("France (métropole et DROM)", by_year["france"], ref_areas["france"],
                           rate_series=by_year["france_hors_mayotte"]),
        ]
    )
    notes.append(
        f"populations légales INSEE {int(series.index[0])} à {int(series.index[-1])} (la dernière en vigueur au "
        f"1er janvier {int(series.index[-1]) + 3}), sur la géographie communale au 1er janvier "
        f"{config.CURRENT_VINTAGE} ; taux annuel de la France hors Mayotte (absente du premier millésime)"
    )
    lap("population")

    # Supply.
    # Head counts come from ps_activites (pipeline.store.queries.supply): a practitioner counts once per zone, whatever
    # their number of sites there; densities are head counts per 10 000 inhabitants for the territory and
    # the references alike. offre_commune (site shares per commune) still feeds the maps and the flows.
    from pipeline.store.queries import supply as supply_tables

    offre = gather.offre(con)
    supply = recours = mode = None
    professionals = None
    commune_codes = territory.commune_codes
    if offre is not None:
        supply = ind.supply_by_group(supply_tables.offre_territoire(con, commune_codes), population)
        for label, zone, pop in (
            ("departement", {"departement": dep}, refs["departement"].iloc[-1]),
            ("region", {"region": reg}, refs["region"].iloc[-1]),
            ("france", {}, refs["france"].iloc[-1]),
        ):
            counts = supply_tables.effectifs_zone(con, **zone)
            other = ind.supply_by_group(counts, float(pop)).set_index("groupe")["densite_10000"]
            supply[f"densite_{label}"] = supply["groupe"].map(other)
        recours = supply_tables.offre_par_recours(con, commune_codes)
        mode = supply_tables.offre_par_mode(con, commune_codes)
        professionals = supply_tables.professionnels_sante(con, commune_codes)
        if has_arrondissements:
            notes.append(
                "offre de soins : l'Annuaire Santé localise les professionnels à la commune ; pour un territoire "
                "défini par arrondissements, l'offre de la commune entière est comptée"
            )
    lap("offre")

    band = aci.size_band(population)
    taille = {
        "taille": band,
        "libelle": aci.size_label(population, professionals),
        "bornes": aci.band_description(band),
        # Distinct health professionals with a site in the territory, « Autres » excluded (4++, seed 002).
        "professionnels": professionals,
        **aci.funding_totals(band),
        "version_aci": aci.DEFAULT_VERSION,
    }
    funding = aci.funding_for(band)
    calendar = None
    if getattr(options, "signature", None):
        calendar = aci.mission_calendar(aci.parse_signature(options.signature))

    # Perimeter and map geometries.
    communes_geo = polygons.merge(
        units.drop(columns=["nom", "population", "departement", "region"]).drop_duplicates("commune_code"),
        left_on="code", right_on="commune_code", how="left",
    )
    communes_geo["population"] = communes_geo["code"].map(
        units.groupby("commune_code")["population"].sum()
    )
    communes_geo["densite_hab_km2"] = communes_geo["population"] / communes_geo["area_km2"]
    perimeter = gpd.GeoDataFrame(
        {"nom": [territory.label]},
        geometry=[shapely.union_all(communes_geo.geometry.values)] if len(communes_geo) else [None],
        crs=4326,
    )
    lap("géométries")

    # Establishments in and near the territory.
    establishments = _establishments_near(con, perimeter, commune_codes, projected_crs(dep))
    lap("établissements")

    apl = _apl_section(con, units, dep, reg)
    units = units.merge(apl["communes"][["unit_code", "apl_2022", "apl_2023"]], on="unit_code", how="left")
    lap("APL")

    representativeness = None
    if getattr(options, "adherents", None):
        if supply is None:
            raise PipelineError("Représentativité : aucune extraction de l'Annuaire Santé n'est chargée")
        members = read_adherents(options.adherents)
        representativeness = ind.representativeness(members, supply)

    members = gather.cpts_members(con)
    neighbours = _neighbours(con, territory, perimeter, members)
    neighbour_shapes = _neighbour_shapes(con, neighbours, members)
    lap("voisins")

    flows = access = None
    if offre is not None:
        from pipeline.app import modelling

        flows, access = modelling.flows_and_access(con, territory, offre, units, options, perimeter, dep)
        notes.extend(flows.get("notes", []))
    lap("flux et accessibilité")

    if offre is not None and communes_geo is not None:
        gp = offre[offre["groupe"] == "Médecins généralistes"].groupby("commune")["etp_sites"].sum()
        communes_geo["densite_mg_10000"] = communes_geo["code"].map(gp).fillna(0) / communes_geo["population"] * 10_000
    communes_geo["apl_2023"] = communes_geo["code"].map(apl["commune_2023"])

    stages.close()
    return Diagnostic(
        territory=territory, units=units, communes_geo=communes_geo, perimeter=perimeter,
        population={"total": population, "millesime": int(series.index[-1]), "cog": config.CURRENT_VINTAGE,
                    "surface_km2": land,
                    "densite": ind.density(population, land) if not has_arrondissements else float("nan"),
                    "departement": dep, "region": reg},
        evolution=evolution, references=references, taille=taille, funding=funding, calendar=calendar,
        supply=supply, supply_recours=recours, supply_mode=mode, establishments=establishments, apl=apl,
        representativeness=representativeness, neighbours=neighbours, flows=flows, access=access,
        sources=gather.sources(con), demo_sources=gather.demo_sources(con), notes=notes, timings=timings,
        neighbour_shapes=neighbour_shapes,
        professionals=None if offre is None else (
            offre[offre["commune"].isin(commune_codes)]
            .groupby(["commune", "groupe"], as_index=False)["etp_sites"].sum()
            .rename(columns={"commune": "code", "etp_sites": "effectif"})
        ),
    )


def _reference_row(label: str, series: pd.Series, area: float, rate_series: pd.Series | None = None
                   ) -> dict[str, Any]:
    series = series.dropna().sort_index()
    last = float(series.iloc[-1])
    return {
        "zone": label,
        "population": int(last),
        "surface_km2": area,
        "densite_hab_km2": last / area if area and area == area else float("nan"),
        f"population_{int(series.index[0])}": int(series.iloc[0]),
        "taux_annuel_pct": ind.annual_rate(series if rate_series is None else rate_series),
    }


def _establishments_near(
    con: duckdb.DuckDBPyConnection, perimeter: gpd.GeoDataFrame, codes: list[str], crs: int
) -> pd.DataFrame | None:
    table = gather.establishments(con)
    if table is None:
        return None
    located = table.dropna(subset=["lon", "lat"])
    points = gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located["lon"], located["lat"]), crs=4326)
    projected = perimeter.to_crs(crs).geometry.iloc[0]
    if projected is None:
        return table[table["commune"].isin(codes)].assign(dans_territoire=True, distance_km=0.0)
    distance = points.to_crs(crs).distance(projected) / 1000
    inside = points["commune"].isin(codes)
    keep = inside | (distance <= NEAR_KM)
    out = pd.DataFrame(points[keep].drop(columns="geometry"))
    out["dans_territoire"] = inside[keep].to_numpy()
    out["distance_km"] = np.where(out["dans_territoire"], 0.0, distance[keep].round(1))
    unlocated = table[table["lon"].isna() & table["commune"].isin(codes)]
    if len(unlocated):
        out = pd.concat([out, unlocated.assign(dans_territoire=True, distance_km=0.0)], ignore_index=True)
    return out.sort_values(["dans_territoire", "groupe", "nom"], ascending=[False, True, True]).reset_index(drop=True)


def unit_apl(table: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """APL rows of the territory's units: arrondissement rows for arrondissements, commune rows otherwise."""
    level = np.where(units["type"] == "arrondissement-municipal", "arrondissement", "commune")
    keys = pd.DataFrame({"code": units["unit_code"].to_numpy(), "niveau": level})
    return keys.merge(table, on=["code", "niveau"], how="inner")


def _apl_section(
    con: duckdb.DuckDBPyConnection, units: pd.DataFrame, dep: str, reg: str
) -> dict[str, Any]:
    table = gather.apl_current(con)
    communes = table[table["niveau"] == "commune"]
    france = communes[communes["region"].notna()]
    rows = []
    per_unit = units[["unit_code", "commune_code", "nom", "population"]].copy()
    for year in (2022, 2023):
        sheet = communes[communes["annee"] == year]
        own = unit_apl(table[table["annee"] == year], units)
        rows.append({
            "annee": year,
            "territoire": ind.weighted_apl(own),
            "departement": ind.weighted_apl(sheet[sheet["departement"] == dep]),
            "region": ind.weighted_apl(sheet[sheet["region"] == reg]),
            "france": ind.weighted_apl(france[france["annee"] == year]),
        })
        per_unit[f"apl_{year}"] = per_unit["unit_code"].map(own.set_index("code")["apl"])
    per_unit["sous_dense"] = per_unit["apl_2023"] < ind.APL_UNDER_SERVED
    missing = sorted(per_unit.loc[per_unit["apl_2023"].isna(), "unit_code"])
    latest = communes[communes["annee"] == 2023].set_index("code")["apl"]
    return {"synthese": pd.DataFrame(rows), "communes": per_unit, "sans_apl": missing,
            "seuil": ind.APL_UNDER_SERVED, "commune_2023": latest}


def _neighbour_shapes(
    con: duckdb.DuckDBPyConnection, neighbours: pd.DataFrame, members: pd.DataFrame | None
) -> gpd.GeoDataFrame | None:
    """Perimeters of the neighbouring CPTS (union of their communes), for the map."""
    if neighbours.empty or members is None:
        return None
    wanted = members[members["cpts"].isin(set(neighbours["cpts"]))]
    polygons = gather.polygons_for(con, sorted(set(wanted["commune_code"].dropna())))
    rows = []
    for row in neighbours.itertuples():
        codes = wanted.loc[(wanted["listing"] == row.liste) & (wanted["cpts"] == row.cpts), "commune_code"]
        shape = polygons[polygons["code"].isin(set(codes))]
        if len(shape):
            rows.append({"nom": row.cpts, "geometry": shape.geometry.union_all()})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else None


def _neighbours(
    con: duckdb.DuckDBPyConnection, territory: Territory, perimeter: gpd.GeoDataFrame,
    members: pd.DataFrame | None,
) -> pd.DataFrame:
    """Other CPTS sharing units with the territory, or touching its perimeter."""
    columns = ["liste", "cpts", "unites_communes", "population_commune", "limitrophe"]
    if members is None or members.empty:
        return pd.DataFrame(columns=columns)
    members = members.dropna(subset=["unit_code"])
    own_label = territory.label.split(" (liste ")[0] if territory.kind == "cpts" else None
    if own_label is not None:
        members = members[members["cpts"] != own_label]
    units = set(territory.units["unit_code"])
    communes = set(territory.commune_codes)
    pop = territory.units.set_index("unit_code")["population"]
    shared = members[members["unit_code"].isin(units) | (
        members["unit_type"].eq("commune-actuelle") & members["commune_code"].isin(communes))]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for (listing, cpts), group in shared.groupby(["listing", "cpts"]):
        codes = sorted(set(group["unit_code"]) & units)
        rows[(listing, cpts)] = {"liste": listing, "cpts": cpts, "unites_communes": ", ".join(codes),
                                 "population_commune": int(pop.reindex(codes).fillna(0).sum()),
                                 "limitrophe": False}
    geometry = perimeter.geometry.iloc[0]
    if geometry is not None:
        polygons = gather.polygons_near(con, geometry.bounds, margin_deg=0.01)
        touching = polygons[polygons.intersects(geometry.buffer(0.002))]["code"]
        near = members[members["commune_code"].isin(set(touching) - communes)]
        for (listing, cpts), _ in near.groupby(["listing", "cpts"]):
            row = rows.setdefault((listing, cpts), {"liste": listing, "cpts": cpts, "unites_communes": "",
                                                    "population_commune": 0, "limitrophe": True})
            row["limitrophe"] = True
    frame = pd.DataFrame(list(rows.values()), columns=columns)
    return frame.sort_values(["population_commune", "cpts"], ascending=[False, True]).reset_index(drop=True)


def run_diagnostic(args: argparse.Namespace) -> Path:
    """Resolve, compute and write a territory diagnostic; print a French summary."""
    from pipeline.render import exports

    start = time.perf_counter()
    con = store.connect(read_only=True)
    try:
        territory = resolve_territory(con, args.territoire)
        resolved = time.perf_counter()
        diagnostic = compute(con, territory, args)
    finally:
        con.close()
    computed = time.perf_counter()
    out = exports.write_all(diagnostic)
    done = time.perf_counter()
    diagnostic.timings.update({"résolution": resolved - start, "calcul": computed - resolved,
                               "écriture": done - computed})
    print(f"Diagnostic de {territory.label} : {len(territory.units)} unités, "
          f"{format_number(territory.population)} habitants, taille {diagnostic.taille['libelle']}")
    for note in diagnostic.notes:
        print(f"  note : {note}")
    if diagnostic.demo_data:
        print("  ATTENTION : offre de soins issue de données fictives de démonstration")
    print(f"  rapport : {out['rapport']}\n  carte : {out['carte']}\n  tableaux : {out['tables']}")
    print(f"Terminé en {done - start:.1f} s (résolution {resolved - start:.2f} s, calcul {computed - resolved:.1f} s, "
          f"écriture {done - computed:.1f} s)")
    return Path(out["tables"])


def today() -> date:
    return date.today()
