"""DuckDB store: opening the database, the writer lock, transactions, rebuilds.

* Read commands open the database read-only; a missing, damaged or older
  database gives a French error telling what to do (exit code 2).
* ``make data`` takes an exclusive writer lock (:mod:`filelock`, which also
  works on Windows) so that a concurrent run fails at once (exit code 3).
* Each source is loaded in one transaction (:func:`transaction`): a failure
  rolls back and the previous tables stay as they were.
* A database written by an older version of the tool (another
  ``SCHEMA_VERSION``) or a damaged file is rebuilt by ``make data`` in a new
  file, swapped in only when the whole load succeeded.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import filelock

from pipeline import config
from pipeline.errors import PipelineError, StoreBusyError
from pipeline.geography import from_wkb
from pipeline.progress import quiet
from pipeline.store import schema

if TYPE_CHECKING:  # read_geo's result; `territoire` and `sources` need no geopandas
    import geopandas as gpd

#: Fragments of DuckDB messages that mean the file itself is damaged.
DAMAGED = ("not a valid duckdb database", "could not read enough bytes", "corrupt database file",
           "checksum", "database file is corrupt", "failed to read")

REBUILD_HINT = "supprimez le fichier ou relancez « make data », qui reconstruira la base"


class DamagedDatabaseError(PipelineError):
    """The database file cannot be read (truncated, corrupted, not a DuckDB file)."""


class OldSchemaError(PipelineError):
    """The database was written by an older version of the tool."""


class NewerSchemaError(PipelineError):
    """The database was written by a newer version of the tool, or records a version this one cannot read: never
    rebuilt by this one (a review: it was called « antérieure », and ``make data`` threw it away)."""


def is_damage(exc: BaseException) -> bool:
    """Whether a DuckDB error means the database file is damaged."""
    return isinstance(exc, duckdb.Error) and any(f in str(exc).lower() for f in DAMAGED)


#: System errors DuckDB reports in its messages (it gives the C library's English text, not the errno).
SYSTEM_ERRORS = {
    "no space left on device": errno.ENOSPC,
    "disk quota exceeded": errno.EDQUOT,
    "file too large": errno.EFBIG,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
    "input/output error": errno.EIO,
}


#: Suffixes of the file a loading run writes beside the database (:func:`writer`), and of its write-ahead log.
WORKING_COPIES = (".mise-a-jour", ".reconstruction")


def database_named(file: str | None) -> str | None:
    """The database a loading run's working copy stands for (``cpts.duckdb.mise-a-jour`` → ``cpts.duckdb``): the
    user knows the database, not the copy :func:`writer` updates; any other file as it is."""
    if file is None:
        return None
    for suffix in WORKING_COPIES:
        for ending in (suffix, suffix + ".wal"):
            if file.endswith(ending):
                return file[: -len(ending)]
    return file


def _file_in(message: str) -> str | None:
    """The file a DuckDB message names (``... file "/path": ...``), if any; its database for a working copy."""
    found = re.search(r'file "([^"]+)"', message)
    return database_named(found.group(1)) if found else None


def is_interrupted_query(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's form of a SIGINT or SIGTERM met while a query ran.

    The signal handler's exception raised inside a query comes out as a plain
    ``RuntimeError("Query interrupted")`` (DuckDB 1.x to 2.0), or as
    :class:`duckdb.InterruptException`.
    """
    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and str(exc) == "Query interrupted")


def translate_error(exc: BaseException) -> PipelineError | OSError | MemoryError | None:
    """What a DuckDB error met anywhere in a command means for the user, or None when it is a bug.

    * a damaged file met by a query (a truncated database may open and answer
      small queries, then fail on a block it lacks): the French
      :class:`DamagedDatabaseError` naming the file and what to do;
    * a system error while DuckDB writes (disk full, file size limit, quota,
      read-only file system): the :class:`OSError` it stands for, with the
      file, which the command line reports in French like any system error;
    * DuckDB out of memory (its limit reached with nowhere to spill): a :class:`MemoryError`.
    """
    if not isinstance(exc, duckdb.Error):
        return None
    if isinstance(exc, duckdb.OutOfMemoryException):
        return MemoryError(str(exc))
    message = str(exc)
    lowered = message.lower()
    for text, code in SYSTEM_ERRORS.items():
        if text in lowered:
            return OSError(code, os.strerror(code), _file_in(message))
    if is_damage(exc):
        return damaged(Path(_file_in(message) or config.db_path()), exc)
    return None


def damaged(path: Path, exc: BaseException | None = None) -> DamagedDatabaseError:
    detail = f" ({str(exc).splitlines()[0][:160]})" if exc is not None else ""
    return DamagedDatabaseError(
        f"La base de données est endommagée (fichier tronqué, corrompu ou qui n'est pas une base DuckDB){detail} : "
        + REBUILD_HINT,
        path,
    )


