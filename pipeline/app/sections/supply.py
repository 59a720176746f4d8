"""Supply section (Annuaire Santé, FINESS structures) and the establishments near the territory."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.analysis import indicators as ind
from pipeline.app.sections.units import CITY_NAMES, split_cities, unit_of_rows
from pipeline.model.diagnostic import CONTRADICTION_KM, PopulationSection, SupplySection
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


def unplaced_notes(con: duckdb.DuckDBPyConnection, units: list[str], registry: bool = True) -> list[str]:
    """French notes on the practitioners and establishments of a split city whose arrondissement is unknown.

    A territory holding some arrondissements of Paris, Lyon or Marseille
    counts those placed in its arrondissements; the rows of the city whose
    postal code names no arrondissement are in none of them. ``registry``:
    whether an Annuaire Santé extraction is loaded (without one the
    practitioners are not known, not « 0 »).
    """
    cities = split_cities(units)
    if not cities:
        return []
    notes = []
    for row in supply_queries.sans_arrondissement(con, cities).itertuples():
        practitioners = row.praticiens if registry else 0
        if not (practitioners or row.etablissements):
            continue
        counted = [f"{count} {agree(count, one, many)}" for count, one, many in (
            (practitioners, "professionnel", "professionnels"),
            (row.etablissements, "établissement", "établissements")) if count]
        verb = "n'est compté" if practitioners + row.etablissements == 1 else "ne sont comptés"
        notes.append(
            f"{CITY_NAMES.get(str(row.commune), row.commune)} : {' et '.join(counted)} sans arrondissement "
            f"déterminé (code postal absent ou non propre à un arrondissement) {verb} dans aucun arrondissement du "
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
        return table[in_territory].assign(dans_territoire=True, distance_km=0.0,
                                          coordonnees_dans_le_territoire=pd.NA, coordonnees_contradictoires=False)
    # A degree of latitude is 111 km and one of longitude at least 70 km in metropolitan France:
    # only the establishments of the enlarged bounding box are projected.
    xmin, ymin, xmax, ymax = geometry.bounds
    margin = near_km / 70
    box = located[located["lon"].between(xmin - margin, xmax + margin)
                  & located["lat"].between(ymin - margin, ymax + margin)]
    points = gpd.GeoDataFrame(box, geometry=gpd.points_from_xy(box["lon"], box["lat"]), crs=4326)
    projected = perimeter.to_crs(crs).geometry.iloc[0]
    xy = points.to_crs(crs)
    distance = xy.distance(projected) / 1000
    inside = in_territory.loc[points.index]
    keep = inside | (distance <= near_km)
    out = pd.DataFrame(points[keep].drop(columns="geometry"))
    out["dans_territoire"] = inside[keep].to_numpy()
    # Outside by its commune (or with none), inside by its coordinates, deeper than geocoding's slack: the file
    # contradicts itself. « 0,0 km » would place it at the territory's edge: its distance is not known.
    depth = xy[keep].distance(projected.boundary) / 1000
    contradicted = ~out["dans_territoire"].to_numpy() & (distance[keep] == 0).to_numpy() & (
        depth > CONTRADICTION_KM).to_numpy()
    # What the coordinates say, whatever the commune (a review: « non » for the establishments of the territory
    # lying in it, when the column only flagged contradictions).
    out["coordonnees_dans_le_territoire"] = (distance[keep] == 0).to_numpy()
    out["coordonnees_contradictoires"] = contradicted
    out["distance_km"] = np.where(out["dans_territoire"], 0.0,
                                  np.where(contradicted, np.nan, distance[keep].round(1)))
    # In the territory by its commune, whatever its coordinates say: none, or far from its commune.
    elsewhere = table[in_territory & ~table.index.isin(out.index[out["dans_territoire"]])]
    if len(elsewhere):
        # Outside the searched box (far away: « non »), or without coordinates (not known).
        located = elsewhere["lon"].notna() & elsewhere["lat"].notna()
        out = pd.concat([out, elsewhere.assign(dans_territoire=True, distance_km=0.0,
                                               coordonnees_dans_le_territoire=pd.Series(
                                                   pd.NA, index=elsewhere.index, dtype="boolean").mask(located, False),
                                               coordonnees_contradictoires=False)], ignore_index=True)
    out["coordonnees_dans_le_territoire"] = out["coordonnees_dans_le_territoire"].astype("boolean")
    return out.sort_values(["dans_territoire", "groupe", "nom"], ascending=[False, True, True]).reset_index(drop=True)
