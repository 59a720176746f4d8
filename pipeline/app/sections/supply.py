"""Supply section (Annuaire Santé, FINESS structures) and the establishments near the territory."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.analysis import indicators as ind
from pipeline.app.sections.units import CITY_NAMES, split_cities, unit_of_rows
from pipeline.model.diagnostic import PopulationSection, SupplySection
from pipeline.render.sections.common import agree
from pipeline.store.queries import establishments as establishment_queries
from pipeline.store.queries import supply as supply_queries


def supply_section(
    con: duckdb.DuckDBPyConnection, units: list[str], population: PopulationSection,
    zone_supply: Callable[..., pd.DataFrame] | None = None,
) -> SupplySection:
    """Head counts per Trame group, densities against the département, région and France.

    ``units`` are the territory's unit codes: an arrondissement counts the
    practitioners placed in it, a commune (or a city held whole) those of
    the commune (:mod:`pipeline.app.sections.units`). ``zone_supply`` gives the head counts of a
    département, a région or France (keywords as :func:`pipeline.store.queries.supply.effectifs_zone`,
    which is the default), so that a batch reads each area once.
    """
    counts_of = zone_supply or (lambda **zone: supply_queries.effectifs_zone(con, **zone))
    refs = population.references.set_index(["niveau", "code"])["population"]
    table = ind.supply_by_group(supply_queries.offre_territoire(con, units), population.total)
    for label, zone, reference in (
        ("departement", {"departement": population.departement}, refs[("departement", population.departement)]),
        ("region", {"region": population.region}, refs.get(("region", population.region), float("nan"))),
        ("france", {}, refs[("france", "")]),
    ):
        counts = counts_of(**zone)
        other = ind.supply_by_group(counts, float(reference)).set_index("groupe")["densite_10000"]
        table[f"densite_{label}"] = table["groupe"].map(other)
    per_unit = supply_queries.praticiens_par_unite(con, units)
    return SupplySection(
        table=table,
        by_recours=supply_queries.offre_par_recours(con, units),
        by_mode=supply_queries.offre_par_mode(con, units),
        per_unit=per_unit,
    )


def professionals_count(con: duckdb.DuckDBPyConnection, units: list[str]) -> int:
    """Distinct health professionals with a site in the territory (taille 4++, seed 002)."""
    return supply_queries.professionnels_sante(con, units)


def unplaced_notes(con: duckdb.DuckDBPyConnection, units: list[str]) -> list[str]:
    """French notes on the practitioners and establishments of a split city whose arrondissement is unknown.

    A territory holding some arrondissements of Paris, Lyon or Marseille
    counts those placed in its arrondissements; the rows of the city whose
    postal code names no arrondissement are in none of them.
    """
    cities = split_cities(units)
    if not cities:
        return []
    notes = []
    for row in supply_queries.sans_arrondissement(con, cities).itertuples():
        if row.praticiens or row.etablissements:
            notes.append(
                f"{CITY_NAMES.get(str(row.commune), row.commune)} : {row.praticiens} "
                f"{agree(row.praticiens, 'professionnel', 'professionnels')} et {row.etablissements} "
                f"{agree(row.etablissements, 'établissement', 'établissements')} sans arrondissement déterminé "
                "(code postal absent ou non propre à un arrondissement) ne sont comptés dans aucun arrondissement du "
                "territoire")
    return notes


def establishments_near(
    con: duckdb.DuckDBPyConnection, perimeter: gpd.GeoDataFrame, codes: list[str], crs: int, near_km: float,
    every_establishment: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """Establishments in the territory (by unit, ``codes``), and those within ``near_km`` of its perimeter.

    The perimeter is the union of the unit polygons (arrondissements drawn as
    themselves), so that « near » is measured from the territory's own edge.
    ``every_establishment``: the whole FINESS table when the caller has read
    it already (a batch); read here when None.
    """
    table = establishment_queries.establishments(con) if every_establishment is None else every_establishment
    if table.empty:
        return None
    located = table.dropna(subset=["lon", "lat"])
    geometry = perimeter.geometry.iloc[0]
    in_territory = unit_of_rows(table, codes).notna()
    if geometry is None or geometry.is_empty:
        return table[in_territory].assign(dans_territoire=True, distance_km=0.0)
    # A degree of latitude is 111 km and one of longitude at least 70 km in metropolitan France:
    # only the establishments of the enlarged bounding box are projected.
    xmin, ymin, xmax, ymax = geometry.bounds
    margin = near_km / 70
    box = located[located["lon"].between(xmin - margin, xmax + margin)
                  & located["lat"].between(ymin - margin, ymax + margin)]
    points = gpd.GeoDataFrame(box, geometry=gpd.points_from_xy(box["lon"], box["lat"]), crs=4326)
    projected = perimeter.to_crs(crs).geometry.iloc[0]
    distance = points.to_crs(crs).distance(projected) / 1000
    inside = in_territory.loc[points.index]
    keep = inside | (distance <= near_km)
    out = pd.DataFrame(points[keep].drop(columns="geometry"))
    out["dans_territoire"] = inside[keep].to_numpy()
    out["distance_km"] = np.where(out["dans_territoire"], 0.0, distance[keep].round(1))
    # In the territory by its commune, whatever its coordinates say: none, or far from its commune.
    elsewhere = table[in_territory & ~table.index.isin(out.index[out["dans_territoire"]])]
    if len(elsewhere):
        out = pd.concat([out, elsewhere.assign(dans_territoire=True, distance_km=0.0)], ignore_index=True)
    return out.sort_values(["dans_territoire", "groupe", "nom"], ascending=[False, True, True]).reset_index(drop=True)
