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

from pipeline.analysis import access, flows
from pipeline.analysis.distances import distance_table
from pipeline.errors import PipelineError
from pipeline.geography import projected_crs
from pipeline.sources import od_table
from pipeline.store.queries import diagnostic as gather
from pipeline.store.territory import Territory

GP = "Médecins généralistes"

#: Note of a territory none of whose communes has a polygon (reliquat of the 2018 contours).
NO_POLYGON_NOTE = (
    "flux de patients et APL approchée non calculés : aucune commune du territoire n'a de polygone dans les "
    "contours communaux chargés (IGN Admin Express COG 2018), or ces modèles partent des distances entre "
    "communes voisines"
)


def has_geometry(perimeter: gpd.GeoDataFrame) -> bool:
    """Whether the territory's perimeter has a usable (non-empty) polygon."""
    if perimeter is None or perimeter.empty:
        return False
    geometry = perimeter.geometry.iloc[0]
    return geometry is not None and not geometry.is_empty


def flows_available(result: dict[str, Any] | None) -> bool:
    """Whether a flow result holds computed flows (not only the note explaining their absence)."""
    return result is not None and "synthese" in result


def _names(con: duckdb.DuckDBPyConnection, sql: str, codes: set[str], params: list[Any]) -> dict[str, str]:
    """``code -> name`` for ``codes`` from ``sql`` (``code``, ``nom`` columns, codes in table ``_codes``)."""
    if not codes:
        return {}
    con.register("_codes", pd.DataFrame({"code": pd.Series(sorted(codes), dtype="string")}))
    try:
        frame = con.execute(sql, params).df()
    finally:
        con.unregister("_codes")
    return dict(zip(frame["code"].astype(str), frame["nom"].astype(str), strict=True))


def commune_names(con: duckdb.DuckDBPyConnection, codes: set[str]) -> dict[str, str]:
    """Current names of commune codes (current, or former codes as they were named in the COG)."""
    from pipeline import config

    names = _names(con, "SELECT code, nom FROM communes WHERE vintage = ? AND code IN (SELECT code FROM _codes)",
                   codes, [config.CURRENT_VINTAGE])
    rest = codes - set(names)
    if rest:
        older = _names(con, "SELECT code, arg_max(nom, vintage) AS nom FROM communes "
                            "WHERE code IN (SELECT code FROM _codes) GROUP BY code", rest, [])
        names.update(older)
    return names


def bv_names(con: duckdb.DuckDBPyConnection, codes: set[str]) -> dict[str, str]:
    """Names (libellés) of bassins de vie 2022."""
    return _names(con, "SELECT code, libelle AS nom FROM zonages_libelles WHERE niveau = 'BV2022' "
                       "AND code IN (SELECT code FROM _codes)", codes, [])


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
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Flow indicators (modelled, or read from ``--flux``) and APL approchée with its what-if.

    A territory none of whose communes has a polygon has no domain to model:
    the flow result then only carries a French note (see :func:`flows_available`)
    and the access result is ``None``.
    """
    params = flows.load_flow_params()
    notes: list[str] = []
    if not has_geometry(perimeter):
        return {"notes": [NO_POLYGON_NOTE], "indisponible": NO_POLYGON_NOTE, "parametres": params}, None
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
        staged = od_table.read_od_table(options.flux)
        notes.extend(od_table.problem_notes(staged))
        table = od_table.to_flow_table(staged)
        origin = "table origine-destination fournie (" + str(options.flux) + ")"
        kind = "table"
    else:
        table = flows.huff_flows(demand, supply, distances, params)
        origin = "modèle gravitaire de Huff (flux modélisés, pas des données de l'Assurance maladie)"
        kind = "modele"
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
    # Names for the report and the tables, resolved here so that renderers only present.
    dest = indicators["destinations_exterieures"]
    names = commune_names(con, set(dest["destination"].astype(str)) | set(lines["origin"].astype(str))
                          | set(lines["destination"].astype(str)))
    indicators["destinations_exterieures"] = dest.assign(
        nom=dest["destination"].astype(str).map(names))[["groupe", "destination", "nom", "volume",
                                                         "part_des_residents"]]
    lines = lines.assign(nom_origine=lines["origin"].astype(str).map(names),
                         nom_destination=lines["destination"].astype(str).map(names))
    if "bassins_de_vie" in indicators:
        bvs = indicators["bassins_de_vie"]
        labels = bv_names(con, set(bvs["bassin_de_vie"].astype(str)))
        bvs.insert(1, "bassin_de_vie_nom", bvs["bassin_de_vie"].astype(str).map(labels))
    flow_result: dict[str, Any] = {"origine": origin, "type": kind, "lignes": lines, "notes": notes, **indicators,
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
