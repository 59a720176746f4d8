"""Every question the use cases ask the database, one function per question.

The only place with SQL besides the loaders (:mod:`pipeline.store.load`).
Functions take a connection and return DataFrames or plain values; the
computations themselves live in :mod:`pipeline.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from pipeline import config


def current_vintage() -> int:
    return config.CURRENT_VINTAGE


@contextmanager
def registered_codes(con: duckdb.DuckDBPyConnection, name: str, codes: Iterable[str]) -> Iterator[str]:
    """Register ``codes`` as a one-column (``code``) relation ``name`` for the duration of the block."""
    con.register(name, pd.DataFrame({"code": pd.Series(sorted({str(c) for c in codes}), dtype="string")}))
    try:
        yield name
    finally:
        con.unregister(name)


def has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a declared table holds at least one row (e.g. a registry is loaded)."""
    return bool(con.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchall()[0][0])
