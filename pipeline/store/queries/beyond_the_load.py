"""Questions about the communes of the départements the database was not loaded for (``communes_hors_chargement``,
``cog_mapping_hors_chargement``, ``noms_communes``, ``population_france``).

A database loaded with ``make data --departements`` knows where every other commune of France lies (a point
inside it), its names, its population, and the outline of those that border a loaded commune; it knows nothing
else of them (supply, CPTS). The first two tables are empty after a load of the whole of France.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from pipeline.store.connection import read_geo
from pipeline.store.frames import read_frame
from pipeline.store.queries import code_list

if TYPE_CHECKING:
    import geopandas as gpd

_BOX = "lon BETWEEN $x0 AND $x1 AND lat BETWEEN $y0 AND $y1"


def _box(bounds: tuple[float, float, float, float], margin_deg: float) -> dict[str, object]:
    xmin, ymin, xmax, ymax = bounds
    return {"x0": xmin - margin_deg, "x1": xmax + margin_deg, "y0": ymin - margin_deg, "y1": ymax + margin_deg}


def points_near(
    con: duckdb.DuckDBPyConnection, bounds: tuple[float, float, float, float], margin_deg: float
) -> pd.DataFrame:
    """``code, departement, lon, lat`` of the communes outside the load whose point lies in ``bounds`` enlarged
    by ``margin_deg``."""
    return read_frame(con, f"SELECT code, departement, lon, lat FROM communes_hors_chargement WHERE {_BOX} "
                           "ORDER BY code", _box(bounds, margin_deg))


def borders_near(
    con: duckdb.DuckDBPyConnection, bounds: tuple[float, float, float, float], margin_deg: float
) -> gpd.GeoDataFrame:
    """``code, departement`` and polygon (EPSG:4326) of the communes outside the load that border a loaded one,
    whose point lies in ``bounds`` enlarged by ``margin_deg``."""
    return read_geo(con, f"SELECT code, departement, geometry FROM communes_hors_chargement "
                         f"WHERE geometry IS NOT NULL AND {_BOX} ORDER BY code", _box(bounds, margin_deg))


def current_communes(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, str]:
    """The current commune of each of ``codes`` outside the load that the COG knows (``cog_mapping_hors_chargement``):
    a code merged since maps to the commune it belongs to (05088 → 05024)."""
    frame = read_frame(con, "SELECT code, current_code FROM cog_mapping_hors_chargement "
                            "WHERE code = ANY($codes::VARCHAR[]) ORDER BY code", {"codes": code_list(codes)})
    return dict(zip(frame["code"].astype(str), frame["current_code"].astype(str), strict=True))


def commune_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``noms_communes``: every name of a commune of France in the current COG, loaded or not: ``code``, ``kind``
    (``actuelle``, ``arrondissement``, ``deleguee``, ``associee``), ``nom``, ``current_code``, ``departement``,
    ``charge`` (its current commune's département is loaded)."""
    return read_frame(con, "SELECT code, kind, nom, current_code, departement, charge FROM noms_communes "
                           "ORDER BY code, kind")


def former_commune_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The communes déléguées and associées of :func:`commune_names` (those keeping their commune nouvelle's code
    included), same columns."""
    return read_frame(con, "SELECT code, kind, nom, current_code, departement, charge FROM noms_communes "
                           "WHERE kind IN ('deleguee', 'associee') ORDER BY code, kind")


def population_of(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> int | None:
    """The population of these current communes or arrondissements of France, loaded or not (``population_france``,
    the current package's); None when one of them has none there (a code that is neither)."""
    wanted = code_list(codes)
    row = con.execute("SELECT count(population), coalesce(sum(population), 0) FROM population_france "
                      "WHERE code = ANY(?::VARCHAR[])", [wanted]).fetchall()[0]
    return int(row[1]) if int(row[0]) == len(wanted) else None


def population_where(con: duckdb.DuckDBPyConnection, level: str, codes: Iterable[str]) -> int | None:
    """The population of these départements' or régions' (``level`` « departement » or « region ») current
    communes, loaded or not; None when one of them has none."""
    column = {"departement": "departement", "region": "region"}[level]
    row = con.execute(f"SELECT count(*) = count(population), coalesce(sum(population), 0) FROM population_france "
                      f"WHERE {column} = ANY(?::VARCHAR[]) AND code = commune", [code_list(codes)]).fetchall()[0]
    return int(row[1]) if row[0] else None


def populations(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, int]:
    """The population of each of these current communes or arrondissements of France, loaded or not, that has one
    (``population_france``)."""
    frame = read_frame(con, "SELECT code, population FROM population_france WHERE code = ANY($codes::VARCHAR[]) "
                            "AND population IS NOT NULL", {"codes": code_list(codes)})
    return dict(zip(frame["code"].astype(str), frame["population"].astype("int64").tolist(), strict=True))


def current_names(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, str]:
    """The name of each of these current communes or arrondissements of France, loaded or not (``noms_communes``)."""
    frame = read_frame(con, "SELECT code, nom FROM noms_communes WHERE kind IN ('actuelle', 'arrondissement') "
                            "AND code = ANY($codes::VARCHAR[]) ORDER BY code", {"codes": code_list(codes)})
    return dict(zip(frame["code"].astype(str), frame["nom"].astype(str), strict=True))


def units_with_regions(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> pd.DataFrame:
    """``code, departement, region, population`` of these current communes or arrondissements of France, loaded or
    not (``population_france``)."""
    return read_frame(con, "SELECT code, departement, region, population FROM population_france "
                           "WHERE code = ANY($codes::VARCHAR[]) ORDER BY code", {"codes": code_list(codes)})
