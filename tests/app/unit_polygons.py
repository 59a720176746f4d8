"""Known answers of the comparison's uncovered neighbours: the listings' members and the communes' polygons,
read straight from a database (not through the pipeline's queries)."""

from __future__ import annotations

import duckdb
import geopandas as gpd
import pandas as pd
import shapely


def members_and_polygons(con: duckdb.DuckDBPyConnection, departements: tuple[str, ...],
                         crs: int) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """``cpts, unit_code`` of every listing, and ``code, population`` with the polygons of ``departements``
    (latest legal population) projected in ``crs``; closes ``con``."""
    try:
        members = con.execute("SELECT cpts, unit_code FROM cpts_membres").df()
        rows = con.execute("SELECT p.code, c.population, p.geometry AS wkb FROM commune_polygons p JOIN communes c "
                           "ON c.code = p.code AND c.vintage = (SELECT max(vintage) FROM communes) "
                           "WHERE list_contains(?, c.departement)", [list(departements)]).df()
    finally:
        con.close()
    polygons = gpd.GeoDataFrame(rows[["code", "population"]], geometry=shapely.from_wkb(rows["wkb"].map(bytes)),
                                crs=4326).to_crs(crs)
    return members, polygons
