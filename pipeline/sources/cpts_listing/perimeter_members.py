"""Members of a GeoJSON listing: the units whose representative point lies inside each CPTS perimeter.

A listing drawn as polygons names no commune; yet every figure of a CPTS
(its diagnostic, the regional coverage) counts units. The rule is the one of
``fichier:`` territories: a unit belongs to a perimeter when its
representative point (a point inside its polygon) lies inside. Units are the
current communes, and the arrondissements for Paris, Lyon and Marseille, so
that a perimeter drawn over part of Marseille claims only the arrondissements
it covers. The rows are then resolved like those of a CSV listing (same
members table, same span anomalies); a perimeter that contains no unit's
point is reported (``perimetre_sans_unite``), never silently dropped.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.geography import departement_of, equal_area_crs
from pipeline.sources.cpts_listing.model import ISSUE_COLUMNS, OUT_OF_SCOPE, ListingResult, feature_label, issue
from pipeline.sources.cpts_listing.resolve import resolve_codes, span_issues
from pipeline.sources.files import first_listed

#: Columns of the unit points: code, representative point (WGS84).
POINT_COLUMNS = ["code", "lon", "lat"]
#: A drawn perimeter is reported partly outside a database loaded for some départements when its part covering
#: no loaded unit is at least UNCOVERED_ANY_KM2 (a whole commune: Vinon-sur-Verdon is 36 km², 1.9 % of a
#: perimeter of 67 communes), or at least UNCOVERED_MIN_KM2 and UNCOVERED_MIN_SHARE of the perimeter. Smaller
#: gaps are slivers: a perimeter drawn on other contours overshoots the loaded border by tens of metres.
UNCOVERED_ANY_KM2, UNCOVERED_MIN_KM2, UNCOVERED_MIN_SHARE = 5.0, 1.0, 0.02


def units_inside(points: pd.DataFrame, shapes: gpd.GeoDataFrame) -> pd.DataFrame:
    """``code`` of each unit whose representative point (``points``: :data:`POINT_COLUMNS`) lies inside one of
    ``shapes``, and ``shape``, that shape's position in ``shapes`` (a point inside two shapes gives two rows)."""
    located = points.dropna(subset=["lon", "lat"])
    unit_points = gpd.GeoDataFrame({"code": located["code"].astype(str).to_numpy()},
                                   geometry=gpd.points_from_xy(located["lon"], located["lat"]), crs=4326)
    inside = gpd.sjoin(unit_points, shapes[["geometry"]].reset_index(drop=True).to_crs(4326), predicate="within",
                       how="inner")
    return pd.DataFrame({"code": inside["code"].to_numpy(), "shape": inside["index_right"].to_numpy()})


def codes_inside(units: gpd.GeoDataFrame, shapes: gpd.GeoDataFrame) -> list[str]:
    """Sorted codes of the ``units`` (``code``, ``lon``, ``lat``: the store's unit polygons near ``shapes``) whose
    representative point lies inside one of ``shapes``."""
    return sorted(units_inside(pd.DataFrame(units[["code", "lon", "lat"]]), shapes)["code"].unique())


#: Share of a unit's area from which the point rule and the area covered disagree: a unit counted with less of
#: its area inside the perimeter, or left out with at least as much.
HALF = 0.5


def point_rule_disagreements(units: gpd.GeoDataFrame, shapes: gpd.GeoDataFrame, counted: set[str],
                             crs: int | str) -> pd.DataFrame:
    """The units (``units``: ``code``, ``nom``, polygons) where the representative-point rule and the share of
    their area inside ``shapes`` disagree: counted with less than half of their area covered, or left out with
    at least half. Columns ``code, nom, part`` (0 to 1, measured in ``crs``), ``compte``.

    A review: a perimeter covering 97 % of Digne-les-Bains but not its point left the town out, a disc of
    0.8 km² around the point counted all of it, both without a word.
    """
    projected = units.to_crs(crs)
    outline = shapes.to_crs(crs).union_all()
    area = projected.geometry.area.to_numpy()
    covered = shapely.area(shapely.intersection(projected.geometry.to_numpy(), outline))
    share = pd.Series(np.divide(covered, area, out=np.full(len(area), np.nan), where=area > 0), index=projected.index)
    counted_mask = projected["code"].astype(str).isin(counted)
    odd = (counted_mask & (share < HALF)) | (~counted_mask & (share >= HALF))
    out = projected.loc[odd, ["code", "nom"]].assign(part=share[odd], compte=counted_mask[odd])
    return pd.DataFrame(out).sort_values(["compte", "part"], ascending=[True, False]).reset_index(drop=True)


