"""Polygons of the 45 arrondissements municipaux of Paris, Lyon and Marseille.

Two layouts are staged into the same columns (:data:`COLUMNS`):

* the mirror's OpenDataSoft « Georef France » export
  (``georef-france-commune-arrondissement-municipal-2023.geojson``): most
  property values are one-element lists, ``com_arm_code[0]`` the
  arrondissement, ``com_arm_name[0]`` its name, ``com_code[0]`` the city;
* Etalab « contours administratifs » (``arrondissements-municipaux-*.geojson``
  of older years, or the arrondissement rows of ``communes-*.geojson``):
  ``code``, ``nom``, ``commune``.

Coordinates are WGS84 longitude/latitude (RFC 7946; a declared ``crs``
member is honoured). The file must hold exactly the 45 arrondissements
(Paris 75101–75120, Lyon 69381–69389, Marseille 13201–13216), each attached
to its city, with a valid polygonal geometry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from pipeline.config import SourceFile
from pipeline.errors import DataError, french_json_error
from pipeline.geography import ARRONDISSEMENT_CITIES, WGS84, arrondissements_of, city_of_arrondissement
from pipeline.sources.files import MAX_LISTED, read_text_checked
from pipeline.sources.validity import invalidity_reason

COLUMNS = ["code", "nom", "commune", "geometry"]
#: Every arrondissement code, in order (Marseille, Lyon, Paris as the COG sorts them).
ALL_ARRONDISSEMENTS: tuple[str, ...] = tuple(
    sorted(code for city in ARRONDISSEMENT_CITIES for code in arrondissements_of(city)))

ARRONDISSEMENTS_2023 = SourceFile(
    name="contours-arrondissements-municipaux",
    vintage="2023",
    mirror_path="contours-arrondissements-2023/georef-france-commune-arrondissement-municipal-2023.geojson",
    url=None,
    notes="OpenDataSoft Georef France (INSEE COG, IGN ADMIN EXPRESS), arrondissements municipaux 2023.",
)


def _first(value: Any) -> str:
    """A property value as text: the first element of a one-element list, else the value."""
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value).strip()


def _declared_crs(obj: dict[str, Any]) -> str | None:
    crs = obj.get("crs")
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name")
        return str(name) if name else None
    return None


def stage_arrondissement_polygons(path: str | Path) -> gpd.GeoDataFrame:
    """Read and validate the polygons of the arrondissements municipaux.

    Parameters
    ----------
    path
        GeoJSON FeatureCollection in one of the layouts of the module docstring.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per arrondissement sorted by code: ``code``
        (e.g. 13201), ``nom``, ``commune`` (75056, 69123 or 13055),
        ``geometry`` (Polygon or MultiPolygon).

    Raises
    ------
    DataError
        Not a regular file, not UTF-8, not JSON (with its line), not a
        FeatureCollection, or, all listed at once: features without a code,
        codes that are not arrondissements, a city that is not the
        arrondissement's, duplicated or missing arrondissements, missing,
        empty, non-polygonal or invalid geometries.
    """
    text = read_text_checked(path).text
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"GeoJSON illisible : {french_json_error(exc)}", path, exc.lineno) from exc
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise DataError("Le GeoJSON des arrondissements doit être une FeatureCollection", path)
    errors: list[str] = []
    rows = []
    for i, feature in enumerate(obj.get("features") or []):
        props = (feature or {}).get("properties") or {}
        code = _first(props.get("com_arm_code") if "com_arm_code" in props else props.get("code"))
        nom = _first(props.get("com_arm_name") if "com_arm_name" in props else props.get("nom"))
        city = _first(props.get("com_code") if "com_code" in props else props.get("commune"))
        where = f"entité n° {i} ({code or 'sans code'}) : "
        expected_city = city_of_arrondissement(code) if code else None
        if not code:
            errors.append(where + "code d'arrondissement absent")
        elif expected_city is None:
            errors.append(where + f"« {code} » n'est pas un arrondissement municipal de Paris, Lyon ou Marseille")
        elif city != expected_city:
            errors.append(where + f"commune « {city} » au lieu de {expected_city}")
        geometry = None
        raw = (feature or {}).get("geometry")
        if not raw:
            errors.append(where + "géométrie absente")
        else:
            try:
                geometry = shape(raw)
            except Exception as exc:  # shapely raises several types on malformed coordinates
                errors.append(where + f"géométrie illisible ({exc})")
        if geometry is not None:
            if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                errors.append(where + f"géométrie de type {geometry.geom_type} (polygone attendu)")
            elif geometry.is_empty:
                errors.append(where + "géométrie vide")
            elif not geometry.is_valid:
                errors.append(where + f"géométrie invalide ({invalidity_reason(geometry)})")
        rows.append({"code": code, "nom": nom, "commune": expected_city or city, "geometry": geometry})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    codes = frame["code"][frame["code"] != ""]
    for code in sorted(set(codes[codes.duplicated()])):
        errors.append(f"arrondissement {code} présent plusieurs fois")
    missing = [c for c in ALL_ARRONDISSEMENTS if c not in set(codes)]
    if missing:
        errors.append(f"{len(missing)} arrondissement(s) absent(s) sur 45 : " + ", ".join(missing))
    if errors:
        shown = errors[:MAX_LISTED]
        more = f"\n  … et {len(errors) - MAX_LISTED} autres" if len(errors) > MAX_LISTED else ""
        raise DataError("Contours des arrondissements municipaux invalides :\n  - " + "\n  - ".join(shown) + more,
                        path)
    polygons = gpd.GeoDataFrame(frame, geometry="geometry", crs=_declared_crs(obj) or WGS84)
    if polygons.crs is not None and polygons.crs.to_epsg() != WGS84:
        polygons = polygons.to_crs(WGS84)
    return polygons.sort_values("code").reset_index(drop=True)
