"""``make data``: load every source into DuckDB, one transaction per source.

Each step obtains its file(s) (mirror or download), compares their sha256
with the ``sources`` table and skips the work when nothing changed, so that
a second run takes seconds. Steps that derive from another source (polygons
harmonised with the COG mapping) include that source's checksum in theirs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import config
from pipeline.geography import to_wkb
from pipeline.progress import steps_bar
from pipeline.sources import apl, cog, contours, decoupage, insee, zonage
from pipeline.sources.download import LocalFile, obtain
from pipeline.store import connection as store


@dataclass
class StepResult:
    name: str
    status: str  # "chargé" or "inchangé"
    rows: int
    seconds: float
    details: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    steps: list[StepResult] = field(default_factory=list)
    residue: pd.DataFrame | None = None
    #: (current communes, their population) of the current vintage, read under the writer lock
    #: so that the final summary never has to reopen a database another run may hold by then.
    communes: tuple[int, int] = (0, 0)


def _combined_sha(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _vintage_label(vintages: list[int]) -> str:
    return ",".join(str(v) for v in vintages)


def load_decoupage(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
    """Communes of every vintage, COG mapping, populations on the current geography."""
    start = time.perf_counter()
    vintages = sorted(config.DECOUPAGE_VERSIONS)
    files: dict[int, LocalFile] = {v: obtain(config.decoupage_file(v), mirror) for v in vintages}
    sha = _combined_sha([f"{v}:{files[v].sha256}" for v in vintages])
    if not force and store.source_loaded(con, "decoupage-administratif", _vintage_label(vintages), sha):
        return StepResult("découpage administratif", "inchangé", 0, time.perf_counter() - start)
    staged = [decoupage.stage_vintage(files[v].path, v) for v in vintages]
    communes = pd.concat([s.communes for s in staged], ignore_index=True)
    edges = pd.concat([s.edges for s in staged], ignore_index=True)
    mapping = cog.build_mapping(communes, edges, config.CURRENT_VINTAGE)
    populations = cog.population_on_current_geography(communes, mapping)
    latest = staged[-1]
    check_contracts(communes, mapping)
    origins = "; ".join(f"{v}={files[v].origin}" for v in vintages)
    with store.transaction(con):
        store.replace_table(con, "communes", communes)
        store.replace_table(con, "cog_mapping", mapping)
        store.replace_table(con, "population_current_geo", populations)
        store.replace_table(con, "departements", latest.departements)
        store.replace_table(con, "regions", latest.regions)
        store.replace_table(con, "epci", latest.epci)
        store.replace_table(con, "epci_membres", latest.epci_membres)
        for v in vintages:
            store.record_source(
                con, "decoupage-administratif", str(v), files[v].origin, files[v].sha256,
                int((communes["vintage"] == v).sum()),
                f"@etalab/decoupage-administratif {config.DECOUPAGE_VERSIONS[v]} : COG au 1er janvier {v}, "
                "populations légales en vigueur cette année-là",
            )
        store.record_source(con, "decoupage-administratif", _vintage_label(vintages), origins, sha,
                            len(mapping), "ensemble des millésimes (table de passage du COG)")
    unmapped = int(mapping["current_code"].isna().sum())
    details = [f"{len(mapping)} codes dans la table de passage, {unmapped} sans correspondance"]
    return StepResult("découpage administratif", "chargé", len(communes), time.perf_counter() - start, details)


def check_contracts(communes: pd.DataFrame, mapping: pd.DataFrame) -> None:
    """Row contracts: one row per code and vintage; targets exist; populations ≥ 0."""
    from pipeline.errors import DataError

    if communes.duplicated(["code", "vintage"]).any():
        raise DataError("Contrat violé : plusieurs lignes pour un même code et millésime")
    current = communes[(communes["vintage"] == config.CURRENT_VINTAGE) & (communes["type"] == "commune-actuelle")]
    targets = set(mapping["current_code"].dropna())
    if not targets <= set(current["code"]):
        raise DataError("Contrat violé : la table de passage vise des codes qui ne sont pas des communes actuelles")
    if (communes["population"].dropna() < 0).any():
        raise DataError("Contrat violé : population négative")


def load_contours(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
    """Polygons harmonised to the current COG, and their residue."""
    start = time.perf_counter()
    folder = _contours_folder(mirror)
    files = contours.list_files(folder)
    deps = con.execute(
        "SELECT sha256 FROM sources WHERE source = 'decoupage-administratif' AND vintage LIKE '%,%'"
    ).fetchone()
    sha = _combined_sha([contours.files_sha256(files), deps[0] if deps else ""])
    if not force and store.source_loaded(con, "contours-communes", config.CONTOURS_VINTAGE, sha):
        return StepResult("contours des communes", "inchangé", 0, time.perf_counter() - start)
    polygons = contours.read_polygons(files)
    mapping = con.execute("SELECT code, current_code FROM cog_mapping").df()
    current = con.execute(
        "SELECT code, nom, zone, population FROM communes WHERE vintage = ? AND type = 'commune-actuelle'",
        [config.CURRENT_VINTAGE],
    ).df()
    result = contours.harmonise(polygons, mapping, current)
    departements = con.execute(
        "SELECT code, departement FROM communes WHERE vintage = ? AND type = 'commune-actuelle'",
        [config.CURRENT_VINTAGE],
    ).df().set_index("code")["departement"]
    table = contours.polygon_table(result.polygons, result.polygons["code"].map(departements))
    table["geometry"] = to_wkb(result.polygons.geometry)
    store.load_source(
        con,
        {"commune_polygons": table, "polygon_residue": result.residue},
        {
            "source": "contours-communes", "vintage": config.CONTOURS_VINTAGE, "origin": str(folder),
            "sha256": sha, "row_count": len(table),
            "notes": "IGN Admin Express COG 2018 simplifié, harmonisé au COG "
            f"{config.CURRENT_VINTAGE} par fusion des communes absorbées",
        },
    )
    details = [f"{len(table)} communes avec polygone, {len(result.residue)} lignes de reliquat"]
    return StepResult("contours des communes", "chargé", len(table), time.perf_counter() - start, details)


def _contours_folder(mirror: Path | None) -> Path:
    if mirror is not None:
        return mirror / config.CONTOURS_MIRROR_DIR
    from pipeline.sources.contours_download import download_contours

    return download_contours(config.raw_dir() / config.CONTOURS_MIRROR_DIR)


def _simple_step(
    name: str,
    source: config.SourceFile,
    stage: Callable[[Path], dict[str, pd.DataFrame]],
    notes: str,
) -> Callable[[duckdb.DuckDBPyConnection, Path | None, bool], StepResult]:
    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
        start = time.perf_counter()
        local = obtain(source, mirror)
        if not force and store.source_loaded(con, source.name, source.vintage, local.sha256):
            return StepResult(name, "inchangé", 0, time.perf_counter() - start)
        tables = stage(local.path)
        rows = sum(len(t) for t in tables.values())
        store.load_source(
            con, tables,
            {"source": source.name, "vintage": source.vintage, "origin": local.origin,
             "sha256": local.sha256, "row_count": rows, "notes": notes},
        )
        return StepResult(name, "chargé", rows, time.perf_counter() - start)

    return step


load_appartenance = _simple_step(
    "table d'appartenance INSEE", config.APPARTENANCE,
    lambda p: {"appartenance": insee.stage_appartenance(p)},
    "INSEE, table d'appartenance géographique des communes au 1er janvier 2024 (BV2022, ZE2020, EPCI…)",
)
load_libelles = _simple_step(
    "libellés des zonages INSEE", config.ZONAGES_LIBELLES,
    lambda p: {"zonages_libelles": insee.stage_libelles(p)},
    "INSEE, libellés des zonages supra-communaux 2024",
)
load_apl = _simple_step(
    "APL DREES", config.APL,
    lambda p: {"apl": apl.stage_apl(p)},
    "DREES, APL aux médecins généralistes 2022 et 2023 (consultations accessibles par habitant standardisé)",
)
load_qpv = _simple_step(
    "zonage QPV", config.QPV_ZONAGE,
    lambda p: {"qpv_zonage": zonage.stage_qpv_zonage(p)},
    "ARS PACA, zonage médecins généralistes par QPV, millésime 2025",
)

STEPS: list[Callable[[duckdb.DuckDBPyConnection, Path | None, bool], StepResult]] = [
    load_decoupage, load_contours, load_appartenance, load_libelles, load_apl, load_qpv,
]


def run(
    mirror: Path | None = None,
    force: bool = False,
    extra_steps: list[Callable[[duckdb.DuckDBPyConnection, Path | None, bool], StepResult]] | None = None,
) -> IngestReport:
    """Run every ingestion step under the writer lock."""
    report = IngestReport()
    steps = STEPS + (extra_steps or [])
    with store.writer() as con:
        for step in steps_bar(steps, "Chargement des sources"):
            report.steps.append(step(con, mirror, force))
        report.residue = con.execute("SELECT * FROM polygon_residue ORDER BY kind, code").df()
        row = con.execute(
            "SELECT count(*), coalesce(sum(population), 0) FROM communes "
            "WHERE vintage = ? AND type = 'commune-actuelle'",
            [config.CURRENT_VINTAGE],
        ).fetchone()
        report.communes = (int(row[0]), int(row[1])) if row else (0, 0)
    return report
