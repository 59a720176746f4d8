"""DuckDB store: connection, exclusive writer lock, transactional loads.

Each source is loaded in one transaction (:func:`transaction`): if anything
fails half-way, DuckDB rolls back and the previous tables stay as they were.
A writer holds an exclusive lock file next to the database so that two
concurrent ``make data`` runs fail fast with a French message instead of
corrupting each other's work.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline import config
from pipeline.errors import PipelineError, StoreBusyError
from pipeline.geography import from_wkb
from pipeline.progress import quiet

SOURCES_DDL = """
CREATE TABLE IF NOT EXISTS sources (
    source VARCHAR NOT NULL,
    vintage VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    sha256 VARCHAR,
    row_count BIGINT,
    loaded_at TIMESTAMP,
    notes VARCHAR,
    loader_version VARCHAR,
    PRIMARY KEY (source, vintage)
)
"""


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database; read-only connections fail in French if it is missing."""
    path = path or config.db_path()
    if read_only and not path.exists():
        raise PipelineError(
            "La base de données n'existe pas encore : lancez d'abord « make data ».", path
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusyError(
                "La base de données est utilisée par un autre processus (un autre « make » est en cours ?) ; "
                "réessayez quand il sera terminé.",
                path,
            ) from exc
        if "not a valid duckdb database" in str(exc).lower():
            raise PipelineError(
                "Le fichier de la base n'est pas une base DuckDB valide (corrompu, tronqué ou remplacé ?) : "
                "supprimez-le puis relancez « make data »",
                path,
            ) from exc
        raise PipelineError(f"Impossible d'ouvrir la base de données : {exc}", path) from exc
    if quiet():
        # DuckDB draws its own progress bar on long queries; keep CI logs and quiet runs clean.
        # Inside Jupyter DuckDB refuses to touch the setting without ipywidgets: harmless.
        with contextlib.suppress(duckdb.Error):
            con.execute("SET enable_progress_bar = false")
    if not read_only:
        con.execute(SOURCES_DDL)
    return con


@contextmanager
def writer_lock(path: Path | None = None) -> Iterator[IO[str]]:
    """Hold an exclusive, non-blocking lock for a writing run."""
    path = path or config.db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_suffix(path.suffix + ".lock")
    with open(lock_path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "inconnu"
            raise StoreBusyError(
                f"Un autre chargement écrit déjà dans la base (processus {holder}) ; "
                "attendez qu'il se termine puis relancez.",
                path,
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield handle


@contextmanager
def writer(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A locked read-write connection for one loading run."""
    with writer_lock(path):
        con = connect(path)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction; any exception rolls everything back."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def replace_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Replace table ``name`` by ``frame`` (call inside :func:`transaction`)."""
    con.register("_incoming", frame)
    try:
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming')
    finally:
        con.unregister("_incoming")


def record_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    vintage: str,
    origin: str,
    sha256: str | None,
    row_count: int,
    notes: str = "",
    loader_version: str = "1",
) -> None:
    """Upsert one row of the ``sources`` provenance table.

    ``loader_version`` changes when a loader derives its tables differently:
    a file already loaded by an older loader is then loaded again.
    """
    con.execute(SOURCES_DDL)
    con.execute("ALTER TABLE sources ADD COLUMN IF NOT EXISTS loader_version VARCHAR")
    con.execute("DELETE FROM sources WHERE source = ? AND vintage = ?", [source, vintage])
    con.execute(
        "INSERT INTO sources (source, vintage, origin, sha256, row_count, loaded_at, notes, loader_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [source, vintage, origin, sha256, row_count, datetime.now(UTC), notes, loader_version],
    )


def load_source(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, pd.DataFrame],
    provenance: Mapping[str, Any],
) -> None:
    """Replace several tables and record their provenance, atomically.

    ``provenance`` holds the keyword arguments of :func:`record_source`
    (``source``, ``vintage``, ``origin``, ``sha256``, ``row_count``, ``notes``).
    """
    with transaction(con):
        for name, frame in tables.items():
            replace_table(con, name, frame)
        record_source(con, **provenance)


def source_loaded(con: duckdb.DuckDBPyConnection, source: str, vintage: str, sha256: str | None) -> bool:
    """True when this exact file (same checksum) is already loaded."""
    row = con.execute(
        "SELECT sha256 FROM sources WHERE source = ? AND vintage = ?", [source, vintage]
    ).fetchone()
    return row is not None and sha256 is not None and row[0] == sha256


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    # fetchall: DuckDB refuses a later register() while a fetchone() result is pending.
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()
    return bool(rows and rows[0][0])


def read_sql(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def read_geo(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> gpd.GeoDataFrame:
    """Run a query returning a WKB ``geometry`` column; return a GeoDataFrame (EPSG:4326)."""
    return from_wkb(con.execute(sql, params or []).df())
