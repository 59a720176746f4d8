"""Questions about the loaded CPTS listings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from pipeline.store.connection import read_geo
from pipeline.store.queries import current_vintage

if TYPE_CHECKING:  # annotations only (read_geo builds the frame)
    import geopandas as gpd


def members(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every member unit of every loaded listing (columns of ``cpts_membres``).

    ``cpts_id`` identifies a CPTS across listings (one present in two listings counts once), but only where
    it names one CPTS: ARS spreadsheets number their rows 1, 2, 3…, and two listings' « 1 » are two CPTS.
    An id carried by several names (case, accents and spaces aside) becomes « id · name ».
    """
    return con.execute(
        """
        SELECT * REPLACE (
            CASE WHEN count(DISTINCT lower(strip_accents(trim(cpts)))) OVER (PARTITION BY cpts_id) > 1
                 THEN cpts_id || ' · ' || cpts ELSE cpts_id END AS cpts_id)
        FROM cpts_membres ORDER BY listing, cpts, unit_code
        """
    ).df()


def cpts_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``cpts, listing`` of every loaded CPTS."""
    return con.execute("SELECT DISTINCT cpts, listing FROM cpts_membres ORDER BY listing, cpts").df()


def memberless_codes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``listing, cpts, kind, code`` of the listed codes of the CPTS without any loaded unit (their communes all
    outside the loaded départements, or unknown), one row per anomaly with a code."""
    return con.execute(
        "SELECT listing, cpts, kind, code FROM cpts_anomalies a WHERE cpts IS NOT NULL AND code IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM cpts_membres m WHERE m.listing = a.listing AND m.cpts = a.cpts) "
        "ORDER BY listing, cpts, code").df()


def memberless_drawn(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``listing, cpts, detail_fr`` of the anomalies without a code of the drawn CPTS without any loaded unit (a
    perimeter drawn outside the loaded départements, or over no commune), in the listing's order."""
    return con.execute(
        "SELECT listing, cpts, detail_fr FROM cpts_anomalies a WHERE cpts IS NOT NULL AND code IS NULL "
        "AND EXISTS (SELECT 1 FROM cpts_perimetres p WHERE p.listing = a.listing AND p.cpts = a.cpts) "
        "AND NOT EXISTS (SELECT 1 FROM cpts_membres m WHERE m.listing = a.listing AND m.cpts = a.cpts) "
        "ORDER BY listing, rang").df()


def member_units(con: duckdb.DuckDBPyConnection, cpts: str, listing: str) -> list[str]:
    """Unit codes of one CPTS of one listing."""
    return [str(c) for c in con.execute(
        "SELECT unit_code FROM cpts_membres WHERE cpts = ? AND listing = ? ORDER BY unit_code", [cpts, listing]
    ).df()["unit_code"]]


def listing_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the loaded listings, those whose CPTS all lie outside the load included (known from the anomalies
    naming them, as :func:`listing_sizes` counts them: a review got « Liste de CPTS inconnue » for one)."""
    rows = con.execute(
        "SELECT DISTINCT listing FROM (SELECT listing FROM cpts_membres UNION SELECT listing FROM cpts_perimetres "
        "UNION SELECT listing FROM cpts_anomalies WHERE cpts IS NOT NULL) ORDER BY listing").fetchall()
    return [str(r[0]) for r in rows]


def listing_sizes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """``(listing, number of CPTS)`` of every loaded listing, in name order; a CPTS without any loaded unit (its
    communes all outside the load) counts, from the anomalies that name it."""
    rows = con.execute(
        "SELECT listing, count(DISTINCT cpts) FROM (SELECT listing, cpts FROM cpts_membres "
        "UNION ALL SELECT listing, cpts FROM cpts_perimetres UNION ALL SELECT listing, cpts FROM cpts_anomalies "
        "WHERE cpts IS NOT NULL) GROUP BY listing ORDER BY listing").fetchall()
    return [(str(name), int(count)) for name, count in rows]


def anomalies(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Anomalies of the loaded listings: ``listing, kind, cpts, code, line, detail_fr``."""
    return con.execute(
        "SELECT listing, kind, cpts, code, line, detail_fr FROM cpts_anomalies ORDER BY listing, rang").df()


def without_members(con: duckdb.DuckDBPyConnection, listing: str) -> dict[str, list[str]]:
    """CPTS of a listing that have no loaded unit, in name order, with the kinds of their anomalies.

    A perimeter drawn where no loaded commune lies (no anomaly kind), or a CPTS whose communes are all unknown
    or outside the départements of the database: it has anomalies (or a drawn perimeter) but no member.
    """
    rows = con.execute(
        "SELECT cpts, list(DISTINCT kind ORDER BY kind) FILTER (WHERE kind IS NOT NULL) FROM ("
        "  SELECT cpts, kind FROM cpts_anomalies WHERE listing = $l AND cpts IS NOT NULL"
        "  UNION ALL SELECT cpts, NULL AS kind FROM cpts_perimetres WHERE listing = $l) "
        "WHERE cpts NOT IN (SELECT cpts FROM cpts_membres WHERE listing = $l) GROUP BY cpts ORDER BY cpts",
        {"l": listing}).fetchall()
    return {str(cpts): [str(k) for k in (kinds or [])] for cpts, kinds in rows}


def perimeters(con: duckdb.DuckDBPyConnection) -> gpd.GeoDataFrame:
    """Perimeters given as polygons: ``listing, cpts, cpts_id``, geometry (EPSG:4326)."""
    return read_geo(con, "SELECT listing, cpts, cpts_id, geometry FROM cpts_perimetres ORDER BY listing, cpts_id")


def listings_in_regions(con: duckdb.DuckDBPyConnection, regions: list[str]) -> list[str]:
    """Loaded listings with at least one member unit in one of ``regions`` (current COG)."""
    if not regions:
        return []
    rows = con.execute(
        "SELECT DISTINCT m.listing FROM cpts_membres m JOIN communes c ON c.code = m.commune_code "
        "AND c.vintage = ? WHERE c.region IN (SELECT unnest(?)) ORDER BY 1",
        [current_vintage(), list(regions)]).fetchall()
    return [str(r[0]) for r in rows]
