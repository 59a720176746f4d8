"""Perimeter GeoJSON files, as ARS and QGIS write them: one reader for listings and ``fichier:`` territories.

RFC 7946 GeoJSON is WGS84 longitude/latitude, but files met in practice are
not always so:

* a legacy ``crs`` member (``urn:ogc:def:crs:EPSG::2154``, ``EPSG:3857``,
  ``urn:ogc:def:crs:OGC:1.3:CRS84``) is honoured: the geometries are
  reprojected to EPSG:4326;
* without ``crs``, coordinates in metres that all fall in the Lambert 93
  envelope (QGIS exports of French layers) are read as EPSG:2154, with a
  French note saying so; where they would also fall in France read as Web
  Mercator, the reading whose border follows commune borders is kept
  (:mod:`~pipeline.sources.cpts_listing.crs_reading`); metres west of
  Greenwich that fall in France read as Web Mercator are read so (no other
  projection of France has negative eastings); other projected coordinates
  without a declared CRS are refused;
* each feature is then located: inside metropolitan France or a DROM (bounds
  of :data:`FRANCE_BOUNDS`) it is fine; if it would be inside once its two
  coordinates are swapped (latitude written first), or if it is elsewhere,
  its ``anomalie`` says so. A listing reports such features and leaves them
  out; a ``fichier:`` territory refuses them (:func:`reject_anomalies`).
  Nothing is silently misplaced.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import shape

from pipeline.errors import DataError, french_json_error
from pipeline.geography import LAMBERT93, WGS84
from pipeline.sources.cpts_listing.crs_reading import WEB_MERCATOR, UnitsNear, choose_reading, web_mercator_also_in
from pipeline.sources.cpts_listing.model import feature_label, raise_collected
from pipeline.sources.cpts_listing.vector_files import is_vector_file, vector_file_as_geojson
from pipeline.sources.files import read_text_checked
from pipeline.sources.validity import invalidity_reason

#: Longitude/latitude boxes (west, south, east, north) of metropolitan France (Corsica included) and the DROM.
FRANCE_BOUNDS: dict[str, tuple[float, float, float, float]] = {
    "France métropolitaine": (-5.6, 41.2, 9.8, 51.3),
    "Guadeloupe": (-61.9, 15.8, -60.9, 16.6),
    "Martinique": (-61.3, 14.3, -60.7, 14.95),
    "Guyane": (-54.7, 2.0, -51.5, 5.9),
    "La Réunion": (55.1, -21.5, 55.9, -20.8),
    "Mayotte": (44.9, -13.1, 45.4, -12.5),
}
#: Envelope of Lambert 93 coordinates over metropolitan France (metres).
LAMBERT93_ENVELOPE = (0.0, 6_000_000.0, 1_400_000.0, 7_200_000.0)
LAMBERT93_NOTE = ("coordonnées en mètres sans CRS déclaré : lues en Lambert 93 (EPSG:2154), la projection des "
                  "exports QGIS pour la France ; déclarez le CRS ou exportez en WGS84 pour lever le doute")
#: West of Greenwich, metres are negative in Web Mercator only (Lambert 93, the UTM zones and the conic
#: projections of France have positive eastings): a review's Caen and Cherbourg from a web map were refused.
WEB_MERCATOR_NOTE = ("coordonnées en mètres sans CRS déclaré, à l'ouest du méridien de Greenwich : lues en Web "
                     "Mercator (EPSG:3857), la projection des cartes web, seule à les placer en France ; déclarez le "
                     "CRS ou exportez en WGS84 pour lever le doute")
#: Key of ``frame.attrs`` recording the reading of metres without a CRS that :func:`read_features` kept Lambert 93
#: over: Web Mercator, which an empty territory's message names with the communes it would hold.
OTHER_READING = "autre_lecture"
ANOMALY_SWAPPED = "longitude et latitude inversées"
ANOMALY_OUTSIDE = "hors de France (métropole et DROM)"
RESERVED = frozenset({"feature", "anomalie", "geometry"})


def _inside(bounds: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bounds
    return any(w <= west and east <= e and s <= south and north <= n for w, s, e, n in FRANCE_BOUNDS.values())


def locate(bounds: tuple[float, float, float, float]) -> str | None:
    """None when a WGS84 bounding box lies in France, else the French anomaly."""
    if _inside(bounds):
        return None
    west, south, east, north = bounds
    if _inside((south, west, north, east)):
        return ANOMALY_SWAPPED
    return ANOMALY_OUTSIDE


def _declared_crs(obj: dict[str, Any], path: str | Path) -> CRS | None:
    crs = obj.get("crs")
    if crs is None:
        return None
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if not name:
        raise DataError("Membre « crs » du GeoJSON illisible : un nom de CRS (ex. EPSG:2154) est attendu", path)
    try:
        return CRS.from_user_input(str(name))
    except CRSError:
        raise DataError(f"CRS déclaré inconnu « {name} »", path) from None


def _guess_crs(geometries: list[Any], path: str | Path, notes: list[str], vector: bool = False) -> tuple[CRS, bool]:
    """WGS84 for degrees, Lambert 93 (with a note) for metres in its envelope; else refuse. Second: whether the
    metres would also lie in metropolitan France read as Web Mercator (then no note: the caller decides)."""
    present = [g for g in geometries if g is not None and not g.is_empty]
    if not present:
        return CRS.from_epsg(WGS84), False
    west, south, east, north = shapely.total_bounds(present)
    if max(abs(west), abs(east)) <= 180 and max(abs(south), abs(north)) <= 90:
        if vector:  # GeoJSON is WGS84 by definition (RFC 7946); a Shapefile without .prj is in no declared CRS
            notes.append("fichier sans système de coordonnées déclaré (pas de .prj) : coordonnées en degrés lues "
                         "comme longitude et latitude WGS 84")
        return CRS.from_epsg(WGS84), False
    lw, ls, le, ln = LAMBERT93_ENVELOPE
    if lw <= west and east <= le and ls <= south and north <= ln:
        if web_mercator_also_in((west, south, east, north), FRANCE_BOUNDS["France métropolitaine"]):
            return CRS.from_epsg(LAMBERT93), True
        notes.append(LAMBERT93_NOTE)
        return CRS.from_epsg(LAMBERT93), False
    if west < 0 and web_mercator_also_in((west, south, east, north), FRANCE_BOUNDS["France métropolitaine"]):
        notes.append(WEB_MERCATOR_NOTE)
        return CRS.from_epsg(WEB_MERCATOR), False
    # A plausible reading is named, not chosen: east of Greenwich the same metres are also UTM 31 N elsewhere in
    # France (a review got no hint for a Web Mercator file of the south).
    hint = ""
    if web_mercator_also_in((west, south, east, north), FRANCE_BOUNDS["France métropolitaine"]):
        lon, lat = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True).transform((west + east) / 2,
                                                                                        (south + north) / 2)
        east_deg, north_deg = (f"{v:.2f}".replace(".", ",") for v in (lon, lat))
        hint = (f" ; lues en Web Mercator (EPSG:3857, la projection des cartes web), elles seraient en France vers "
                f"{east_deg}° E, {north_deg}° N, mais d'autres projections les placent ailleurs")
    raise DataError(
        f"Coordonnées projetées sans CRS déclaré (x de {west:.0f} à {east:.0f}, y de {south:.0f} à {north:.0f}) "
        f"qui ne sont pas du Lambert 93{hint} : déclarez le CRS ("
        + ("joignez le fichier .prj du Shapefile" if vector else "membre « crs »") + ") ou exportez en WGS84", path)


def read_features(
    path: str | Path, *, repair_invalid: bool = False, units_near: UnitsNear | None = None
) -> tuple[gpd.GeoDataFrame, list[str], list[tuple[int, str]]]:
    """Parse a perimeter GeoJSON (or a GeoPackage or Shapefile, read as one) without raising on per-feature defects.

    Parameters
    ----------
    units_near
        The commune polygons near a box (the store's query): with it, metres
        without a declared CRS that are plausible both as Lambert 93 and as
        Web Mercator are read as the one whose border follows communes
        (:func:`~pipeline.sources.cpts_listing.crs_reading.choose_reading`);
        without it, as Lambert 93.

    Returns
    -------
    (frame, notes, errors)
        ``frame``: EPSG:4326, columns ``feature`` (0-based index), one column
        per property met (raw values), ``anomalie`` (None, or
        :data:`ANOMALY_SWAPPED` / :data:`ANOMALY_OUTSIDE`) and ``geometry``
        (None where unusable). ``notes``: French notes (CRS assumed,
        geometries repaired). ``errors``: ``(feature, French message)`` for
        absent, unreadable, non-polygonal, empty or (unless
        ``repair_invalid``) invalid geometries, and ``(-1, "aucune entité")``.

    Raises
    ------
    DataError
        Not a regular file, not UTF-8, not JSON (with its line), not a
        FeatureCollection or Feature, an unreadable or unknown ``crs``, or
        projected coordinates without a declared CRS that are not Lambert 93.
    """
    notes: list[str] = []
    if is_vector_file(Path(path)):
        text, notes = vector_file_as_geojson(Path(path))
    else:
        text = read_text_checked(path).text
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"GeoJSON illisible : {french_json_error(exc)}", path, exc.lineno) from exc
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        obj = {"type": "FeatureCollection", "features": [obj], **({"crs": obj["crs"]} if "crs" in obj else {})}
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise DataError("Le GeoJSON des périmètres doit être une FeatureCollection.", path)
    features = obj.get("features") or []
    if not isinstance(features, list):
        raise DataError("Le membre « features » du GeoJSON doit être une liste d'entités.", path)
    errors: list[tuple[int, str]] = []
    rows: list[dict[str, Any]] = []
    geometries: list[Any] = []
    for i, feature in enumerate(features):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties") or {}
        where = f"{feature_label(i)} : "
        geometry = None
        raw = feature.get("geometry")
        if not raw:
            errors.append((i, f"{where}géométrie absente"))
        else:
            try:
                with warnings.catch_warnings():  # NaN coordinates warn here; they are reported below, in French
                    warnings.simplefilter("ignore", RuntimeWarning)
                    geometry = shape(raw)
            except Exception as exc:  # shapely raises several types on malformed input
                errors.append((i, f"{where}géométrie illisible ({exc})"))
        if geometry is not None:
            if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                errors.append((i, f"{where}géométrie de type {geometry.geom_type} (polygone attendu)"))
                geometry = None
            elif geometry.is_empty:
                errors.append((i, f"{where}géométrie vide"))
                geometry = None
            elif not np.isfinite(shapely.get_coordinates(geometry)).all():
                # NaN or Infinity (accepted by Python's JSON reader): every later test would be meaningless.
                errors.append((i, f"{where}coordonnée non numérique (NaN ou infini)"))
                geometry = None
            elif not geometry.is_valid:
                if repair_invalid:
                    notes.append(f"{where}géométrie invalide ({invalidity_reason(geometry)}) réparée")
                    # « structure »: the parts' union, as a perimeter's drawer means it. The default « linework »
                    # keeps what an odd number of rings encloses: a MultiPolygon of adjacent communes (QGIS
                    # « Collecter les géométries ») lost each commune its neighbours surround (a review: 44
                    # communes read as 29).
                    geometry = shapely.make_valid(geometry, method="structure")
                else:
                    errors.append((i, f"{where}géométrie invalide ({invalidity_reason(geometry)})"))
        if not isinstance(props, dict):
            props = {}
        # Property names the reader uses itself are not taken from the file.
        rows.append({"feature": i, **{str(k): v for k, v in props.items() if k not in RESERVED}})
        geometries.append(geometry)
    if not features:
        errors.append((-1, "aucune entité"))
    declared = _declared_crs(obj, path)
    crs, ambiguous = (declared, False) if declared else _guess_crs(geometries, path, notes, is_vector_file(Path(path)))
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=gpd.GeoSeries(geometries, crs=crs), crs=crs)
    if frame.crs is not None and not frame.crs.equals(CRS.from_epsg(WGS84)):
        frame = frame.to_crs(WGS84)
    frame = frame.set_crs(WGS84, allow_override=True)
    if ambiguous and units_near is not None:
        geometry, note, kept = choose_reading(frame.geometry, units_near)
        frame = frame.set_geometry(geometry)
        notes.append(note)
        if kept == LAMBERT93:  # the other reading stays possible: an empty territory names it
            frame.attrs[OTHER_READING] = WEB_MERCATOR
    elif ambiguous:  # no commune polygons to decide with: the usual reading, said
        notes.append(LAMBERT93_NOTE)
    frame.insert(len(frame.columns) - 1, "anomalie", [
        None if g is None or g.is_empty else locate(tuple(g.bounds)) for g in frame.geometry])
    return frame, notes, errors


def read_perimeter_geojson(path: str | Path, *, repair_invalid: bool = True) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read a perimeter GeoJSON into EPSG:4326, refusing any geometry defect.

    Parameters
    ----------
    path
        GeoJSON FeatureCollection of polygons, any declared CRS.
    repair_invalid
        Repair invalid polygons (self-intersections) with a note instead of
        refusing them.

    Returns
    -------
    (frame, notes)
        See :func:`read_features`; every geometry is a usable polygon.
        Located anomalies stay in ``anomalie``: a listing reports them, a
        territory calls :func:`reject_anomalies`.

    Raises
    ------
    DataError
        See :func:`read_features`, plus every per-feature geometry error at
        once (« Périmètres invalides : … »).
    """
    frame, notes, errors = read_features(path, repair_invalid=repair_invalid)
    raise_collected([(None, msg) for _, msg in errors], "Périmètres invalides :", path)
    return frame, notes


def reject_anomalies(frame: gpd.GeoDataFrame, path: str | Path) -> None:
    """Raise a French DataError naming every feature outside France or with swapped coordinates."""
    bad = frame[frame["anomalie"].notna()]
    problems = [(None, f"{feature_label(row.feature)} : {row.anomalie}") for row in bad.itertuples(index=False)]
    raise_collected(problems, "Périmètre mal placé (coordonnées attendues en longitude/latitude WGS84 "
                              "ou avec un CRS déclaré) :", path)


def one_perimeter_per_cpts(perimeters: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """One perimeter per CPTS: the union of its features, and ``(cpts, note)`` for each CPTS drawn in several.

    A CPTS drawn in several parts, or a layer of communes exported from QGIS with the CPTS as an attribute,
    has several features under one identifier; the database keeps one perimeter per CPTS (the union), and
    its name, status and date from its first feature.
    """
    counts = perimeters.groupby("cpts_id", sort=False)["feature"].agg(list)
    several = counts[counts.map(len) > 1]
    if several.empty:
        return perimeters.reset_index(drop=True), []
    notes = []
    merged = perimeters.drop_duplicates("cpts_id").reset_index(drop=True)
    for cpts_id, features in several.items():
        parts = perimeters["cpts_id"] == cpts_id
        name = str(perimeters.loc[parts, "cpts"].iloc[0])
        merged.loc[merged["cpts_id"] == cpts_id, "geometry"] = shapely.union_all(perimeters.geometry[parts].values)
        shown = ", ".join(f"n° {f}" for f in features[:10]) + (" …" if len(features) > 10 else "")
        notes.append((name, f"{len(features)} entités (« {name} » : {shown}) réunies en un seul périmètre"))
    return merged, notes
