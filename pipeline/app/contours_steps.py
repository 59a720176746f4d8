"""``make data`` steps for polygons: communes, and the arrondissements of Paris, Lyon and Marseille.

* With a mirror: the mirror's files (COG 2018 communes per département,
  harmonised to the current COG; the 2023 arrondissements).
* Online (no mirror): Etalab's « contours administratifs » of the current COG
  year (:func:`pipeline.sources.contours_download.download_current_contours`,
  or an earlier year while the current one is not published), one national
  file holding the communes and, since 2021, the arrondissements municipaux:
  both steps read that one download. Harmonisation still maps the few codes
  that changed since the file's year.

``CPTS_CONTOURS_URL`` points the download at another server (tests, a local copy).
"""

from __future__ import annotations

import functools
import gzip
import time
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline import config
from pipeline.app.steps import SCOPE_SETTING, Scope, StepResult, combined_sha
from pipeline.errors import DataError
from pipeline.geography import departement_of, of_place, to_wkb
from pipeline.render.report import format_number
from pipeline.sources import arrondissements, contours, decoupage
from pipeline.sources.contours_download import ETALAB_CONTOURS_BASE, EtalabContours, download_current_contours
from pipeline.sources.download import obtain, refused_download
from pipeline.store import load
from pipeline.store.connection import transaction
from pipeline.store.load import Provenance
from pipeline.store.queries import geography, provenance

COMMUNES_SOURCE = "contours-communes"
#: 2: areas measured in an equal-area projection (they were in Lambert 93 or UTM: up to 0.5 % too large).
#: 3: the communes of the départements not loaded are placed (``communes_hors_chargement``).
#: 4: the residue names the polygon holding each commune re-created since the contours' COG (``polygone``).
POLYGONS_LOADER_VERSION = "4"


def _etalab(layer: str = "communes") -> EtalabContours:
    return download_current_contours(config.raw_dir() / "contours-etalab", layer=layer,
                                     base_url=config.contours_base_url() or ETALAB_CONTOURS_BASE)


