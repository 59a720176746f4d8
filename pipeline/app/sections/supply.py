"""Supply section (Annuaire Santé, FINESS structures) and the establishments near the territory."""

from __future__ import annotations

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.analysis import indicators as ind
from pipeline.model.diagnostic import PopulationSection, SupplySection
from pipeline.store.queries import establishments as establishment_queries
from pipeline.store.queries import supply as supply_queries


def supply_section(
    con: duckdb.DuckDBPyConnection, communes: list[str], population: PopulationSection, offre: pd.DataFrame
) -> SupplySection:
    """Head counts per Trame group, densities against the département, région and France."""
    refs = population.references.set_index("zone")["population"]
    zones = list(refs.index)
    table = ind.supply_by_group(supply_queries.offre_territoire(con, communes), population.total)
    for label, zone, reference in (
        ("departement", {"departement": population.departement}, refs[zones[1]]),
        ("region", {"region": population.region}, refs[zones[2]]),
        ("france", {}, refs[zones[3]]),
    ):
        counts = supply_queries.effectifs_zone(con, **zone)
        other = ind.supply_by_group(counts, float(reference)).set_index("groupe")["densite_10000"]
        table[f"densite_{label}"] = table["groupe"].map(other)
    per_unit = (offre[offre["commune"].isin(communes)]
                .groupby(["commune", "groupe"], as_index=False)["etp_sites"].sum()
                .rename(columns={"commune": "code", "etp_sites": "effectif"}))
    return SupplySection(
        table=table,
        by_recours=supply_queries.offre_par_recours(con, communes),
        by_mode=supply_queries.offre_par_mode(con, communes),
        per_unit=per_unit,
    )


def professionals_count(con: duckdb.DuckDBPyConnection, communes: list[str]) -> int:
    """Distinct health professionals with a site in the territory (taille 4++, seed 002)."""
    return supply_queries.professionnels_sante(con, communes)


def establishments_near(
    con: duckdb.DuckDBPyConnection, perimeter: gpd.GeoDataFrame, codes: list[str], crs: int, near_km: float
) -> pd.DataFrame | None:
    """Establishments in the territory, and those within ``near_km`` of its perimeter."""
    table = establishment_queries.establishments(con)
    if table.empty:
        return None
    located = table.dropna(subset=["lon", "lat"])
    geometry = perimeter.geometry.iloc[0]
    if geometry is None or geometry.is_empty:
        return table[table["commune"].isin(codes)].assign(dans_territoire=True, distance_km=0.0)
    # A degree of latitude is 111 km and one of longitude at least 70 km in metropolitan France:
    # only the establishments of the enlarged bounding box are projected.
    xmin, ymin, xmax, ymax = geometry.bounds
    margin = near_km / 70
    box = located[located["lon"].between(xmin - margin, xmax + margin)
                  & located["lat"].between(ymin - margin, ymax + margin)]
    points = gpd.GeoDataFrame(box, geometry=gpd.points_from_xy(box["lon"], box["lat"]), crs=4326)
    projected = perimeter.to_crs(crs).geometry.iloc[0]
    distance = points.to_crs(crs).distance(projected) / 1000
    inside = points["commune"].isin(codes)
    keep = inside | (distance <= near_km)
    out = pd.DataFrame(points[keep].drop(columns="geometry"))
    out["dans_territoire"] = inside[keep].to_numpy()
    out["distance_km"] = np.where(out["dans_territoire"], 0.0, distance[keep].round(1))
    unlocated = table[table["lon"].isna() & table["commune"].isin(codes)]
    if len(unlocated):
        out = pd.concat([out, unlocated.assign(dans_territoire=True, distance_km=0.0)], ignore_index=True)
    return out.sort_values(["dans_territoire", "groupe", "nom"], ascending=[False, True, True]).reset_index(drop=True)
