"""The declared schema (``schema.sql``): creation, version, and the columns of each table.

Tables are created from ``schema.sql`` only; frames are loaded into them by
:mod:`pipeline.store.load`, which checks each frame against the declared
columns. ``SCHEMA_VERSION`` is stored in the ``schema_info`` table: a database
written by an older version of the tool is refused by the read commands and
rebuilt by ``make data`` (see :mod:`pipeline.store.connection`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

#: Version of ``schema.sql``; bump it whenever a table or column changes.
SCHEMA_VERSION = "17"

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.sql"

_TABLE_RE = re.compile(r"^CREATE TABLE (\w+) \($", re.MULTILINE)


@dataclass(frozen=True)
class Column:
    """One declared column: name, SQL type, nullability, and its documentation line."""

    name: str
    type: str
    nullable: bool
    doc: str


@dataclass(frozen=True)
class Table:
    """One declared table: name, documentation, columns, primary key."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]


def schema_sql() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table in an empty database and record the schema version."""
    con.execute(schema_sql())
    con.execute("INSERT INTO schema_info VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def stored_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The schema version recorded in a database, or None when it has none (older tool)."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_info'"
    ).fetchall()[0][0]
    if not found:
        return None
    row = con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchall()
    return str(row[0][0]) if row else None


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a database has no table at all (just created)."""
    return not con.execute("SELECT count(*) FROM information_schema.tables").fetchall()[0][0]


def _docs() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Table and column documentation from the ``-- doc:`` comments of ``schema.sql``."""
    table_docs: dict[str, str] = {}
    column_docs: dict[tuple[str, str], str] = {}
    pending = ""
    table = ""
    for line in schema_sql().splitlines():
        stripped = line.strip()
        if stripped.startswith("-- doc:"):
            pending = stripped[len("-- doc:"):].strip()
            continue
        match = _TABLE_RE.match(stripped)
        if match:
            table = match.group(1)
            table_docs[table] = pending
            pending = ""
            continue
        if table and "-- doc:" in line:
            code, _, doc = line.partition("-- doc:")
            for name in re.findall(r"(?:^|,)\s*(\w+)\s+(?:VARCHAR|BIGINT|INTEGER|DOUBLE|DATE|BOOLEAN|TIMESTAMP|BLOB)",
                                   code):
                column_docs[(table, name)] = doc.strip()
    return table_docs, column_docs


@cache
def tables() -> dict[str, Table]:
    """Every declared table, read back from an in-memory database built from ``schema.sql``."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(schema_sql())
        table_docs, column_docs = _docs()
        out: dict[str, Table] = {}
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name"
        ).fetchall():
            columns = tuple(
                Column(column, dtype, nullable, column_docs.get((name, column), ""))
                for column, dtype, nullable in con.execute(
                    "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
                    "WHERE table_name = ? ORDER BY column_index", [name]
                ).fetchall()
            )
            keys = con.execute(
                "SELECT constraint_column_names FROM duckdb_constraints() "
                "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'", [name]
            ).fetchall()
            out[name] = Table(name, table_docs.get(name, ""), columns, tuple(keys[0][0]) if keys else ())
        return out
    finally:
        con.close()


def column_names(table: str) -> list[str]:
    """Declared columns of ``table``, in order."""
    return [c.name for c in tables()[table].columns]
