"""Coordinate reference systems and geometry (de)serialisation.

Distances and areas are computed in a projected CRS: Lambert 93
(EPSG:2154) for metropolitan France, and each DROM's local CRS (the RGAF09,
RGFG95, RGR92 and RGM04 UTM projections used by IGN for those territories).
"""

from __future__ import annotations

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

LAMBERT93 = 2154
WGS84 = 4326

# Département code -> local projected CRS (IGN references for the DROM).
DROM_CRS: dict[str, int] = {
    "971": 5490,  # RGAF09 / UTM 20N (Guadeloupe)
    "972": 5490,  # RGAF09 / UTM 20N (Martinique)
    "973": 2972,  # RGFG95 / UTM 22N (Guyane)
    "974": 2975,  # RGR92 / UTM 40S (La Réunion)
    "976": 4471,  # RGM04 / UTM 38S (Mayotte)
}


def projected_crs(departement: str) -> int:
    """The projected CRS in which to measure a commune of ``departement``."""
    return DROM_CRS.get(str(departement)[:3], LAMBERT93)


def to_lambert93(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(LAMBERT93)


def to_local(frame: gpd.GeoDataFrame, departement_column: str = "departement") -> list[gpd.GeoDataFrame]:
    """Split a national frame into one frame per projected CRS (metropole, each DROM)."""
    crs = frame[departement_column].astype(str).map(projected_crs)
    return [frame[crs == code].to_crs(code) for code in sorted(crs.unique())]


def to_wkb(geometries: gpd.GeoSeries) -> list[bytes]:
    return list(shapely.to_wkb(geometries.values))


def from_wkb(frame: pd.DataFrame, column: str = "geometry") -> gpd.GeoDataFrame:
    """Build a GeoDataFrame in EPSG:4326 from a WKB column read from DuckDB."""
    geometry = shapely.from_wkb([bytes(value) if value is not None else None for value in frame[column]])
    return gpd.GeoDataFrame(frame.drop(columns=column), geometry=geometry, crs=WGS84)


def read_geo(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> gpd.GeoDataFrame:
    """Run a query returning a WKB ``geometry`` column; return a GeoDataFrame (EPSG:4326)."""
    return from_wkb(con.execute(sql, params or []).df())
