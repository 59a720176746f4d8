"""Whether a territory's modelled figures reach communes of départements the database was not loaded for.

The flow model and the APL approchée let residents consult any professional within the model's cutoff
(60 km). On a database loaded for some départements only (``make data --departements``), the communes beyond
them are absent from the model: neither their residents nor their professionals. Near such a border the
self-containment is overestimated (Verdon on a database without the Var: 81.6 % instead of 70.4 %), the
attraction underestimated, and the candidate communes and those « à examiner » of the missing side are not
seen. The diagnostic says so, and which départements to load.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb
import geopandas as gpd

from pipeline.geography import load_command, projected_crs
from pipeline.store.queries import beyond_the_load


def departements_within(
    con: duckdb.DuckDBPyConnection, perimeter: gpd.GeoDataFrame, departement: str, distance_km: float
) -> tuple[str, ...]:
    """Départements not loaded that have a commune (its point inside it) within ``distance_km`` of the
    perimeter; empty on a database of the whole of France."""
    points = beyond_the_load.points_near(con, tuple(perimeter.total_bounds), margin_deg=distance_km / 70)
    if points.empty:
        return ()
    crs = projected_crs(departement)
    located = gpd.GeoSeries(gpd.points_from_xy(points["lon"], points["lat"]), crs=4326).to_crs(crs)
    reach = perimeter.to_crs(crs).geometry.iloc[0].buffer(distance_km * 1000)
    inside = located.within(reach).to_numpy()
    return tuple(sorted(set(points.loc[inside, "departement"].astype(str))))


def flows_note(missing: tuple[str, ...], distance_km: float, loaded: Collection[str]) -> str:
    """The caveat of modelled flows that reach départements not loaded (``missing``)."""
    return (f"flux modélisés incomplets : des départements non chargés dans la base sont à moins de "
            f"{distance_km:g} km ({', '.join(missing)}) ; le modèle ne voit ni leurs habitants ni leurs "
            "professionnels, d'où un auto-confinement surestimé, une attraction sous-estimée, des communes "
            "candidates ou à examiner manquantes et une APL approchée incomplète "
            f"({load_command(loaded, missing)})")


def apl_note(missing: tuple[str, ...], distance_km: float) -> str:
    """The caveat of the APL approchée when the flows come from a table (``FLUX=``) but the APL is modelled."""
    return (f"APL approchée incomplète : des départements non chargés dans la base sont à moins de "
            f"{distance_km:g} km ({', '.join(missing)}) ; elle ne compte ni leurs habitants ni leurs professionnels")


def zone_note(missing: tuple[str, ...], distance_km: float, loaded: Collection[str]) -> str:
    """The editor's caveat: its zone lies within the model's reach of départements not loaded."""
    return (f"Des départements non chargés dans la base sont à moins de {distance_km:g} km de la zone "
            f"({', '.join(missing)}) : le modèle de recours ne voit ni leurs habitants ni leurs professionnels, et "
            f"l'auto-confinement d'un périmètre proche d'eux est surestimé ({load_command(loaded, missing)}).")