#: Kind of the anomaly of a drawn perimeter that holds no unit's representative point.
NO_MEMBER = "perimetre_sans_unite"


def perimeter_rows(perimeters: gpd.GeoDataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Listing rows (``cpts, cpts_id, statut, date, code_insee, line``) of the units inside each perimeter.

    ``line`` is empty: a GeoJSON feature has no line; anomalies name it by its number.
    """
    shapes = perimeters.reset_index(drop=True)
    inside = units_inside(points, shapes)
    rows = shapes.drop(columns="geometry").iloc[inside["shape"].to_numpy()].reset_index(drop=True)
    rows["code_insee"] = inside["code"].to_numpy()
    rows["line"] = pd.array([pd.NA] * len(rows), dtype="Int64")
    columns = [c for c in ("cpts", "cpts_id", "statut", "date") if c in rows.columns]
    return rows[[*columns, "code_insee", "line"]].sort_values(["cpts_id", "code_insee"]).reset_index(drop=True)


def with_perimeter_members(
    result: ListingResult, points: pd.DataFrame, cog_mapping: pd.DataFrame, units: pd.DataFrame, listing: str
) -> ListingResult:
    """``result`` of a GeoJSON listing, its members derived from its perimeters.

    Parameters
    ----------
    result
        :func:`~pipeline.sources.cpts_listing.read_listing` of a GeoJSON listing.
    points
        Representative points of the analysis units around the perimeters
        (:data:`POINT_COLUMNS`; communes, arrondissements instead of their city).
    cog_mapping, units
        As for :func:`~pipeline.sources.cpts_listing.resolve.resolve_codes`.
    listing
        Listing name.
    """
    if result.perimeters is None or result.perimeters.empty:
        return result
    rows = perimeter_rows(result.perimeters, points)
    members, issues = resolve_codes(rows, cog_mapping, units, listing)
    members = members.drop_duplicates(["cpts_id", "unit_code"]).reset_index(drop=True)
    issues += span_issues(members, units, listing)
    claimed = set(members["cpts_id"])
    for row in result.perimeters.itertuples(index=False):
        if row.cpts_id not in claimed:
            issues.append(issue(listing, NO_MEMBER, row.cpts, None, None,
                                f"{feature_label(row.feature)} (« {row.cpts} ») : aucune commune n'a son point "
                                "représentatif dans ce périmètre ; la CPTS n'a aucun membre"))
    added: list[dict[str, Any]] = issues
    all_issues = pd.concat([result.issues, pd.DataFrame(added, columns=ISSUE_COLUMNS)], ignore_index=True)
    all_issues["line"] = all_issues["line"].astype("Int64")
    members["line"] = members["line"].astype("Int64")
    return ListingResult(members=members, issues=all_issues, perimeters=result.perimeters)


def uncovered_parts(perimeters: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """Part of each drawn perimeter that no unit polygon covers, measured in an equal-area projection.

    Parameters
    ----------
    perimeters
        ``cpts``, ``cpts_id``, ``feature``, geometry (any CRS).
    polygons
        Unit polygons around them: ``departement`` (to choose the projection: LAEA Europe, or a local one
        overseas), geometry (EPSG:4326).

    Returns
    -------
    DataFrame
        ``cpts``, ``cpts_id``, ``feature``, ``area_km2`` (uncovered), ``share`` (of the perimeter's area; 1
        for a perimeter that meets no unit polygon, measured in LAEA Europe).
    """
    shapes = perimeters.to_crs(4326).reset_index(drop=True)
    rows = []
    for row, shape in zip(shapes.itertuples(index=False), shapes.geometry, strict=True):
        if shape is None or shape.is_empty:
            continue
        touching = polygons[polygons.intersects(shape)]
        crs = equal_area_crs(str(touching["departement"].mode().iloc[0]) if len(touching) else "")
        outline = gpd.GeoSeries([shape], crs=4326).to_crs(crs).iloc[0]
        covered = touching.geometry.to_crs(crs).union_all() if len(touching) else None
        gap = (outline.difference(covered).area if covered is not None else outline.area) / 1e6
        rows.append({"cpts": row.cpts, "cpts_id": row.cpts_id, "feature": row.feature, "area_km2": gap,
                     "share": gap / (outline.area / 1e6) if outline.area > 0 else 0.0})
    return pd.DataFrame(rows, columns=["cpts", "cpts_id", "feature", "area_km2", "share"])


def large_uncovered_parts(perimeters: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows of :func:`uncovered_parts` large enough to leave a commune out (see the thresholds above),
    with each perimeter's whole area (``total_km2``)."""
    gaps = uncovered_parts(perimeters, polygons)
    gaps = gaps.assign(total_km2=(gaps["area_km2"] / gaps["share"]).where(gaps["share"] > 0, gaps["area_km2"]))
    return gaps[(gaps["area_km2"] >= UNCOVERED_ANY_KM2)
                | ((gaps["area_km2"] >= UNCOVERED_MIN_KM2) & (gaps["share"] >= UNCOVERED_MIN_SHARE))]


def with_out_of_load_issues(result: ListingResult, polygons: gpd.GeoDataFrame, listing: str,
                            where: str, unloaded: pd.DataFrame | None = None) -> ListingResult:
    """``result`` with an anomaly ``hors_departements_charges`` for each drawn perimeter partly outside the units
    of ``polygons`` (the loaded ones; ``where`` names the loaded départements).

    A database loaded for some départements (``make data --departements``) has no polygon beyond them: the
    members of a perimeter crossing their border are only its loaded units, and the CPTS would look whole.
    An uncovered part may also be sea or another country: the message says both. ``unloaded``: ``code``,
    ``departement``, ``lon``, ``lat`` (and ``nom`` when known) of the communes outside the load around the
    perimeters; when given, only a perimeter holding one of their points is partial (the rule that makes a
    commune a member): a coastal CPTS drawn over the sea is whole (a review: its taille was « non disponible »),
    and the communes it holds are named (a review read « ou en mer » of one holding Vinon-sur-Verdon).
    """
    if result.perimeters is None or result.perimeters.empty:
        return result
    large = large_uncovered_parts(result.perimeters, polygons)
    held: dict[int, str] = {}
    if unloaded is not None and len(large):
        points = gpd.GeoSeries(gpd.points_from_xy(unloaded["lon"], unloaded["lat"]), crs=4326)
        shapes = result.perimeters.to_crs(4326)
        for feature, shape in zip(shapes["feature"], shapes.geometry, strict=True):
            inside = unloaded[points.within(shape).to_numpy()] if shape is not None and len(points) else unloaded[:0]
            if len(inside):
                held[int(feature)] = communes_named(inside)
        large = large[large["feature"].isin(held)]
    # A perimeter with no loaded member at all is not « diagnosed without » its unloaded communes: it is not
    # diagnosed, and « aucune commune n'a son point représentatif » would deny the communes under it (a review).
    with_members = set(result.members.dropna(subset=["unit_code"])["cpts_id"])
    added = [issue(listing, OUT_OF_SCOPE, r.cpts, None, None,
                   f"{feature_label(r.feature)} (« {r.cpts} ») : {r.area_km2:.0f} km² de son périmètre "
                   f"({r.share * 100:.0f} %) ne recouvrent aucune commune chargée, hors des départements "
                   f"chargés{where}"
                   + (f" ; il contient le point représentatif de {held[int(r.feature)]} : " if int(r.feature) in held
                      else " (ou en mer, hors de France) : ")
                   + ("la CPTS est diagnostiquée sans les communes qui s'y trouveraient (chiffres peut-être partiels)"
                      if r.cpts_id in with_members else
                      "la CPTS n'a aucun membre dans la base, ses communes sont dans des départements non chargés "
                      "(chargez-les pour la diagnostiquer)"))
             for r in large.itertuples(index=False)]
    if not added:
        return result
    # Both anomalies of one perimeter start with its feature and name (:func:`with_perimeter_members`).
    beyond = tuple(f"{feature_label(r.feature)} (« {r.cpts} ») :" for r in large.itertuples(index=False)
                   if r.cpts_id not in with_members)
    superseded = (result.issues["kind"] == NO_MEMBER) & result.issues["detail_fr"].astype(str).str.startswith(beyond)
    issues = pd.concat([result.issues[~superseded], pd.DataFrame(added, columns=ISSUE_COLUMNS)], ignore_index=True)
    issues["line"] = issues["line"].astype("Int64")
    return ListingResult(members=result.members, issues=issues, perimeters=result.perimeters)


def communes_named(rows: pd.DataFrame) -> str:
    """« 1 commune de départements non chargés, Vinon-sur-Verdon (83150, département 83) »."""
    named = [f"{r.nom} ({r.code}, département {r.departement})" if isinstance(getattr(r, "nom", None), str)
             else f"{r.code} (département {r.departement})" for r in rows.itertuples()]
    return (f"{len(rows)} {'commune' if len(rows) == 1 else 'communes'} de départements non chargés, "
            f"{first_listed(named, 10)}")


#: Kind of the anomaly of a drawn perimeter whose border the representative-point rule reads otherwise than its
#: area (:func:`point_rule_disagreements`).
POINT_RULE = "regle_du_point"


def with_point_rule_issues(result: ListingResult, polygons: gpd.GeoDataFrame, listing: str) -> ListingResult:
    """``result`` of a GeoJSON listing with an anomaly :data:`POINT_RULE` for each perimeter whose members the
    representative-point rule decides otherwise than the area covered (``polygons``: the units around the
    perimeters, ``code``, ``nom``, polygons in EPSG:4326), as ``fichier:`` says it of a drawn territory.

    A review: a listing's drawn CPTS left out a town whose area it covered at 97 % without a word, where the same
    perimeter given as ``fichier:`` named it.
    """
    if result.perimeters is None or result.perimeters.empty or polygons.empty:
        return result
    members = result.members.dropna(subset=["unit_code"])
    shapes = result.perimeters.to_crs(4326)
    units = polygons[["code", "nom", "geometry"]].reset_index(drop=True)
    added = []
    for row in shapes.itertuples(index=False):
        near = units.iloc[units.sindex.query(row.geometry, predicate="intersects")]
        counted = set(members.loc[members["cpts_id"] == row.cpts_id, "unit_code"].astype(str))
        if near.empty or not counted:
            continue
        crs = equal_area_crs(departement_of(sorted(counted)[0]))
        odd = point_rule_disagreements(near, gpd.GeoDataFrame(geometry=[row.geometry], crs=4326), counted, crs)
        for unit in odd.itertuples(index=False):
            share = f"{round(unit.part * 100):.0f} %"
            said = (f"{unit.nom} ({unit.code}) comptée avec {share} de sa surface dans le périmètre" if unit.compte
                    else f"{unit.nom} ({unit.code}) non comptée bien que {share} de sa surface soit dans le périmètre")
            added.append(issue(listing, POINT_RULE, row.cpts, unit.code, None,
                               f"{feature_label(row.feature)} (« {row.cpts} ») : {said} (une commune est membre quand "
                               "son point représentatif est dans le périmètre) : vérifiez le tracé de la limite"))
    if not added:
        return result
    issues = pd.concat([result.issues, pd.DataFrame(added, columns=ISSUE_COLUMNS)], ignore_index=True)
    issues["line"] = issues["line"].astype("Int64")
    return ListingResult(members=result.members, issues=issues, perimeters=result.perimeters)
