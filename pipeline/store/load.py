"""Loading staged frames into the declared tables, with provenance.

A staged frame must only carry declared columns (:mod:`pipeline.store.schema`);
DuckDB casts each value to the declared type and enforces NOT NULL, CHECK and
PRIMARY KEY constraints. A violation is reported in French, naming the table
and the file it came from, and the enclosing transaction rolls back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import DataError
from pipeline.store import schema
from pipeline.store.connection import transaction


class SchemaContractError(RuntimeError):
    """A staged frame does not match the declared table (a bug of a loader, not of the data)."""


@dataclass(frozen=True)
class Provenance:
    """One row of the ``sources`` table."""

    source: str
    vintage: str
    origin: str
    sha256: str | None
    row_count: int
    notes: str = ""
    loader_version: str = "1"
    demo: bool = False


def _as_arrow(frame: pd.DataFrame) -> pa.Table | pd.DataFrame:
    """``frame`` as an Arrow table, which DuckDB inserts about twice as fast as a pandas frame (an Annuaire
    Santé extraction: 1.8 s instead of 3.5 s); the frame itself when a column mixes types Arrow refuses.

    NaN becomes NULL either way, as DuckDB's pandas scan does.
    """
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError):
        return frame


def _decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary-encoded (categorical) column as its values, which Arrow can sort."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, origin: str | None,
            order_by: Sequence[str] = ()) -> None:
    declared = schema.column_names(table)
    unknown = [c for c in [*frame.columns, *order_by] if c not in declared]
    if unknown:
        raise SchemaContractError(f"table {table} : colonnes non déclarées dans schema.sql : {unknown}")
    if frame.empty:
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    incoming = _as_arrow(frame)
    order = ""
    if order_by and isinstance(incoming, pa.Table):
        # Sorted by Arrow: DuckDB's ORDER BY on insert held the whole extraction in its sort format as well
        # (a national Annuaire Santé load peaked 700 MB higher).
        incoming = incoming.take(pc.sort_indices(
            pa.table({c: _decoded(incoming[c]) for c in order_by}), [(c, "ascending") for c in order_by]))
    elif order_by:
        order = " ORDER BY " + ", ".join(f'"{c}"' for c in order_by)
    con.register("_incoming", incoming)
    try:
        con.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM _incoming{order}')
    except (duckdb.ConstraintException, duckdb.ConversionException) as exc:
        detail = str(exc).splitlines()[0]
        raise DataError(f"Données contraires au schéma de la table {table} : {detail}", origin) from exc
    finally:
        # After a failed statement DuckDB refuses everything but ROLLBACK until the transaction ends.
        with contextlib.suppress(duckdb.Error):
            con.unregister("_incoming")


def replace_table(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, origin: str | None = None
) -> None:
    """Replace every row of the declared ``table`` by ``frame`` (call inside a transaction)."""
    con.execute(f'DELETE FROM "{table}"')
    _insert(con, table, frame, origin)


def replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: Mapping[str, object],
    origin: str | None = None, order_by: Sequence[str] = (),
) -> None:
    """Replace the rows of ``table`` matching ``where`` (e.g. one listing, one extraction) by ``frame``.

    ``order_by``: columns to store the new rows in the order of, so that DuckDB's per-row-group minimum and
    maximum let a query filtering on them skip the other row groups.
    """
    condition = " AND ".join(f'"{column}" = ?' for column in where)
    con.execute(f'DELETE FROM "{table}" WHERE {condition}', list(where.values()))
    _insert(con, table, frame, origin, order_by)


def record_source(con: duckdb.DuckDBPyConnection, provenance: Provenance) -> None:
    """Upsert one row of the ``sources`` provenance table."""
    p = provenance
    con.execute("DELETE FROM sources WHERE source = ? AND vintage = ?", [p.source, p.vintage])
    con.execute(
        "INSERT INTO sources (source, vintage, origin, sha256, row_count, loaded_at, notes, loader_version, demo) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [p.source, p.vintage, p.origin, p.sha256, p.row_count, datetime.now(UTC), p.notes, p.loader_version,
         p.demo],
    )


def forget_other_vintages(con: duckdb.DuckDBPyConnection, source: str, keep: list[str]) -> None:
    """Drop the provenance rows of ``source`` whose vintage is not in ``keep``."""
    con.execute("DELETE FROM sources WHERE source = ? AND NOT list_contains(?, vintage)", [source, keep])


def load_source(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, pd.DataFrame], provenance: Provenance
) -> None:
    """Replace several tables and record their provenance, atomically."""
    with transaction(con):
        for name, frame in tables.items():
            replace_table(con, name, frame, provenance.origin)
        record_source(con, provenance)


def source_loaded(
    con: duckdb.DuckDBPyConnection, source: str, vintage: str, sha256: str | None, loader_version: str = "1"
) -> bool:
    """True when this exact file (same checksum) is already loaded by this version of its loader."""
    rows = con.execute(
        "SELECT sha256, loader_version FROM sources WHERE source = ? AND vintage = ?", [source, vintage]
    ).fetchall()
    return bool(rows) and sha256 is not None and rows[0][0] == sha256 and rows[0][1] == loader_version


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Record a setting of this database in ``schema_info`` (e.g. the départements it was loaded for)."""
    con.execute("INSERT OR REPLACE INTO schema_info VALUES (?, ?)", [key, value])
