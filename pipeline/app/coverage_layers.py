"""The map layers of a coverage (perimeters, overlaps, white zones, atone territories, candidate perimeters), on
the units' polygons: arrondissements of Paris, Lyon and Marseille drawn as themselves."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from pipeline.analysis import indicators as ind
from pipeline.app.coverage_listings import NO_STATUT


def _dissolve(polygons: gpd.GeoDataFrame, groups: dict[str, list[str]], extra: dict[str, dict[str, Any]]
              ) -> gpd.GeoDataFrame:
    rows = []
    by_code = polygons.set_index("code").geometry
    for key, codes in groups.items():
        shapes = [by_code[c] for c in codes if c in by_code.index]
        if shapes:
            rows.append({"nom": key, **extra.get(key, {}), "geometry": shapely.union_all(shapes)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else gpd.GeoDataFrame(
        {"nom": []}, geometry=[], crs=4326)


def map_layers(all_polygons: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, population: pd.Series,
                claims: pd.DataFrame, unit_claims: pd.DataFrame, overlaps: pd.DataFrame, white: pd.DataFrame,
                atone: pd.DataFrame, candidates: pd.DataFrame, partial: set[str], status: pd.DataFrame,
                held_by: dict[str, str], beyond: dict[str, int | None]) -> dict[str, gpd.GeoDataFrame]:
    """Map layers, on unit polygons (arrondissements of Paris, Lyon, Marseille drawn as themselves).

    ``all_polygons`` holds the units of the zone and of every CPTS claiming
    one of them (CPTS that cross the zone boundary are drawn whole);
    ``polygons`` the zone's units only. Perimeters carry their area
    (``surface_km2``, sum of their units' polygon areas; unknown for a polygon holding a commune re-created since
    2018 without it, or that commune without it: ``held_by``), their population
    (``population``, from ``population`` per unit) and number of units, the area and the number unknown (NaN) for
    the CPTS of ``partial`` (names), their population with their communes outside the load (``beyond``:
    :func:`~pipeline.app.coverage_beyond.population_beyond_the_load`), and their listing's ``statut`` and ``date``
    (ISO text) from ``status`` (:func:`pipeline.app.coverage_listings.statuts`), as the overlaps do (``statut_a``…).
    """
    per_unit = claims.set_index("unit_code")[["n_cpts", "cpts"]]
    units = polygons[["code", "nom", "population", "geometry"]].merge(per_unit, left_on="code", right_index=True,
                                                                     how="left")
    units["n_cpts"] = units["n_cpts"].fillna(0).astype(int)
    units["cpts"] = [", ".join(v) if isinstance(v, list) else "" for v in units["cpts"]]
    perimeter_groups = unit_claims.groupby("cpts")["unit_code"].apply(lambda s: sorted(set(s.dropna()))).to_dict()
    by_code = all_polygons.drop_duplicates("code").set_index("code")
    # The identifier of the CSV tables, so that a GIS user joins the layer to them (names are apart: one per id).
    ids = unit_claims.drop_duplicates("cpts").set_index("cpts")["cpts_id"].astype(str)
    perimeter_extra = {
        cpts: {"cpts_id": ids[cpts], **_statut_of(status, ids[cpts]),
               # A polygon holding a commune re-created since 2018 counts only with it (indicators.units_area).
               **({"surface_km2": ind.units_area(codes, by_code["area_km2"], held_by),
                   "population": int(population.reindex(codes).fillna(0).sum()), "unites": len(codes)}
                  if cpts not in partial else {"surface_km2": math.nan, "population": math.nan
                                               if (out := beyond.get(ids[cpts])) is None
                                               else int(population.reindex(codes).fillna(0).sum()) + out,
                                               "unites": math.nan})}  # the fields in the same order (a review)
        for cpts, codes in perimeter_groups.items()
    }
    perimeters = _dissolve(all_polygons, perimeter_groups, perimeter_extra).rename(columns={"nom": "cpts"})
    if len(perimeters):  # whole counts, missing (<NA>) for a partial CPTS
        perimeters = perimeters.astype({"population": "Int64", "unites": "Int64"})
    overlap_groups = {f"{r.cpts_a} / {r.cpts_b}": sorted(set(r.shared_units)) for r in overlaps.itertuples()}
    overlap_extra = {f"{r.cpts_a} / {r.cpts_b}": {
        "population": r.shared_population,
        **{f"{key}_{side}": value for side in ("a", "b")
           for key, value in _statut_of(status, getattr(r, f"cpts_id_{side}")).items()}}
        for r in overlaps.itertuples()}
    white_geo = units[units["code"].isin(set(white["unit_code"])) & (units["n_cpts"] == 0)]
    atone_groups = {r.territoire: list(r.communes) for r in atone.itertuples()}
    atone_extra = {r.territoire: {"population": r.population} for r in atone.itertuples()}
    candidate_groups = {r.proposition: list(r.communes) for r in candidates.itertuples()} if len(candidates) else {}
    candidate_extra = {r.proposition: {"population": r.population} for r in candidates.itertuples()} \
        if len(candidates) else {}
    return {
        "units": units,
        "perimeters": perimeters,
        "overlaps": _whole_population(_dissolve(polygons, overlap_groups, overlap_extra)),
        "white": white_geo,
        "atone": _whole_population(_dissolve(polygons, atone_groups, atone_extra)),
        "candidates": _whole_population(_dissolve(polygons, candidate_groups, candidate_extra)),
    }


def _statut_of(status: pd.DataFrame, cpts_id: str) -> dict[str, str | None]:
    """``statut`` and ``date`` (ISO text, or None) of one CPTS, for a map layer (a GeoPackage field)."""
    if cpts_id not in status.index:
        return {"statut": NO_STATUT, "date": None}
    day = status.at[cpts_id, "date"]
    return {"statut": str(status.at[cpts_id, "statut"]), "date": None if day is None else day.isoformat()}


def _whole_population(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``layer`` with its ``population`` as whole inhabitants (the GeoPackage wrote 16380.0), missing kept."""
    if "population" not in layer or not len(layer):
        return layer
    return layer.assign(population=pd.to_numeric(layer["population"], errors="coerce").round().astype("Int64"))
