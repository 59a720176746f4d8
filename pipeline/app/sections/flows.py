"""Flows and accessibility of one territory: the modelled sections of the diagnostic.

The Huff model and the E2SFCA are computed on a domain around the territory
(communes within twice the model's cutoff of its perimeter), wide enough that
the territory's residents and the outsiders who come to it see every
destination within the model's cutoff.
"""

from __future__ import annotations

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline.analysis import access, flows
from pipeline.analysis.distances import distance_table
from pipeline.errors import PipelineError
from pipeline.geography import projected_crs
from pipeline.model import DiagnosticOptions, Territory
from pipeline.model.diagnostic import AccessSection, FlowsSection
from pipeline.params import Params
from pipeline.sources import od_table
from pipeline.store.queries import geography

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


def domain_points(
    con: duckdb.DuckDBPyConnection, perimeter: gpd.GeoDataFrame, dep: str, radius_km: float
) -> pd.DataFrame:
    """Representative points (inside the polygon) of the communes near the territory."""
    # A degree of latitude is 111 km and one of longitude at least 70 km in metropolitan France.
    polygons = geography.polygons_near(con, perimeter.total_bounds, margin_deg=radius_km / 70)
    crs = projected_crs(dep)
    same_crs = polygons[polygons["departement"].map(projected_crs) == crs]
    points = gpd.GeoSeries(gpd.points_from_xy(same_crs["lon"], same_crs["lat"]), crs=4326, index=same_crs.index)
    area = perimeter.to_crs(crs).geometry.iloc[0].buffer(radius_km * 1000)
    near = same_crs[points.to_crs(crs).within(area)]
    return pd.DataFrame({"code": near["code"].to_numpy(), "lon": near["lon"].to_numpy(), "lat": near["lat"].to_numpy(),
                         "area_km2": near["area_km2"].to_numpy(), "population": near["population"].to_numpy()})


def _rate_key(groupe: str, rates: dict[str, float]) -> str | None:
    lowered = {k.lower(): k for k in rates}
    return lowered.get(groupe.lower())


def flows_and_access(
    con: duckdb.DuckDBPyConnection,
    territory: Territory,
    offre: pd.DataFrame,
    options: DiagnosticOptions,
    perimeter: gpd.GeoDataFrame,
    dep: str,
    official_apl: pd.DataFrame,
    params: Params,
) -> tuple[FlowsSection, AccessSection | None]:
    """Flow indicators (modelled, or read from ``FLUX=``) and APL approchée with its what-if.

    ``official_apl`` is the DREES APL on the current geography
    (:func:`pipeline.store.queries.apl.apl_current`), the same table as the
    APL section reads, so that the comparison covers merged communes and the
    arrondissements' cities too. A territory none of whose communes has a
    polygon has no domain to model: the flow section only carries a French
    note and there is no access section.
    """
    fp = params.flows
    if not has_geometry(perimeter):
        return FlowsSection(origin="", kind="modele", params=fp, notes=[NO_POLYGON_NOTE],
                            unavailable=NO_POLYGON_NOTE), None
    points = domain_points(con, perimeter, dep, 2 * fp.cutoff_km)
    distances = distance_table(points, cutoff_km=fp.cutoff_km, detour=fp.detour_factor,
                               intra_factor=fp.intra_factor, default_intra_km=fp.default_intra_km)
    domain = set(points["code"])
    supply = offre[offre["commune"].isin(domain)].groupby(["commune", "groupe"], as_index=False)["etp_sites"].sum()
    supply = supply.rename(columns={"commune": "code", "etp_sites": "effectif"})
    supply["groupe"] = supply["groupe"].map(lambda g: _rate_key(g, dict(fp.rates)))
    supply = supply.dropna(subset=["groupe"])
    demand = points[["code", "population"]].fillna({"population": 0})

    notes: list[str] = []
    if options.flows is not None:
        mapping = geography.cog_mapping(con)
        staged = od_table.filter_known_codes(od_table.read_od_table(options.flows),
                                             dict(zip(mapping["code"], mapping["current_code"], strict=True)))
        notes.extend(od_table.problem_notes(staged))
        table = od_table.to_flow_table(staged)
        origin = f"table origine-destination fournie ({options.flows})"
        kind = "table"
    else:
        table = flows.huff_flows(demand, supply, distances, fp)
        origin = "modèle gravitaire de Huff (flux modélisés, pas des données de l'Assurance maladie)"
        kind = "modele"
    bv = geography.bassin_de_vie_of(con, domain)
    indicators = flows.territory_flow_indicators(table, territory.commune_codes, bv)
    lines = flows.main_flows(table, territory.commune_codes, top=15)
    coords = points[["code", "lon", "lat"]]
    lines = lines.merge(coords.rename(columns={"code": "origin", "lon": "lon_o", "lat": "lat_o"}), on="origin",
                        how="left")
    lines = lines.merge(coords.rename(columns={"code": "destination", "lon": "lon_d", "lat": "lat_d"}),
                        on="destination", how="left")
    # Names for the report and the tables, resolved here so that renderers only present.
    dest = indicators["destinations_exterieures"]
    names = geography.commune_names(con, set(dest["destination"].astype(str)) | set(lines["origin"].astype(str))
                                    | set(lines["destination"].astype(str)))
    dest = dest.assign(nom=dest["destination"].astype(str).map(names))[
        ["groupe", "destination", "nom", "volume", "part_des_residents"]]
    lines = lines.assign(nom_origine=lines["origin"].astype(str).map(names),
                         nom_destination=lines["destination"].astype(str).map(names))
    bvs = indicators.get("bassins_de_vie", pd.DataFrame())
    if not bvs.empty:
        labels = geography.bassin_de_vie_names(con, set(bvs["bassin_de_vie"].astype(str)))
        bvs.insert(1, "bassin_de_vie_nom", bvs["bassin_de_vie"].astype(str).map(labels))
    flow_section = FlowsSection(origin=origin, kind=kind, params=fp, synthesis=indicators["synthese"],
                                external_destinations=dest, bassins_de_vie=bvs, lines=lines, notes=notes)

    # APL approchée for GPs, its rank correlation with the official APL, and the what-if.
    steps, speed = dict(params.access.steps_minutes), params.access.speed_kmh
    gp_supply = supply[supply["groupe"] == _rate_key(GP, dict(fp.rates))]
    approx = access.approx_apl(demand, gp_supply, distances, supply_col="effectif", steps=steps, speed_kmh=speed)
    official = official_apl[(official_apl["annee"] == 2023) & (official_apl["niveau"] == "commune")][["code", "apl"]]
    inside = approx[approx["code"].isin(territory.commune_codes)]
    access_section = AccessSection(
        communes=inside.merge(official.rename(columns={"apl": "apl_officielle_2023"}), on="code", how="left"),
        spearman_territory=access.rank_correlation(inside, official),
        spearman_neighbourhood=access.rank_correlation(approx, official),
        unit=approx.attrs.get("unite", ""),
    )
    if options.what_if:
        changes = access.check_what_if_groups(options.what_if, sorted(set(supply["groupe"])))
        outside = [c.commune for c in changes if c.commune not in domain]
        if outside:
            raise PipelineError("Simulation : commune(s) hors du voisinage du territoire : " + ", ".join(outside))
        scenario = access.what_if(demand, supply, distances, changes, supply_col="effectif", steps=steps,
                                  speed_kmh=speed)
        access_section.simulation = scenario[scenario["code"].isin(territory.commune_codes)]
        access_section.changes = tuple(changes)
    return flow_section, access_section
