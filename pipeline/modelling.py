"""Flows and accessibility of one territory: the modelled sections of the diagnostic.

The Huff model and the E2SFCA are computed on a domain around the territory
(communes within :data:`DOMAIN_KM` of its perimeter), wide enough that the
territory's residents and the outsiders who come to it see every destination
within the model's cutoff.
"""

from __future__ import annotations

import argparse
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline import access, flows, gather
from pipeline.distances import distance_table
from pipeline.errors import PipelineError
from pipeline.geo import projected_crs
from pipeline.territory import Territory

GP = "Médecins généralistes"


def domain_points(
    con: duckdb.DuckDBPyConnection, perimeter: gpd.GeoDataFrame, dep: str, radius_km: float
) -> pd.DataFrame:
    """Representative points (inside the polygon) of the communes near the territory."""
    # A degree of latitude is 111 km and one of longitude at least 70 km in metropolitan France.
    polygons = gather.polygons_near(con, perimeter.total_bounds, margin_deg=radius_km / 70)
    crs = projected_crs(dep)
    same_crs = polygons[polygons["departement"].map(projected_crs) == crs]
    points = gpd.GeoSeries(gpd.points_from_xy(same_crs["lon"], same_crs["lat"]), crs=4326, index=same_crs.index)
    area = perimeter.to_crs(crs).geometry.iloc[0].buffer(radius_km * 1000)
    near = same_crs[points.to_crs(crs).within(area)]
    return pd.DataFrame({"code": near["code"].to_numpy(), "lon": near["lon"].to_numpy(), "lat": near["lat"].to_numpy(),
                         "area_km2": near["area_km2"].to_numpy(), "population": near["population"].to_numpy()})


def _rate_key(groupe: str, params: flows.FlowParams) -> str | None:
    lowered = {k.lower(): k for k in params.rates}
    return lowered.get(groupe.lower())


def flows_and_access(
    con: duckdb.DuckDBPyConnection,
    territory: Territory,
    offre: pd.DataFrame,
    units: pd.DataFrame,
    options: argparse.Namespace,
    perimeter: gpd.GeoDataFrame,
    dep: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Flow indicators (modelled, or read from ``--flux``) and APL approchée with its what-if."""
    params = flows.load_flow_params()
    notes: list[str] = []
    points = domain_points(con, perimeter, dep, 2 * params.cutoff_km)
    distances = distance_table(points, cutoff_km=params.cutoff_km, detour=params.detour_factor,
                               intra_factor=params.intra_factor, default_intra_km=params.default_intra_km)
    domain = set(points["code"])
    supply = offre[offre["commune"].isin(domain)].groupby(["commune", "groupe"], as_index=False)["etp_sites"].sum()
    supply = supply.rename(columns={"commune": "code", "etp_sites": "effectif"})
    supply["groupe"] = supply["groupe"].map(lambda g: _rate_key(g, params))
    supply = supply.dropna(subset=["groupe"])
    demand = points[["code", "population"]].fillna({"population": 0})

    if getattr(options, "flux", None):
        table = flows.read_od_table(options.flux)
        origin = "table origine-destination fournie (" + str(options.flux) + ")"
    else:
        table = flows.huff_flows(demand, supply, distances, params)
        origin = "modèle gravitaire de Huff (flux modélisés, pas des données de l'Assurance maladie)"
    # Bassins de vie of the modelled domain only: the BVs the perimeter cuts lie inside it.
    _codes = pd.DataFrame({"code": pd.Series(sorted(domain), dtype="string")})
    con.register("_domain", _codes)
    try:
        bv = con.execute("SELECT code, bv2022 FROM appartenance WHERE code IN (SELECT code FROM _domain)").df()
    finally:
        con.unregister("_domain")
    indicators = flows.territory_flow_indicators(table, territory.commune_codes, bv.set_index("code")["bv2022"])
    lines = flows.main_flows(table, territory.commune_codes, top=15)
    lines = lines.merge(points[["code", "lon", "lat"]].rename(columns={"code": "origin", "lon": "lon_o",
                                                                        "lat": "lat_o"}), on="origin", how="left")
    lines = lines.merge(points[["code", "lon", "lat"]].rename(columns={"code": "destination", "lon": "lon_d",
                                                                        "lat": "lat_d"}), on="destination", how="left")
    flow_result: dict[str, Any] = {"origine": origin, "lignes": lines, "notes": notes, **indicators,
                                   "parametres": params}

    # APL approchée for GPs, its rank correlation with the official APL, and the what-if.
    gp_supply = supply[supply["groupe"] == _rate_key(GP, params)]
    approx = access.approx_apl(demand, gp_supply, distances, supply_col="effectif")
    official = con.execute("SELECT code, apl FROM apl WHERE annee = 2023").df()
    inside = approx[approx["code"].isin(territory.commune_codes)]
    rho_territory, n_territory = access.rank_correlation(inside, official)
    rho_domain, n_domain = access.rank_correlation(approx, official)
    access_result: dict[str, Any] = {
        "communes": inside.merge(official.rename(columns={"apl": "apl_officielle_2023"}), on="code", how="left"),
        "spearman_territoire": (rho_territory, n_territory),
        "spearman_voisinage": (rho_domain, n_domain),
        "unite": approx.attrs.get("unite", ""),
        "simulation": None,
    }
    if getattr(options, "ajout", None):
        known = sorted(set(supply["groupe"]))
        changes = access.parse_what_if(options.ajout, known_groupes=known)
        outside = [c.commune for c in changes if c.commune not in domain]
        if outside:
            raise PipelineError(
                "Simulation : commune(s) hors du voisinage du territoire : " + ", ".join(outside)
            )
        scenario = access.what_if(demand, supply, distances, changes, supply_col="effectif")
        access_result["simulation"] = scenario[scenario["code"].isin(territory.commune_codes)]
        access_result["changements"] = changes
    return flow_result, access_result
