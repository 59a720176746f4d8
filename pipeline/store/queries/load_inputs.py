"""Questions the ``make data`` steps ask of what is already loaded: the communes' points and boxes, the polygons'
residue, the units the demonstration generator places its practitioners and establishments in."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.store.queries import current_vintage


def commune_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Current communes with a polygon: ``code, nom, population, departement, lon, lat`` (representative points)."""
    return con.execute(
        """SELECT c.code, c.nom, c.population, c.departement, p.lon, p.lat FROM communes c
           JOIN commune_polygons p ON p.code = c.code
           WHERE c.vintage = ? AND c.type = 'commune-actuelle'""",
        [current_vintage()],
    ).df()


def points_beyond_the_load(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Communes of the départements not loaded: ``code, nom, departement, lon, lat`` (``nom`` NULL: the database
    holds their place, not their name)."""
    return con.execute(
        "SELECT code, CAST(NULL AS VARCHAR) AS nom, departement, lon, lat FROM communes_hors_chargement ORDER BY code"
    ).df()


def commune_bounds(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Bounding box (lon/lat) of each current commune's polygon: ``code, xmin, ymin, xmax, ymax``."""
    return con.execute(
        """SELECT p.code, p.xmin, p.ymin, p.xmax, p.ymax FROM commune_polygons p
           JOIN communes c ON c.code = p.code AND c.vintage = ? AND c.type = 'commune-actuelle'""",
        [current_vintage()],
    ).df()


def polygon_residue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM polygon_residue ORDER BY kind, code").df()


def demo_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Units for the demonstration generator: current communes with a polygon (their representative point
    places establishments) and the arrondissements of Paris, Lyon and Marseille (which place the cities'
    practitioners, and establishments at their own representative point when their polygons are loaded):
    ``code, nom, type, parent, population, departement, codes_postaux, lon, lat``."""
    return con.execute(
        """SELECT c.code, c.nom, c.type, c.parent, c.population, c.departement, c.codes_postaux,
                  coalesce(p.lon, a.lon) AS lon, coalesce(p.lat, a.lat) AS lat
           FROM communes c LEFT JOIN commune_polygons p ON p.code = c.code
           LEFT JOIN arrondissement_polygons a ON a.code = c.code
           WHERE c.vintage = ? AND ((c.type = 'commune-actuelle' AND p.code IS NOT NULL)
                                    OR c.type = 'arrondissement-municipal')""",
        [current_vintage()],
    ).df()
