"""Overlaps and neighbours: other CPTS sharing units with the territory, or touching its perimeter."""

from __future__ import annotations

from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline.model import Territory
from pipeline.store.queries import geography, listings

COLUMNS = ["liste", "cpts", "unites_communes", "population_commune", "limitrophe"]


def neighbours(
    con: duckdb.DuckDBPyConnection, territory: Territory, perimeter: gpd.GeoDataFrame, members: pd.DataFrame
) -> pd.DataFrame:
    """One row per other CPTS: shared units and population, and whether it touches the perimeter."""
    if members.empty:
        return pd.DataFrame(columns=COLUMNS)
    if territory.cpts is not None:
        members = members[~((members["cpts"] == territory.cpts) & (members["listing"] == territory.listing))]
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
    if geometry is not None and not geometry.is_empty:
        polygons = geography.polygons_near(con, geometry.bounds, margin_deg=0.01)
        touching = polygons[polygons.intersects(geometry.buffer(0.002))]["code"]
        near = members[members["commune_code"].isin(set(touching) - communes)]
        for (listing, cpts), _ in near.groupby(["listing", "cpts"]):
            row = rows.setdefault((listing, cpts), {"liste": listing, "cpts": cpts, "unites_communes": "",
                                                    "population_commune": 0, "limitrophe": True})
            row["limitrophe"] = True
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    return frame.sort_values(["population_commune", "cpts"], ascending=[False, True]).reset_index(drop=True)


def neighbour_shapes(
    con: duckdb.DuckDBPyConnection, table: pd.DataFrame, members: pd.DataFrame
) -> gpd.GeoDataFrame | None:
    """Perimeters of the neighbouring CPTS (union of their communes), for the map."""
    if table.empty or members.empty:
        return None
    wanted = members[members["cpts"].isin(set(table["cpts"]))]
    polygons = geography.polygons_for(con, sorted(set(wanted["commune_code"].dropna())))
    rows = []
    for row in table.itertuples():
        codes = wanted.loc[(wanted["listing"] == row.liste) & (wanted["cpts"] == row.cpts), "commune_code"]
        shape = polygons[polygons["code"].isin(set(codes))]
        if len(shape):
            rows.append({"nom": row.cpts, "geometry": shape.geometry.union_all()})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else None


#: Order of the anomalies in the report: what changes the perimeter first.
ANOMALY_ORDER = ["homonyme_probable", "hors_france", "coordonnees_inversees", "code_invalide", "code_inconnu",
                 "code_sans_correspondance", "doublon", "identifiant_incoherent", "code_ancien", "code_zero_restaure",
                 "commune_a_arrondissements", "multi_departements", "multi_regions", "nom_proche", "nom_suspect",
                 "note_crs"]


def listing_anomalies(con: duckdb.DuckDBPyConnection, territory: Territory) -> pd.DataFrame | None:
    """What the CPTS's listing reports about this CPTS (``kind, code, line, detail_fr``); None if not a CPTS."""
    if territory.cpts is None:
        return None
    found = listings.anomalies(con)
    mine = found[(found["listing"] == territory.listing) & (found["cpts"] == territory.cpts)]
    rank = mine["kind"].map({k: i for i, k in enumerate(ANOMALY_ORDER)}).fillna(len(ANOMALY_ORDER))
    ordered = mine.assign(_rank=rank).sort_values(["_rank", "line"], kind="stable")
    return ordered[["kind", "code", "line", "detail_fr"]].reset_index(drop=True)
