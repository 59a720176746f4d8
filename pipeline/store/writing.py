"""The writing session of ``make data``: locked, in a working copy of the database swapped in at the end.

A damaged or older database is rebuilt in a new file; an existing one is copied and the copy updated; a first
load writes a new file. The file replaces the database only when every step succeeded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline import config
from pipeline.errors import StoreBusyError
from pipeline.store import schema
from pipeline.store.connection import (
    WORKING_COPIES,
    DamagedDatabaseError,
    OldSchemaError,
    check_path,
    check_version,
    database_named,
    is_damage,
    open_database,
    verify,
    writer_lock,
)


@dataclass
class WriteSession:
    """A locked read-write connection for one loading run.

    ``rebuild`` is a French reason when the run writes a new database file
    (none, damaged or older schema), swapped in at the end; None when the
    existing database is updated in place.
    """

    con: duckdb.DuckDBPyConnection
    path: Path
    rebuild: str | None


def _reason_to_rebuild(path: Path) -> str | None:
    """Why the existing database cannot be updated in place, or None when it can."""
    if not path.exists():
        return None
    check_path(path)
    try:
        con = open_database(path, read_only=False)
    except DamagedDatabaseError as exc:
        return f"base endommagée ({exc.message.split(' : ')[0]})"
    try:
        if schema.is_empty(con):
            return None
        check_version(con, path)
        verify(con)
    except OldSchemaError:
        return "base créée par une version antérieure de l'outil"
    except DamagedDatabaseError as exc:
        return f"base endommagée ({exc.message.split(' : ')[0]})"
    except duckdb.Error as exc:
        if is_damage(exc):
            return "base endommagée (" + str(exc).splitlines()[0][:120] + ")"
        raise
    finally:
        con.close()
    return None


def _copy_database(path: Path, target: Path) -> None:
    """Copy the database (and a write-ahead log a killed run left) for a run to update; a full disk is said.

    Only regular files are copied: a log linked to a device (``/dev/full`` or ``/dev/zero`` read as an endless
    stream) filled the disk with the copy of it. The database itself was checked by :func:`check_path`.
    """
    try:
        for suffix in ("", ".wal"):
            source = path.with_name(path.name + suffix)
            if source.is_file():
                shutil.copyfile(source, target.with_name(target.name + suffix))
                shutil.copymode(source, target.with_name(target.name + suffix))
    except BaseException:
        _remove_database(target)
        raise


def _remove_database(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


@contextmanager
def writer(path: Path | None = None) -> Iterator[WriteSession]:
    """A locked read-write session, written in a new file that replaces the database only when the block succeeds.

    A damaged or older database is rebuilt in an empty file; an existing one is copied and the copy updated. A
    run stopped midway (a download failing after the communes of new départements were loaded: a review then
    read a région of 360 units for 198) leaves the database as the previous run left it, whichever step failed.
    """
    path = path or config.db_path()
    # A linked database is updated where it lies, and locked there: two runs through the link and the file itself
    # must not share one working copy under two locks (a review).
    path = path.resolve() if path.is_symlink() else path
    with writer_lock(path):
        reason = _reason_to_rebuild(path)
        # A first load writes a new file too, swapped in only when it succeeds: a failed first ``make data``
        # left a database with tables and no data, which every command then read (« code INSEE inconnu »).
        update = reason is None and path.exists()
        target = path.with_name(path.name + WORKING_COPIES[0 if update else 1])
        for suffix in WORKING_COPIES:  # a killed run's copy, of either kind (each as large as the database)
            _remove_database(path.with_name(path.name + suffix))
        try:
            if update:
                _copy_database(path, target)
        except OSError as exc:  # a full disk or a size limit met by the copy: said of the database
            raise OSError(exc.errno, exc.strerror, database_named(exc.filename)) from exc
        con = open_database(target, read_only=False)
        try:
            if schema.is_empty(con):
                schema.create_schema(con)
            session = WriteSession(con, target, reason)
            yield session
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            _remove_database(target)
            raise
        con.close()
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        try:
            os.replace(target, path)
        except PermissionError as exc:
            # Windows refuses to replace a file another process holds open (a diagnostic reading the database).
            _remove_database(target)
            raise StoreBusyError("La base de données est ouverte par un autre processus (un diagnostic en cours ?) : "
                                 "le chargement n'a pas pu la remplacer ; relancez make data quand il sera terminé",
                                 path) from exc
