"""Commune polygons: staging of the per-département GeoJSON files (2018 in the
mirror) or of Etalab's current national file, then harmonisation of their COG
to the current COG.

Harmonisation dissolves the polygons of communes absorbed since into their
current commune. What cannot be harmonised is returned as a residue that the
caller stores and prints: 2018 codes that map to no current commune, and
current communes that have no polygon (re-created by a split after 2018, or
outside the files' coverage such as the collectivités d'outre-mer).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from pipeline.errors import DataError
from pipeline.geography import INSEE_CODE, WGS84, city_of_arrondissement, departement_of
from pipeline.sources import staged_cache

GEOJSON_GLOB = "communes-*.geojson"


def list_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob(GEOJSON_GLOB))
    if not files:
        raise DataError(f"Aucun fichier {GEOJSON_GLOB} dans le dossier des contours", folder)
    return files


def files_sha256(files: list[Path]) -> str:
    """One checksum for a set of files (names and contents)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_polygons(files: list[Path]) -> gpd.GeoDataFrame:
    """Read and validate every file: columns ``code``, ``nom``, ``geometry`` (EPSG:4326)."""
    frames = []
    for path in files:
        try:
            frame = pyogrio.read_dataframe(path, columns=["code", "nom"])
        except Exception as exc:  # pyogrio raises several GDAL-derived types
            raise DataError(f"GeoJSON illisible : {exc}", path) from exc
        missing = {"code", "nom"} - set(frame.columns)
        if missing:
            raise DataError("Propriétés absentes : " + ", ".join(sorted(missing)), path)
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        empty = frame.geometry.is_empty | frame.geometry.isna()
        if empty.any():
            codes = ", ".join(frame.loc[empty, "code"].astype(str).head(10))
            raise DataError(f"Géométries vides pour les communes {codes}", path)
        frame["fichier"] = path.name
        frames.append(frame)
    polygons = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    invalid = ~polygons.geometry.is_valid
    if invalid.any():
        polygons.loc[invalid, "geometry"] = shapely.make_valid(polygons.geometry[invalid].values)
    return polygons


def read_polygons_cached(files: list[Path], sha256: str) -> gpd.GeoDataFrame:
    """:func:`read_polygons` of ``files`` (checksum ``sha256`` from :func:`files_sha256`), kept in the staged cache.

    A load of a few départements still reads every file of the mirror's folder, the others placing the
    communes outside the load: about 2 s of GeoJSON parsing at each ``make data``, a tenth of it from the
    cache (the geometries are kept as WKB, which gives the same coordinates back).
    """
    def stage() -> dict[str, pd.DataFrame]:
        polygons = read_polygons(files)
        return {"polygons": pd.DataFrame(polygons.drop(columns="geometry")).assign(
            geometry=shapely.to_wkb(polygons.geometry.values))}

    frame = staged_cache.staged("contours-communes", sha256, stage)["polygons"]
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=shapely.from_wkb(frame["geometry"].to_numpy()),
                            crs=WGS84)


