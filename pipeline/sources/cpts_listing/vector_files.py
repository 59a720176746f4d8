"""Perimeters in GeoPackage or Shapefile (a QGIS export, the diagnostic's own ``territoire.gpkg``).

They are read with pyogrio and handed to the GeoJSON reader of
:mod:`pipeline.sources.cpts_listing.perimeters` as a FeatureCollection
declaring the layer's CRS, so that every check (polygons only, valid,
finite, inside France, the CRS guessed with a note when a Shapefile has no
``.prj``) is the same for every format.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline.errors import DataError
from pipeline.sources.files import USER_FILE_MAX_BYTES, check_regular_file

#: Suffixes read as vector files (a ``.zip`` must hold a Shapefile).
VECTOR_SUFFIXES = (".gpkg", ".shp", ".zip")
#: First bytes of a GeoPackage (an SQLite database).
_SQLITE = b"SQLite format 3\x00"


def is_vector_file(path: Path) -> bool:
    """Whether ``path`` is a GeoPackage or a Shapefile (by its suffix, or an SQLite header)."""
    if path.suffix.lower() in VECTOR_SUFFIXES:
        return True
    if not path.is_file():  # a FIFO would block the read; the callers name it in French
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(len(_SQLITE)) == _SQLITE
    except OSError:
        return False


def vector_file_as_geojson(path: Path) -> tuple[str, list[str]]:
    """The first layer of polygons of a GeoPackage or Shapefile (else its first layer) as GeoJSON text, and French
    notes.

    Raises
    ------
    DataError
        The file cannot be read as a vector layer (damaged, a ``.zip`` without a Shapefile).
    """
    import pyogrio

    checked = check_regular_file(path)  # a FIFO or a device is named, never opened
    size = checked.stat().st_size
    if size > USER_FILE_MAX_BYTES:
        raise DataError(f"Fichier trop gros ({size / 1e6:.0f} Mo, au plus {USER_FILE_MAX_BYTES / 1e6:.0f} Mo "
                        "attendus)", path)
    source = _zipped_shapefile(path) if path.suffix.lower() == ".zip" else str(path)
    notes = _shapefile_parts(path, source) if source.lower().endswith(".shp") else []
    try:
        listed = [(str(name), str(kind)) for name, kind in pyogrio.list_layers(source)]
        # The first layer of polygons, not the first layer (a review: a GeoPackage whose first layer held the
        # CPTS's sites as points was refused, « géométrie de type Point », its perimeter layer unread).
        polygons = [name for name, kind in listed if "polygon" in kind.lower()]
        # Of the layers of polygons, the first holding features: an empty one first (a template left in the
        # GeoPackage) hid the perimeter of the next one, « aucune entité » naming neither (a review). Counted
        # without reading them; none with features: the first one, refused as empty further on.
        empty = [name for name in polygons if not pyogrio.read_info(source, layer=name)["features"]]
        polygons = [name for name in polygons if name not in empty] + empty
        layers = polygons + [name for name, _ in listed if name not in polygons]
        frame = pyogrio.read_dataframe(source, layer=layers[0] if layers else None)
    except Exception:  # pyogrio raises its own errors, and GDAL's (in English), for unreadable files
        raise DataError("Fichier géographique illisible : un GeoPackage ou un Shapefile est attendu (ou exportez le "
                        "périmètre en GeoJSON)", path) from None
    if polygons and len(empty) == len(polygons):
        raise DataError(f"Aucune entité dans {'la couche' if len(empty) == 1 else 'les couches'} de polygones du "
                        f"fichier ({', '.join(f'« {name} »' for name in empty)}) : le périmètre est vide (couches du "
                        f"fichier : {', '.join(name for name, _ in listed)})", path)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataError(f"La couche « {layers[0] if layers else ''} » du fichier n'a pas de géométrie : un périmètre "
                        "(polygones) est attendu", path)
    if len(layers) > 1:
        first = (f" (la première qui a des entités ; sans entité : {', '.join(empty)})" if empty
                 else " (la première de polygones)" if layers[0] != listed[0][0] else "")
        notes.append(f"couche « {layers[0]} » lue{first} (le fichier en a {len(layers)} : "
                     f"{', '.join(name for name, _ in listed)})")
    for column in frame.columns:
        if column != frame.geometry.name and not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("string")  # dates and other objects as their text
    with warnings.catch_warnings():  # a CRS without an EPSG code warns in English; it is declared below
        warnings.simplefilter("ignore", UserWarning)
        collection = json.loads(frame.to_json(na="null", drop_id=True))
    if frame.crs is not None:
        epsg = frame.crs.to_epsg()
        collection["crs"] = {"type": "name",
                             "properties": {"name": f"EPSG:{epsg}" if epsg else frame.crs.to_wkt()}}
    return json.dumps(collection), notes


def _shapefile_parts(path: Path, source: str) -> list[str]:
    """Check the files a Shapefile is made of beside its ``.shp`` (on disk, or in the zip): a note when its
    ``.dbf`` (the attributes) is missing.

    Raises
    ------
    DataError
        Its ``.shx`` (the index GDAL reads the shapes through) is missing: a review got « Fichier
        géographique illisible » for a ``.shp`` copied alone.
    """
    if source.startswith("/vsizip/"):
        inner = source.removeprefix(f"/vsizip/{path}/")
        with zipfile.ZipFile(path) as archive:
            present = {name.lower() for name in archive.namelist()}
        stem, shown = inner[:-4], Path(inner).name
    else:
        present = {str(p).lower() for p in path.parent.iterdir()}
        stem, shown = str(path)[:-4], path.name
    where = "dans l'archive" if source.startswith("/vsizip/") else "à côté de lui"
    if f"{stem}.shx".lower() not in present:
        raise DataError(f"Shapefile incomplet : {Path(stem).name}.shx absent {where} (un Shapefile est fait de "
                        f"plusieurs fichiers de même nom, {shown} avec son .shx, son .dbf et son .prj : donnez-les "
                        "tous, ou un .zip qui les contient)", path)
    if f"{stem}.dbf".lower() not in present:
        return [f"{Path(stem).name}.dbf absent {where} : les attributs du Shapefile (codes, noms) ne sont pas lus, "
                "seulement ses contours"]
    return []


def _zipped_shapefile(path: Path) -> str:
    """GDAL's path of the Shapefile a zip holds, at its root or in a folder (a zipped folder)."""
    try:
        with zipfile.ZipFile(path) as archive:
            shapefiles = sorted(n for n in archive.namelist() if n.lower().endswith(".shp"))
    except (zipfile.BadZipFile, OSError):
        raise DataError("Archive zip illisible : un Shapefile zippé est attendu", path) from None
    if not shapefiles:
        raise DataError("L'archive zip ne contient aucun Shapefile (.shp) : un périmètre en Shapefile zippé, "
                        "GeoPackage ou GeoJSON est attendu", path)
    if len(shapefiles) > 1:  # choosing one would silently drop the others' perimeters
        raise DataError(f"L'archive zip contient {len(shapefiles)} Shapefile ({', '.join(shapefiles[:5])}"
                        f"{'…' if len(shapefiles) > 5 else ''}) : zippez-les séparément, ou réunissez les "
                        "périmètres dans un seul fichier", path)
    return f"/vsizip/{path}/{shapefiles[0]}"
