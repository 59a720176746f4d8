"""``make data`` steps for CPTS listings and health-care supply (Annuaire Santé, FINESS).

Supply comes from the files the user gives (``--registre``/``CPTS_REGISTRY``,
``--finess``/``CPTS_FINESS``). When none is given and none was loaded before,
a deterministic national demonstration extraction is generated in the
official layouts (:mod:`pipeline.sources.demo`) and loaded; every output built
on it says "données fictives de démonstration".
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import config
from pipeline.app.data import StepResult
from pipeline.errors import DataError
from pipeline.geography import from_wkb, to_wkb
from pipeline.sources import annuaire, cpts_listing, finess
from pipeline.sources.download import obtain, sha256_of
from pipeline.sources.extraction_names import DEMO_NOTE
from pipeline.store import connection as store
from pipeline.store import registry_tables

Step = Callable[[duckdb.DuckDBPyConnection, Path | None, bool], StepResult]
DEMO_SEED = 2026
# 2: staged without the database, both layouts, unit and postal code columns.
FINESS_LOADER_VERSION = "2"
LISTING_TABLES = ("cpts_membres", "cpts_anomalies", "cpts_perimetres")


def _mapping_and_units(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    mapping = con.execute("SELECT code, current_code, kind, nom FROM cog_mapping").df()
    units = con.execute(
        "SELECT code, nom, type, parent, departement, region, population, codes_postaux FROM communes "
        "WHERE vintage = ?",
        [config.CURRENT_VINTAGE],
    ).df()
    return mapping, units


def listing_step(path: Path, name: str | None = None, origin: str | None = None) -> Step:
    """Load one CPTS listing under its name, replacing a previous listing of that name only."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
        start = time.perf_counter()
        listing = name or path.stem
        sha = sha256_of(path)
        source = f"cpts:{listing}"
        if not force and store.source_loaded(con, source, "liste", sha):
            return StepResult(f"liste de CPTS « {listing} »", "inchangé", 0, time.perf_counter() - start)
        mapping, units = _mapping_and_units(con)
        result = cpts_listing.read_listing(path, mapping, units, listing)
        members = result.members.assign(listing=listing)
        issues = result.issues.assign(listing=listing)
        perimeters = pd.DataFrame(columns=["listing", "cpts", "cpts_id", "geometry"])
        if result.perimeters is not None and len(result.perimeters):
            perimeters = pd.DataFrame({
                "listing": listing, "cpts": result.perimeters["cpts"].to_numpy(),
                "cpts_id": result.perimeters["cpts_id"].to_numpy(),
                "geometry": to_wkb(result.perimeters.geometry),
            })
        with store.transaction(con):
            for table, frame in zip(LISTING_TABLES, (members, issues, perimeters), strict=True):
                _replace_listing(con, table, frame, listing)
            store.record_source(con, source, "liste", origin or str(path), sha, len(members),
                                f"liste de CPTS « {listing} » : {members['cpts'].nunique()} CPTS, "
                                f"{len(issues)} anomalies signalées")
        details = [f"{members['cpts'].nunique()} CPTS, {len(members)} unités"]
        counts = issues["kind"].value_counts()
        if len(counts):
            details.append("anomalies : " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return StepResult(f"liste de CPTS « {listing} »", "chargé", len(members), time.perf_counter() - start,
                          details)

    return step


def _replace_listing(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, listing: str) -> None:
    """Replace the rows of one listing in ``table`` (create it on first use)."""
    if not store.table_exists(con, table):
        store.replace_table(con, table, frame)
        return
    con.execute(f'DELETE FROM "{table}" WHERE listing = ?', [listing])
    existing = [r[0] for r in con.execute(f"SELECT column_name FROM information_schema.columns "
                                          f"WHERE table_name = '{table}' ORDER BY ordinal_position").fetchall()]
    con.register("_incoming", frame.reindex(columns=existing))
    try:
        con.execute(f'INSERT INTO "{table}" SELECT * FROM _incoming')
    finally:
        con.unregister("_incoming")


def default_listing_step(mirror: Path | None) -> Step | None:
    """The real PACA listing of the mirror (there is no official URL to download it from)."""
    if mirror is None:
        return None
    try:
        local = obtain(config.PACA_CPTS, mirror)
    except Exception:  # a mirror without the listing simply has no default listing
        return None
    return listing_step(local.path, "paca", local.origin)


def _clear_other_vintages(con: duckdb.DuckDBPyConnection, source: str, vintage: str) -> None:
    con.execute("DELETE FROM sources WHERE source = ? AND vintage <> ?", [source, vintage])


def _loaded(con: duckdb.DuckDBPyConnection, source: str, loader_version: str = "1") -> list[tuple[str, str]]:
    """(vintage, sha256) of the files of ``source`` loaded by this version of its loader."""
    con.execute("ALTER TABLE sources ADD COLUMN IF NOT EXISTS loader_version VARCHAR")
    return [(r[0], r[1]) for r in con.execute(
        "SELECT vintage, coalesce(sha256, '') FROM sources WHERE source = ? AND coalesce(loader_version, '1') = ?",
        [source, loader_version]).fetchall()]


def registry_step(path: Path, savoir_faire: Path | None = None) -> Step:
    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
        start = time.perf_counter()
        digest = annuaire.extraction_digest(path, savoir_faire)
        loaded = _loaded(con, annuaire.SOURCE_NAME, annuaire.LOADER_VERSION)
        if not force and any(sha == digest for _, sha in loaded):
            return StepResult("Annuaire Santé", "inchangé", 0, time.perf_counter() - start)
        mapping, units = _mapping_and_units(con)
        staged = annuaire.stage_annuaire(path, savoir_faire, units=units, cog_mapping=mapping)
        vintage = staged.extraction.isoformat()
        notes = f"{staged.rows} activités ; savoir-faire : {staged.savoir_faire_source} ; fichier {staged.fichier}"
        if staged.demo:
            notes = f"{DEMO_NOTE} ; " + notes
        with store.transaction(con):
            registry_tables.write_annuaire(con, staged.activites, staged.anomalies)
            store.record_source(con, source=annuaire.SOURCE_NAME, vintage=vintage, origin=str(path), sha256=digest,
                                row_count=staged.rows, notes=notes, loader_version=annuaire.LOADER_VERSION)
        _clear_other_vintages(con, annuaire.SOURCE_NAME, vintage)
        return StepResult("Annuaire Santé" + (" (démonstration)" if staged.demo else ""), "chargé", staged.rows,
                          time.perf_counter() - start, [staged.summary_fr()])

    return step


def finess_step(path: Path) -> Step:
    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
        start = time.perf_counter()
        digest = sha256_of(path)
        if not force and any(sha == digest for _, sha in _loaded(con, finess.SOURCE_NAME, FINESS_LOADER_VERSION)):
            return StepResult("FINESS", "inchangé", 0, time.perf_counter() - start)
        mapping, units = _mapping_and_units(con)
        staged = finess.stage_finess(path, units=units, cog_mapping=mapping)
        vintage = staged.extraction.isoformat()
        notes = f"{len(staged.etablissements)} établissements ; présentation {staged.layout}"
        if staged.demo:
            notes = f"{DEMO_NOTE} ; " + notes
        with store.transaction(con):
            registry_tables.write_finess(con, staged.etablissements, staged.anomalies)
            store.record_source(con, source=finess.SOURCE_NAME, vintage=vintage, origin=str(path), sha256=digest,
                                row_count=len(staged.etablissements), notes=notes,
                                loader_version=FINESS_LOADER_VERSION)
        _clear_other_vintages(con, finess.SOURCE_NAME, vintage)
        return StepResult("FINESS" + (" (démonstration)" if staged.demo else ""), "chargé",
                          len(staged.etablissements), time.perf_counter() - start, [staged.summary_fr()])

    return step


def demo_files() -> dict[str, Path]:
    """Paths of the demonstration extractions (generated once, then reused); the newest is loaded."""
    from pipeline.sources.demo import DEMO_STAMP, DEMO_STAMPS, demo_file_names

    folder = config.raw_dir() / "demo"
    files: dict[str, Path] = {}
    for stamp in DEMO_STAMPS:
        activity, savoir_faire = demo_file_names(stamp)
        files[f"annuaire_{stamp[:4]}"] = folder / activity
        files[f"savoir_faire_{stamp[:4]}"] = folder / savoir_faire
    files["annuaire"] = files[f"annuaire_{DEMO_STAMP[:4]}"]
    files["savoir_faire"] = files[f"savoir_faire_{DEMO_STAMP[:4]}"]
    files["finess"] = folder / f"etalab-cs1100507-stock-{DEMO_STAMP[:8]}-{DEMO_STAMP[8:]}-DEMO.csv"
    return files


#: Changes when the demonstration generator writes different files: they are then generated again.
DEMO_GENERATOR_VERSION = "3-extractions-arrondissements"


def demo_step(want_registry: bool, want_finess: bool) -> Step:
    """Generate (if needed) and load the national demonstration extractions (the newest of the three years)."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
        from pipeline.sources.demo import write_demo_extractions

        start = time.perf_counter()
        files = demo_files()
        key = con.execute("SELECT sha256 FROM sources WHERE source = 'contours-communes'").fetchone()
        stamp = files["annuaire"].parent / "communes.sha256"
        expected = f"{key[0] if key else ''} {DEMO_GENERATOR_VERSION}"
        fresh = all(p.exists() for p in files.values()) and stamp.exists() and key is not None \
            and stamp.read_text().strip() == expected
        if not fresh:
            # Communes with a polygon (for the establishments' coordinates), and the arrondissements of
            # Paris, Lyon and Marseille, which place the cities' practitioners.
            units = con.execute(
                """SELECT c.code, c.nom, c.type, c.parent, c.population, c.departement, c.codes_postaux,
                          p.lon, p.lat
                   FROM communes c LEFT JOIN commune_polygons p ON p.code = c.code
                   WHERE c.vintage = ? AND ((c.type = 'commune-actuelle' AND p.code IS NOT NULL)
                                            OR c.type = 'arrondissement-municipal')""",
                [config.CURRENT_VINTAGE],
            ).df()
            files = write_demo_extractions(units, files["annuaire"].parent, seed=DEMO_SEED)
            stamp.write_text(expected)
        results = []
        if want_registry:
            results.append(registry_step(files["annuaire"], files["savoir_faire"])(con, mirror, force))
        if want_finess:
            results.append(finess_step(files["finess"])(con, mirror, force))
        status = "chargé" if any(r.status == "chargé" for r in results) or not fresh else "inchangé"
        return StepResult("données fictives de démonstration", status, sum(r.rows for r in results),
                          time.perf_counter() - start, [d for r in results for d in [r.name, *r.details]])

    return step


def _real_loaded(con: duckdb.DuckDBPyConnection, source: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM sources WHERE source = ? AND coalesce(notes, '') NOT LIKE ?",
        [source, f"%{DEMO_NOTE}%"],
    ).fetchone()
    return bool(row and row[0])


def registry_steps(args: argparse.Namespace, mirror: Path | None) -> list[Step]:
    """Steps for ``python -m pipeline data`` from its options.

    Every file named on the command line must exist: checked here, before the
    run takes the writer lock, so that a typo fails at once in French.
    """
    given = [("--cpts", raw) for raw in getattr(args, "cpts", []) or []]
    given += [(option, getattr(args, attr, None)) for option, attr in
              (("--registre", "registre"), ("--savoir-faire", "savoir_faire"), ("--finess", "finess"))]
    for option, raw in given:
        if raw and not Path(raw).expanduser().is_file():
            raise DataError(f"Fichier introuvable (option {option})", Path(raw).expanduser())
    steps: list[Step] = []
    default = default_listing_step(mirror)
    if default is not None:
        steps.append(default)
    for raw in getattr(args, "cpts", []) or []:
        steps.append(listing_step(Path(raw).expanduser().resolve()))
    registry = getattr(args, "registre", None)
    finess_path = getattr(args, "finess", None)
    if registry:
        sf = getattr(args, "savoir_faire", None)
        steps.append(registry_step(Path(registry).expanduser().resolve(), Path(sf).resolve() if sf else None))
    if finess_path:
        steps.append(finess_step(Path(finess_path).expanduser().resolve()))
    if not getattr(args, "sans_demo", False) and (not registry or not finess_path):
        steps.append(_conditional_demo(not registry, not finess_path))
    return steps


def _conditional_demo(registry: bool, finess_wanted: bool) -> Step:
    """Demo supply only for the sources that have no real file loaded."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool = False) -> StepResult:
        want_registry = registry and not _real_loaded(con, annuaire.SOURCE_NAME)
        want_finess = finess_wanted and not _real_loaded(con, finess.SOURCE_NAME)
        if not (want_registry or want_finess):
            return StepResult("données fictives de démonstration", "inutile", 0, 0.0,
                              ["des extractions réelles sont déjà chargées"])
        return demo_step(want_registry, want_finess)(con, mirror, force)

    return step


def default_steps(mirror: Path | None) -> list[Step]:
    """What a plain ``make data`` on the mirror loads besides the base sources."""
    return registry_steps(argparse.Namespace(cpts=[], registre=None, finess=None, sans_demo=False), mirror)


def perimeters(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not store.table_exists(con, "cpts_perimetres"):
        return pd.DataFrame()
    return from_wkb(con.execute("SELECT * FROM cpts_perimetres").df())