@functools.lru_cache(maxsize=2)
def _staged_etalab(path: Path, sha256: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The national file staged once per run (both steps read it); keyed by its checksum."""
    return contours.stage_etalab_communes(path)


def _staged_or_refused(current: EtalabContours) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """:func:`_staged_etalab`; a file that does not read is deleted, a system error (a review: kept, it stopped every
    later run with exit 2, never fetched again)."""
    try:
        return _staged_etalab(current.path, current.sha256)
    except DataError as exc:
        raise refused_download(current.path, current.url, f"Fichier des contours {current.year}", exc) from exc


def _in_scope(frame: gpd.GeoDataFrame, scope: Scope) -> gpd.GeoDataFrame:
    if scope.departements is None:
        return frame
    keep = frame["code"].map(lambda c: departement_of(c) in (scope.departements or ()))
    return frame[keep.astype(bool)].reset_index(drop=True)


def _newer_kept(con: duckdb.DuckDBPyConnection, source: str, label: str, year: int, url: str,
                scope: Scope) -> str | None:
    """The warning keeping a newer year of ``source`` loaded before for the same départements, when only ``year``
    could be had (its file gone from data/raw/, a 404 on the publisher's side): an older year took its place
    without a word (a review). None to load ``year``; polygons of the 04 alone are no answer to a load of France."""
    newer = [v for v, *_ in provenance.loaded_files(con, source) if v.isdigit() and int(v) > year]
    same_scope = set(filter(None, (provenance.setting(con, SCOPE_SETTING) or "").split(","))) == set(
        scope.departements or ())
    if not newer or not same_scope:
        return None
    return f"{label} {max(newer)} gardés : seul le millésime {year} a pu être obtenu ({url}), il ne remplace pas un " \
           "millésime plus récent"


def load_contours(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
    """Polygons harmonised to the current COG, and their residue."""
    start = time.perf_counter()
    cog_sha = provenance.source_sha(con, "decoupage-administratif", combined=True) or ""
    if mirror is not None:
        folder = mirror / config.CONTOURS_MIRROR_DIR
        every_file = contours.list_files(folder)
        every_sha = contours.files_sha256(every_file)
        loaded = {f.name for f in every_file
                  if scope.departements is None or f.name.split("-")[1] in scope.departements}
        sha = scope.tag(combined_sha([every_sha, cog_sha]))
        vintage, origin = config.CONTOURS_VINTAGE, f"miroir:{folder}"  # as the other mirror files
        label = "IGN Admin Express COG 2018 simplifié"
    else:
        current = _etalab()
        if (kept := _newer_kept(con, COMMUNES_SOURCE, "contours des communes", current.year, current.url, scope)):
            return StepResult("contours des communes", "inchangé", 0, time.perf_counter() - start, [kept], kept)
        sha = scope.tag(combined_sha([current.sha256, cog_sha]))
        vintage, origin = str(current.year), current.url
        label = f"Etalab, contours administratifs {current.year} (IGN ADMIN EXPRESS, généralisés à 50 m)"
    if not force and load.source_loaded(con, COMMUNES_SOURCE, vintage, sha, POLYGONS_LOADER_VERSION):
        return StepResult("contours des communes", "inchangé", 0, time.perf_counter() - start)
    if mirror is not None:
        # Every file is read (from the staged cache after the first load): the others place the communes beyond.
        every = contours.read_polygons_cached(every_file, every_sha)
        inside = every["fichier"].isin(loaded)
        polygons, beyond = every[inside].reset_index(drop=True), every[~inside].reset_index(drop=True)
    else:
        national = _staged_or_refused(current)[0]
        polygons = _in_scope(national, scope)
        beyond = national[~national["code"].isin(polygons["code"])]
    mapping = geography.cog_mapping(con)[["code", "current_code"]]
    units = geography.current_units_with_postcodes(con)
    communes = units.loc[units["type"] == "commune-actuelle", ["code", "nom", "zone", "population", "departement"]]
    result = contours.harmonise(polygons, mapping, communes.drop(columns="departement"))
    table = contours.polygon_table(result.polygons,
                                   result.polygons["code"].map(communes.set_index("code")["departement"]))
    table["geometry"] = to_wkb(result.polygons.geometry)
    residue = _with_holders(result, mapping, mirror, vintage, communes)
    outside = contours.outside_the_load_table(beyond, result.polygons)  # none on a national load
    if scope.departements is not None:
        residue = scope.keep(residue, "code")
    with transaction(con):
        load.forget_other_vintages(con, COMMUNES_SOURCE, [vintage])
        load.replace_table(con, "commune_polygons", table, origin)
        load.replace_table(con, "polygon_residue", residue, origin)
        load.replace_table(con, "communes_hors_chargement", outside, origin)
        load.record_source(con, Provenance(
            COMMUNES_SOURCE, vintage, origin, sha, len(table),
            f"{label}, harmonisé au COG {config.CURRENT_VINTAGE} par fusion des communes absorbées{scope.label}",
            POLYGONS_LOADER_VERSION))
    details = [f"{format_number(len(table))} communes avec polygone, {format_number(len(residue))} lignes de reliquat"]
    if len(outside):
        details.append(f"{format_number(len(outside))} communes des autres départements localisées (portée du "
                       "modèle de flux, communes voisines)")
    if mirror is None:  # a copy of data/raw/ is not said downloaded (a review)
        details.append(f"contours {vintage} téléchargés depuis {origin}" if current.downloaded else
                       f"contours {vintage} lus dans {current.path} (téléchargés plus tôt depuis {origin})")
    return StepResult("contours des communes", "chargé", len(table), time.perf_counter() - start, details)


def _with_holders(result: contours.Harmonised, mapping: pd.DataFrame, mirror: Path | None, vintage: str,
                  communes: pd.DataFrame) -> pd.DataFrame:
    """The residue, with the commune whose polygon holds each commune re-created since the contours' COG: that
    polygon's area is theirs together (Troarn's 2018 polygon, Saline, holds Sannerville, re-created in 2020)."""
    residue = result.residue.assign(polygone=pd.Series(pd.NA, index=result.residue.index, dtype="string"))
    metro = (residue["kind"] == "commune-sans-polygone") & ~residue["note"].str.startswith("collectivité")
    if not metro.any():
        return residue
    # The first COG vintage from the contours' year: the re-created commune is then a commune déléguée.
    first = min((v for v in config.DECOUPAGE_VERSIONS if v >= int(vintage)), default=config.CURRENT_VINTAGE)
    package = obtain(config.decoupage_file(first), mirror)
    edges = decoupage.staged_vintage(package.path, first, package.sha256).edges
    holders = contours.holders_of_recreated(residue[metro], result.polygons, edges, mapping)
    names = communes.set_index("code")["nom"]
    residue["polygone"] = residue["code"].map(holders).astype("string")
    held = residue["polygone"].notna()
    residue.loc[held, "note"] = [f"commune recréée après le COG des contours : son territoire est dans le polygone "
                                 f"{of_place(str(names.get(h, h)))} ({h}), dont la surface est celle de leur ensemble"
                                 for h in residue.loc[held, "polygone"]]
    return residue


def _online_arrondissements() -> tuple[gpd.GeoDataFrame, str, str, str]:
    """Arrondissement polygons online: from the national communes file, else Etalab's separate layer."""
    current = _etalab()
    staged = _staged_or_refused(current)[1]
    if len(staged):
        return staged, current.url, current.sha256, str(current.year)
    separate = _etalab("arrondissements-municipaux")
    plain = separate.path.with_suffix("")  # the staging reads GeoJSON text: decompress beside the download
    data = separate.path.read_bytes()
    plain.write_bytes(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return (arrondissements.stage_arrondissement_polygons(plain), separate.url, separate.sha256,
            str(separate.year))


def load_arrondissement_polygons(
    con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope
) -> StepResult:
    """Polygons of the 45 arrondissements municipaux: the mirror's file, or Etalab's current ones online."""
    start = time.perf_counter()
    name = "contours des arrondissements"
    source = arrondissements.ARRONDISSEMENTS_2023
    polygons: gpd.GeoDataFrame | None = None
    if mirror is not None:
        local = obtain(source, mirror)
        origin, sha, vintage = local.origin, local.sha256, source.vintage
    else:
        polygons, origin, sha, vintage = _online_arrondissements()
        if (kept := _newer_kept(con, source.name, name, int(vintage), origin, scope)):
            return StepResult(name, "inchangé", 0, time.perf_counter() - start, [kept], kept)
    sha = scope.tag(sha)
    if not force and load.source_loaded(con, source.name, vintage, sha, POLYGONS_LOADER_VERSION):
        return StepResult(name, "inchangé", 0, time.perf_counter() - start)
    if polygons is None:
        polygons = arrondissements.stage_arrondissement_polygons(local.path)
    polygons = polygons.assign(source_codes=polygons["code"])
    table = contours.polygon_table(polygons, polygons["code"].map(departement_of))
    table = table.drop(columns="source_codes").assign(commune=polygons["commune"].to_numpy())
    table["geometry"] = to_wkb(polygons.geometry)
    table = scope.keep(pd.DataFrame(table), "code")
    with transaction(con):
        load.forget_other_vintages(con, source.name, [vintage])
        load.replace_table(con, "arrondissement_polygons", table, origin)
        load.record_source(con, Provenance(source.name, vintage, origin, sha, len(table),
                                           "contours des arrondissements municipaux de Paris, Lyon et Marseille"
                                           + scope.label, POLYGONS_LOADER_VERSION))
    return StepResult(name, "chargé", len(table), time.perf_counter() - start)
