"""Why a drawn perimeter holds no commune, in French: a partial load, coordinates elsewhere, or metres that a web
map's projection would have placed on communes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from pipeline.geography import LAMBERT93
from pipeline.sources.cpts_listing.crs_reading import reread
from pipeline.sources.cpts_listing.perimeter_members import codes_inside
from pipeline.sources.cpts_listing.perimeters import OTHER_READING
from pipeline.sources.files import first_listed
from pipeline.store.queries import geography, provenance

if TYPE_CHECKING:
    import geopandas as gpd


def empty_territory_message(con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame) -> str:
    """The message of a drawn perimeter (EPSG:4326) that holds the representative point of no unit.

    A review drew Lille as a buffer on a web map and saved it without its CRS: read as Lambert 93 (neither
    reading follows the communes' borders), it fell in the Atlantic, and the message never named the Web
    Mercator reading, which holds Lille. It does now, with the communes that reading would hold.
    """
    west, south, east, north = frame.total_bounds
    loaded = provenance.loaded_departements(con)
    if loaded:  # most likely a perimeter elsewhere in France, not a coordinate problem
        message = ("Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune commune "
                   f"chargée, et la base est limitée aux départements {', '.join(loaded)} (emprise lon {west:.3f} à "
                   f"{east:.3f}, lat {south:.3f} à {north:.3f}) : ajoutez ses départements (make data "
                   "DEPARTEMENTS=…) ou chargez toute la France (make data FRANCE=1) ; sinon, vérifiez ses "
                   "coordonnées (longitude/latitude WGS84 ou CRS déclaré)")
    else:
        message = ("Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune commune "
                   f"(emprise lon {west:.3f} à {east:.3f}, lat {south:.3f} à {north:.3f} ; coordonnées attendues en "
                   "longitude/latitude WGS84 ou avec un CRS déclaré)")
    other = frame.attrs.get(OTHER_READING)
    if other is None:
        return message
    moved = frame.set_geometry(reread(frame.geometry, LAMBERT93, int(other)))
    near = geography.unit_polygons_near(con, tuple(moved.total_bounds))
    inside = codes_inside(near, moved)
    if not inside:
        return message
    names = near.set_index("code")["nom"].reindex(inside)
    return (message + f". Lues en Web Mercator (EPSG:{int(other)}, la projection des cartes web), ses coordonnées "
            f"contiendraient {len(names)} unité{'s' if len(names) > 1 else ''} : "
            + first_listed([f"{name} ({code})" for code, name in names.items()], 10)
            + " ; si le fichier vient d'une carte web, déclarez ce CRS (membre « crs » : EPSG:3857)")