def check_path(path: Path) -> None:
    """Name a database path that is not a regular file for what it is."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise PipelineError("Le chemin de la base de données est un dossier, pas un fichier", path)
    if not stat.S_ISREG(mode):
        raise PipelineError("Le chemin de la base de données n'est pas un fichier ordinaire (tube, périphérique…)",
                            path)


def open_database(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    check_path(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusyError(
                "La base de données est utilisée par un autre processus (un autre « make » est en cours ?) ; "
                "réessayez quand il sera terminé.",
                path,
            ) from exc
        if is_damage(exc):
            raise damaged(path, exc) from exc
        if "permission denied" in str(exc).lower():
            access, mode = ("en lecture", "u+r") if read_only else ("en écriture (make data la modifie)", "u+rw")
            raise PipelineError(f"La base de données n'est pas accessible {access} : droits du fichier ou du "
                                f"dossier insuffisants pour cet utilisateur (ls -l, chmod {mode})", path) from exc
        raise PipelineError(f"Impossible d'ouvrir la base de données : {exc}", path) from exc
    except duckdb.Error as exc:
        if is_damage(exc):
            raise damaged(path, exc) from exc
        raise
    if quiet():
        # DuckDB draws its own progress bar on long queries; keep CI logs and quiet runs clean.
        # Inside Jupyter DuckDB refuses to touch the setting without ipywidgets: harmless.
        with contextlib.suppress(duckdb.Error):
            con.execute("SET enable_progress_bar = false")
    return con


def check_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        version = schema.stored_version(con)
    except duckdb.Error as exc:
        if is_damage(exc):
            raise damaged(path, exc) from exc
        raise
    if version == schema.SCHEMA_VERSION:
        return
    plain = version is not None and version.isdigit() and version == str(int(version))
    if version is not None and not (plain and int(version) < int(schema.SCHEMA_VERSION)):
        # Only a plain older number is rebuilt: « 16 », « 16a » or « 16.0 » may be a newer tool's (a review).
        what = "plus récente" if plain else "inconnue"
        raise NewerSchemaError(
            f"La base de données a été créée par une version {what} de l'outil (schéma « {version} », attendu "
            f"{schema.SCHEMA_VERSION}) : mettez l'outil à jour (git pull puis make install) ; « make data » ne la "
            "remplace pas (pour repartir d'une base de cette version, déplacez d'abord ce fichier)", path)
    raise OldSchemaError(
        "La base de données a été créée par une version antérieure de l'outil (schéma "
        f"{version or '1'}, attendu {schema.SCHEMA_VERSION}) : relancez « make data » pour la reconstruire", path)


#: DuckDB memory of a one-territory diagnostic's connection. Its queries need far less (a diagnostic of the
#: largest région, Auvergne-Rhône-Alpes, runs within 100 MB without spilling to disk), while DuckDB's default
#: (80 % of the machine) let it keep about 130 MB of national table blocks, read once, beside the pandas
#: frames: Paris 18e–20e peaked at 830 MiB with them, 745 MiB without.
DIAGNOSTIC_MEMORY = "100MB"


def connect(path: Path | None = None, read_only: bool = True,
            memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database for reading (or writing, for tests and the loaders).

    ``memory_limit``: DuckDB's memory limit (default: DuckDB's own, 80 % of the machine). A query
    needing more spills to a folder of the system's temporary directory (the data folder may be
    read-only). DuckDB applies the limit to every connection of this process to the same file: close
    such a connection with :func:`release`, which restores the defaults.

    Raises
    ------
    PipelineError
        In French when the database does not exist yet, is damaged, or was
        written by an older version of the tool (``make data`` fixes all three).
    StoreBusyError
        When a writer holds it.
    """
    path = path or config.db_path()
    if not path.exists():
        raise PipelineError("La base de données n'existe pas encore : lancez d'abord « make data ».", path)
    con = open_database(path, read_only)
    try:
        if memory_limit is not None:
            con.execute("SET memory_limit = ?", [memory_limit])
            con.execute("SET temp_directory = ?", [str(Path(tempfile.gettempdir()) / "cpts-duckdb")])
        check_version(con, path)
        if read_only and not con.execute("SELECT count(*) FROM sources").fetchall()[0][0]:
            # A database left empty by a failed first load of an earlier version: « code INSEE inconnu » would
            # blame the user's codes.
            raise PipelineError("La base de données est vide (un premier « make data » n'a pas abouti) : relancez "
                                "« make data ».", path)
    except BaseException:
        con.close()
        raise
    return con


def release(con: duckdb.DuckDBPyConnection) -> None:
    """Close a connection opened with a ``memory_limit``, giving the other connections DuckDB's defaults."""
    for setting in ("memory_limit", "temp_directory"):
        with contextlib.suppress(duckdb.Error):
            con.execute(f"RESET {setting}")
    con.close()


def verify(con: duckdb.DuckDBPyConnection) -> None:
    """Read every block of every table (about 0.3 s nationally): raise on a damaged file.

    DuckDB checks block checksums only when a block is read; a truncated file
    may open and answer small queries, so ``make data`` reads everything before
    trusting the database.
    """
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [name]).fetchall()]
        hashed = ", ".join(f'max(hash("{c}"))' for c in columns)
        con.execute(f'SELECT {hashed} FROM "{name}"').fetchall()


def lock_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".lock")


@contextmanager
def writer_lock(path: Path | None = None) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock for a writing run (exit code 3 when taken).

    The holder writes its process id into the lock file, so that the French
    message of a second run names the process it waits for.
    """
    path = path or config.db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = lock_path(path)
    try:
        holder = lock_file.read_text(encoding="utf-8").strip() if lock_file.exists() else ""
    except OSError:
        holder = ""
    lock = filelock.FileLock(str(lock_file), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise StoreBusyError(
            f"Un autre chargement écrit déjà dans la base (processus {holder or 'inconnu'}) ; "
            "attendez qu'il se termine puis relancez.",
            path,
        ) from exc
    try:
        # Windows locks the file's bytes: the process id is then only a courtesy, never required.
        with contextlib.suppress(OSError):
            lock_file.write_text(str(os.getpid()), encoding="utf-8")
        yield
    finally:
        lock.release()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction; any exception rolls everything back."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        # After a fatal error (disk full during a checkpoint) DuckDB refuses every statement, ROLLBACK
        # included: the original error is the one to report, and nothing was committed anyway.
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def read_geo(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | dict[str, object] | None = None
) -> gpd.GeoDataFrame:
    """Run a query returning a WKB ``geometry`` column; return a GeoDataFrame (EPSG:4326)."""
    return from_wkb(con.execute(sql, params or []).df())