def stage_etalab_communes(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Stage Etalab's « contours administratifs » commune file of a COG year.

    ``communes-<résolution>m.geojson`` (or its ``.gz``), published at
    :data:`pipeline.sources.contours_download.ETALAB_CONTOURS_BASE`, holds one
    feature per current commune (properties ``code``, ``nom``,
    ``departement``, ``region``, ``epci``, ``plm`` = 1 for Paris, Lyon and
    Marseille) and, since 2021, one per arrondissement municipal (``commune``
    = the city's code).

    Returns
    -------
    (communes, arrondissements)
        ``communes``: the columns of :func:`read_polygons` (``code``, ``nom``,
        ``fichier``, ``geometry``; EPSG:4326), so that :func:`harmonise`
        applies unchanged — it keeps every polygon when the file's COG is the
        current one. ``arrondissements``: ``code``, ``nom``, ``commune``,
        ``geometry``, the columns of
        :func:`pipeline.sources.arrondissements.stage_arrondissement_polygons`
        (empty for years whose arrondissements are in a separate file).

    Raises
    ------
    DataError
        Unreadable file (or truncated gzip), missing ``code``/``nom``,
        malformed or duplicated codes, empty geometries; invalid geometries
        are repaired as for the 2018 files.
    """
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError("Archive gzip des contours tronquée ou corrompue", path) from exc
    try:
        frame = pyogrio.read_dataframe(io.BytesIO(data))
    except Exception as exc:  # pyogrio raises several GDAL-derived types, their text in English (a review)
        start = " ".join(data[:60].decode("utf-8", errors="replace").split())
        raise DataError(f"GeoJSON des contours illisible : le fichier ne se lit pas comme du GeoJSON (début : "
                        f"« {start} »)", path) from exc
    missing = {"code", "nom"} - set(frame.columns)
    if missing:
        raise DataError("Propriétés absentes : " + ", ".join(sorted(missing)), path)
    if frame.crs is not None and frame.crs.to_epsg() != WGS84:
        frame = frame.to_crs(WGS84)
    frame["code"] = frame["code"].astype(str).str.strip()
    bad = ~frame["code"].str.match(INSEE_CODE.pattern)
    duplicated = frame["code"].duplicated()
    empty = frame.geometry.is_empty | frame.geometry.isna()
    problems = [f"code « {c} » invalide" for c in frame.loc[bad, "code"].head(10)]
    problems += [f"code {c} en double" for c in frame.loc[duplicated, "code"].head(10)]
    problems += [f"géométrie vide pour {c}" for c in frame.loc[empty, "code"].head(10)]
    if problems:
        raise DataError("Contours Etalab invalides : " + " ; ".join(problems), path)
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        frame.loc[invalid, "geometry"] = shapely.make_valid(frame.geometry[invalid].values)
    parent = frame["commune"] if "commune" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    is_arrondissement = parent.notna() & (parent.astype(str).str.strip() != "")
    is_arrondissement |= frame["code"].map(city_of_arrondissement).notna()
    communes = frame[~is_arrondissement].assign(fichier=Path(path).name)
    arrondissements = frame[is_arrondissement].assign(commune=frame.loc[is_arrondissement, "code"].map(
        city_of_arrondissement))
    return (
        gpd.GeoDataFrame(communes[["code", "nom", "fichier", "geometry"]], geometry="geometry", crs=WGS84)
        .sort_values("code").reset_index(drop=True),
        gpd.GeoDataFrame(arrondissements[["code", "nom", "commune", "geometry"]], geometry="geometry", crs=WGS84)
        .sort_values("code").reset_index(drop=True),
    )


def polygon_table(polygons: gpd.GeoDataFrame, departements: pd.Series) -> pd.DataFrame:
    """Per-polygon attributes stored beside the geometry so that queries need not decode it.

    ``area_km2`` is measured in an equal-area projection
    (:func:`pipeline.geography.equal_area_crs`); ``lon``/``lat`` is a representative point inside the polygon;
    ``xmin``…``ymax`` the bounding box in degrees, for spatial pre-filters in SQL.
    """
    from pipeline.geography import equal_area_crs

    crs = departements.fillna("").map(equal_area_crs)
    area = pd.Series(index=polygons.index, dtype="float64")
    for code in crs.unique():
        mask = (crs == code).to_numpy()
        area[mask] = polygons[mask].to_crs(code).area.to_numpy() / 1e6
    points = polygons.representative_point()
    bounds = polygons.bounds
    return pd.DataFrame({
        "code": polygons["code"].to_numpy(),
        "nom": polygons["nom"].to_numpy(),
        "source_codes": polygons["source_codes"].to_numpy(),
        "area_km2": area.to_numpy(),
        "lon": points.x.to_numpy(),
        "lat": points.y.to_numpy(),
        "xmin": bounds["minx"].to_numpy(),
        "ymin": bounds["miny"].to_numpy(),
        "xmax": bounds["maxx"].to_numpy(),
        "ymax": bounds["maxy"].to_numpy(),
    })


@dataclass
class Harmonised:
    polygons: gpd.GeoDataFrame
    residue: pd.DataFrame


def harmonise(
    polygons: gpd.GeoDataFrame,
    mapping: pd.DataFrame,
    current: pd.DataFrame,
) -> Harmonised:
    """Dissolve old-COG polygons into the current communes.

    Parameters
    ----------
    polygons
        code, nom, geometry in an older COG.
    mapping
        :func:`pipeline.sources.cog.build_mapping` output (code, current_code).
    current
        Current communes (code, nom, zone, population).

    Returns
    -------
    Harmonised
        ``polygons``: one row per current commune that has a polygon (code,
        nom, source_codes, geometry); ``residue``: code, nom, kind,
        population, note.
    """
    target = polygons.merge(mapping[["code", "current_code"]], on="code", how="left")
    unmapped = target["current_code"].isna()
    residue_old = pd.DataFrame(
        {
            "code": target.loc[unmapped, "code"],
            "nom": target.loc[unmapped, "nom"],
            "kind": "ancien-code-sans-correspondance",
            "population": pd.array([pd.NA] * int(unmapped.sum()), dtype="Int64"),
            "note": "code du COG des contours absent de tous les millésimes chargés ; polygone non rattaché",
        }
    )
    target = target[~unmapped]
    counts = target.groupby("current_code")["code"].transform("size")
    single = target[counts == 1]
    multi = target[counts > 1]
    parts = [
        gpd.GeoDataFrame(
            {"code": single["current_code"].values, "source_codes": single["code"].values},
            geometry=single.geometry.values,
            crs=4326,
        )
    ]
    if not multi.empty:
        groups = multi.groupby("current_code")
        geoms = [shapely.union_all(g.geometry.values) for _, g in groups]
        parts.append(
            gpd.GeoDataFrame(
                {
                    "code": list(groups.groups.keys()),
                    "source_codes": [",".join(sorted(g["code"])) for _, g in groups],
                },
                geometry=geoms,
                crs=4326,
            )
        )
    harmonised = pd.concat(parts, ignore_index=True)
    harmonised = harmonised.merge(current[["code", "nom"]], on="code", how="left")
    harmonised = gpd.GeoDataFrame(
        harmonised[["code", "nom", "source_codes", "geometry"]], geometry="geometry", crs=4326
    )
    missing = current[~current["code"].isin(harmonised["code"])]
    residue_missing = pd.DataFrame(
        {
            "code": missing["code"],
            "nom": missing["nom"],
            "kind": "commune-sans-polygone",
            "population": missing["population"].astype("Int64"),
            "note": [
                "collectivité d'outre-mer : hors du champ des contours"
                if zone == "com"
                else "commune actuelle sans polygone propre (recréée après le COG des contours ?)"
                for zone in missing.get("zone", pd.Series(["metro"] * len(missing)))
            ],
        }
    )
    residue = pd.concat([residue_old, residue_missing], ignore_index=True).sort_values(["kind", "code"])
    return Harmonised(harmonised.sort_values("code").reset_index(drop=True), residue.reset_index(drop=True))


def holders_of_recreated(residue: pd.DataFrame, polygons: pd.DataFrame, edges: pd.DataFrame,
                         mapping: pd.DataFrame) -> pd.Series:
    """The current commune whose polygon holds each commune re-created after the contours' COG.

    Parameters
    ----------
    residue
        :attr:`Harmonised.residue` (``code``, ``kind``).
    polygons
        :attr:`Harmonised.polygons` (``code``: current communes with a polygon; ``source_codes``).
    edges
        Staged COG edges of the vintages nearest the contours' (``vintage, code, target, kind``): a
        re-created commune was then a ``deleguee`` or ``associee`` of the commune whose polygon holds it
        (Sannerville 14666 of Saline 14712, whose 2018 polygon is today Troarn's).
    mapping
        ``code, current_code`` of every code.

    Returns
    -------
    pandas.Series
        Re-created commune code → holding current commune code (only those found).
    """
    without = residue.loc[residue["kind"] == "commune-sans-polygone", "code"].astype(str)
    sources = {code: holder for holder, codes in zip(polygons["code"], polygons["source_codes"], strict=True)
               for code in str(codes).split(",")}
    current = mapping.set_index("code")["current_code"].to_dict()
    found = edges[edges["code"].isin(set(without)) & edges["kind"].isin(["deleguee", "associee"])]
    found = found.sort_values("vintage")  # the first vintage after the contours' COG
    drawn = set(polygons["code"].astype(str))
    holders: dict[str, str] = {}
    for row in found.itertuples():
        holder = sources.get(str(row.target)) or current.get(str(row.target))
        if row.code not in holders and holder in drawn and holder != row.code:
            holders[str(row.code)] = str(holder)
    return pd.Series(holders, dtype="string")


#: Distance (degrees, about 1 km) within which a commune outside the load keeps its polygon: the communes
#: that border a loaded one, across the small gaps of simplified contours.
BORDER_TOLERANCE_DEG = 0.01


def outside_the_load_table(others: gpd.GeoDataFrame, loaded: gpd.GeoDataFrame) -> pd.DataFrame:
    """Where the communes of the départements not loaded lie (``communes_hors_chargement``).

    Parameters
    ----------
    others
        ``code``, geometry (EPSG:4326): the communes of every other département.
    loaded
        Geometry (EPSG:4326) of the loaded communes.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``departement``, ``lon``/``lat`` (a point inside the polygon) and ``geometry`` (WKB), kept
        only for the communes within :data:`BORDER_TOLERANCE_DEG` of a loaded commune (None elsewhere): a
        diagnostic needs where every one lies (its flow model's reach) and the outline of those that border
        it (its uncovered neighbours).
    """
    points = others.representative_point()
    tree = shapely.STRtree(loaded.geometry.to_numpy())
    near, _ = tree.query(others.geometry.to_numpy(), predicate="dwithin", distance=BORDER_TOLERANCE_DEG)
    border = pd.Series(False, index=range(len(others)))
    border.iloc[sorted(set(near.tolist()))] = True
    geometry = shapely.to_wkb(others.geometry.to_numpy())
    return pd.DataFrame({
        "code": others["code"].astype(str).to_numpy(),
        "departement": others["code"].astype(str).map(departement_of).to_numpy(),
        "lon": points.x.to_numpy(),
        "lat": points.y.to_numpy(),
        "geometry": [g if keep else None for g, keep in zip(geometry, border.to_numpy(), strict=True)],
    })
