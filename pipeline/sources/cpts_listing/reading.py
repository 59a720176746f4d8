"""A listing file read whole: CSV, workbook, GeoJSON, GeoPackage or Shapefile → its resolved members and defects."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline.sources.cpts_listing.crs_reading import UnitsNear
from pipeline.sources.cpts_listing.model import ISSUE_COLUMNS, MEMBER_COLUMNS, ListingResult, raise_collected
from pipeline.sources.cpts_listing.parse import parse_listing_csv, parse_listing_geojson
from pipeline.sources.cpts_listing.resolve import resolve_listing
from pipeline.sources.cpts_listing.vector_files import is_vector_file
from pipeline.sources.files import read_text_checked


def read_listing(
    path: str | Path,
    cog_mapping: pd.DataFrame,
    units: pd.DataFrame,
    name: str | None = None,
    points: pd.DataFrame | None = None,
    units_near: UnitsNear | None = None,
) -> ListingResult:
    """Read, validate and resolve one listing file (CSV or GeoJSON).

    Parameters
    ----------
    path
        ``.csv`` (or ``.txt``) listing, or ``.geojson`` / ``.json`` perimeters (or a GeoPackage or
        Shapefile: :mod:`pipeline.sources.cpts_listing.vector_files`).
    cog_mapping, units, points, units_near
        See :func:`resolve_listing`, and :func:`~pipeline.sources.cpts_listing.perimeters.read_features` for
        ``units_near``.
    name
        Listing name; default the file stem.

    Raises
    ------
    DataError
        Not a regular file (FIFO, device, directory, broken link…), not
        UTF-8, and every structural defect (see the package docstring).
    """
    path = Path(path)
    listing = name or path.stem
    if path.suffix.lower() in (".geojson", ".json") or is_vector_file(path):
        parsed, notes = parse_listing_geojson(path, units_near)
        result = resolve_listing(parsed, cog_mapping, units, listing, points, notes)
        if result.perimeters is not None and result.perimeters.empty:  # every feature set aside: nothing to load
            aside = result.issues.loc[result.issues["kind"].isin(["hors_france", "coordonnees_inversees"]), "detail_fr"]
            raise_collected([(None, str(d)) for d in aside] or [(None, "aucune entité")],
                            "Aucun périmètre utilisable dans la liste (coordonnées attendues en longitude/latitude "
                            "WGS84 ou avec un CRS déclaré) :", path)
        return result
    raw = parse_listing_csv(read_text_checked(path, workbook=True).text, path)
    return resolve_listing(raw, cog_mapping, units, listing, points)


def combine(results: dict[str, ListingResult] | list[ListingResult]) -> ListingResult:
    """Concatenate several listings' results (their ``listing`` column tells them apart)."""
    items = list(results.values()) if isinstance(results, dict) else list(results)
    if not items:
        return ListingResult(pd.DataFrame(columns=MEMBER_COLUMNS), pd.DataFrame(columns=ISSUE_COLUMNS))
    members = pd.concat([r.members for r in items], ignore_index=True)
    issues = pd.concat([r.issues for r in items], ignore_index=True)
    perims = [r.perimeters for r in items if r.perimeters is not None]
    perimeters = None
    if perims:
        crs = perims[0].crs
        perimeters = gpd.GeoDataFrame(
            pd.concat([p.to_crs(crs) for p in perims], ignore_index=True), geometry="geometry", crs=crs
        )
    return ListingResult(members=members, issues=issues, perimeters=perimeters)
