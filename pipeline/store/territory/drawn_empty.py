"""What a drawn perimeter holds beyond the loaded départements, and why one holds no commune, in French: communes
of départements not loaded (named), a perimeter too small to hold a commune's point, coordinates elsewhere, or
metres that a web map's projection would have placed on communes; and whether a file's contours hold the communes
its ``code`` property names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import LAMBERT93
from pipeline.sources.cpts_listing.crs_reading import reread
from pipeline.sources.cpts_listing.perimeter_members import codes_inside, communes_named, large_uncovered_parts
from pipeline.sources.cpts_listing.perimeters import OTHER_READING
from pipeline.sources.files import first_listed
from pipeline.store.queries import beyond_the_load, geography, provenance


def unloaded_communes_inside(con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """``code, nom, departement`` of the communes of départements not loaded whose representative point the drawn
    perimeter holds: the rule that makes a commune a member, so that loading their départements would add them.
    Its other uncovered parts are sea, abroad or slivers of communes whose point lies outside, which leave no
    commune out (a review: a disc over Marseille's coast lost its taille, said partly outside the load, on a
    database of the Bouches-du-Rhône)."""
    drawn = frame.to_crs(4326)
    points = beyond_the_load.points_near(con, tuple(float(b) for b in drawn.total_bounds), 0.0)  # type: ignore[arg-type]
    if points.empty:
        return pd.DataFrame(columns=["code", "nom", "departement"])
    within = gpd.GeoSeries(gpd.points_from_xy(points["lon"], points["lat"]), crs=4326).within(
        drawn.geometry.union_all())
    inside = points[within.to_numpy()]
    names = beyond_the_load.current_names(con, inside["code"].astype(str))
    return pd.DataFrame({"code": inside["code"].astype(str), "nom": inside["code"].astype(str).map(names),
                         "departement": inside["departement"].astype(str)}).reset_index(drop=True)


def drawn_beyond_the_load(con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame,
                          near: gpd.GeoDataFrame) -> list[str]:
    """A note when, on a database of some départements, the drawn perimeter holds the point of communes not loaded.

    As for a listing's drawn perimeters (same thresholds): a perimeter crossing the border of the load would
    otherwise look whole, its population and taille those of its loaded part. The communes are named (a review
    read « ou en mer, hors de France » of a perimeter holding Vinon-sur-Verdon).
    """
    loaded = provenance.loaded_departements(con)
    if not loaded:
        return []
    shapes = frame.assign(cpts="fichier", cpts_id="", feature=range(len(frame)))
    gaps = large_uncovered_parts(shapes, near)
    if gaps.empty:
        return []
    unloaded = unloaded_communes_inside(con, frame)
    if unloaded.empty:
        return []
    area, share = float(gaps["area_km2"].sum()), float(gaps["area_km2"].sum() / gaps["total_km2"].sum())
    return [f"{area:.0f} km² du périmètre du fichier ({share * 100:.0f} %) ne recouvrent aucune commune chargée (base "
            f"limitée à {', '.join(loaded)}) ; il contient le point représentatif de {communes_named(unloaded)} : "
            "le territoire ne contient que la partie chargée, et ses chiffres ne portent que sur elle (ajoutez ces "
            "départements : make data DEPARTEMENTS=…)"]


def empty_territory_message(con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame) -> str:
    """The message of a drawn perimeter (EPSG:4326) that holds the representative point of no unit.

    A review drew Lille as a buffer on a web map and saved it without its CRS: read as Lambert 93 (neither
    reading follows the communes' borders), it fell in the Atlantic, and the message never named the Web
    Mercator reading, which holds Lille. It does now, with the communes that reading would hold.
    """
    west, south, east, north = frame.total_bounds
    loaded = provenance.loaded_departements(con)
    unloaded = unloaded_communes_inside(con, frame) if loaded else pd.DataFrame()
    near = geography.unit_polygons_near(con, (west, south, east, north))
    touched = near[near.intersects(frame.geometry.union_all())] if len(near) else near
    if len(unloaded):
        message = ("Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune commune "
                   f"chargée (base limitée aux départements {', '.join(loaded)}) ; il contient celui de "
                   f"{communes_named(unloaded)} : ajoutez leurs départements (make data DEPARTEMENTS=…) ou chargez "
                   "toute la France (make data FRANCE=1)")
    elif len(touched):
        # Inside loaded communes, holding none of their points (a review drew a small box in Saint-Martin-de-
        # Brômes and was told to load its départements).
        names = first_listed([f"{r.nom} ({r.code})" for r in touched.sort_values("code").itertuples()], 10)
        message = ("Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune commune "
                   f"(une commune compte quand son point représentatif est dans le périmètre) ; il recouvre en partie "
                   f"{names} : agrandissez le tracé, ou donnez le territoire par ses codes (communes:"
                   f"{','.join(sorted(touched['code'].astype(str))[:10])})")
    elif loaded:  # most likely a perimeter elsewhere in France, not a coordinate problem
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


def held_instead(con: duckdb.DuckDBPyConnection, loaded: pd.Series, shapes: gpd.GeoDataFrame) -> str:
    """« ils contiennent celui de … »: the units (``loaded``: code → name) and the communes outside the load whose
    representative point the contours hold, or empty (a review was told to check the CRS of contours that held
    Marseille's 1st arrondissements, or Vinon-sur-Verdon)."""
    parts = [first_listed([f"{name} ({code})" for code, name in loaded.items()], 10)] if len(loaded) else []
    if len(unloaded := unloaded_communes_inside(con, shapes)):
        parts.append(communes_named(unloaded))
    return f" ; ils contiennent celui de {' ; '.join(parts)}" if parts else ""


def contours_against_codes(units: pd.DataFrame, held: set[str], placed: set[str], shapes: gpd.GeoDataFrame,
                            column: str, path: Path, instead: Callable[[], str] = lambda: "") -> list[str]:
    """The file's codes whose unit's representative point its contours do not hold (``held``: those they hold):
    all of them refuse the file (a review: contours in degrees under a « crs » of metres, in the Gulf of Guinea,
    passed with their codes without a word), some are noted (a commune drawn very simplified may leave its point
    out; one without a polygon of its own, not in ``placed``, has no point to hold)."""
    kept = units["unit_code"].astype(str).isin(held)
    if kept.any() or units.empty:
        away = units[~kept & units["unit_code"].astype(str).isin(placed)]
        if away.empty:
            return []
    else:
        none_held = (f"Les contours du fichier ne contiennent le point représentatif d'aucune des unités de sa "
                     f"propriété « {column} » ({len(units)} {'unité' if len(units) == 1 else 'unités'})")
        if held_there := instead():  # the contours of other communes: the codes or the contours are wrong
            raise TerritoryError(f"{none_held}{held_there} : corrigez les codes, ou retirez la propriété « {column} » "
                                 "pour lire le territoire d'après ses contours", path)
        where = (" : ils sont hors de France (métropole et DROM)" if "anomalie" in shapes
                 and shapes["anomalie"].notna().all() else "")
        raise TerritoryError(
            f"{none_held}{where} : vérifiez leur système de coordonnées (membre « crs » du GeoJSON, fichier .prj du "
            "Shapefile), ou donnez le territoire par ses seuls codes (un fichier CSV de codes)", path)
    shown = first_listed([f"{r.unit_code}" for r in away.itertuples()], 10)
    return [f"{len(away)} {'unité' if len(away) == 1 else 'unités'} de la propriété « {column} » dont le point "
            f"représentatif n'est dans aucun contour du fichier : {shown} ; lues d'après leur code, vérifiez le tracé"]
