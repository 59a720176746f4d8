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
from pipeline.geography import city_of_arrondissement


def current_vintage() -> int:
    return config.CURRENT_VINTAGE


def code_list(codes: Iterable[object]) -> list[str]:
    """``codes`` as the value of a list parameter (``code = ANY($codes::VARCHAR[])``): distinct text, sorted."""
    return sorted({str(c) for c in codes})


def communes_of(units: Iterable[str]) -> list[str]:
    """The ``commune`` values of the rows of these units: an arrondissement's rows carry its city.

    A condition on the ``commune`` column itself lets DuckDB skip the row groups of other communes (the
    registries are stored ordered by commune).
    """
    return code_list(city_of_arrondissement(str(c)) or c for c in units)


@contextmanager
def registered_codes(con: duckdb.DuckDBPyConnection, name: str, codes: Iterable[str]) -> Iterator[str]:
    """Register ``codes`` as a one-column (``code``) relation ``name`` for the duration of the block."""
    con.register(name, pd.DataFrame({"code": pd.Series(code_list(codes), dtype="string")}))
    try:
        yield name
    finally:
        con.unregister(name)


def has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a declared table holds at least one row (e.g. a registry is loaded)."""
    return bool(con.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchall()[0][0])
