"""Query results as pandas frames, converted by Arrow rather than by DuckDB's ``.df()``.

``.df()`` builds a Python object for every text value, which pandas then
converts again to its string dtype: for the whole-table reads of a
diagnostic (every analysis unit, the APL of every commune, every Filosofi
row) Arrow's conversion is two to three times faster (analysis units of
France: 192 ms → 92 ms; rows of the DREES workbook: 86 ms → 31 ms).

:func:`read_frame` gives the frame ``.df()`` would give (same columns,
values and dtypes, which the tests check type by type): an integer or
boolean column holding NULLs becomes a pandas nullable column (``Int64``,
``boolean``), one without NULLs a NumPy column; DECIMAL and HUGEINT become
``float64``, DATE ``datetime64[us]``; a text column without any text (no
rows, or only NULLs) an ``object`` column of None, as pandas infers it.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa


def use_system_allocator() -> None:
    """Make the system allocator Arrow's default for the rest of the process (a diagnostic's commands).

    Arrow's default allocator (mimalloc) keeps the memory it frees for later use, and pandas' text columns
    are Arrow arrays: Paris 18e-20e peaked at 744 MiB with it and 707 MiB with the system allocator, which
    gives memory back (issue 13: under 800 MB; medians of five runs of the same code otherwise). Not for
    ``make data``: its registry loads peaked 550 MB higher with the system allocator.
    """
    pa.set_memory_pool(pa.system_memory_pool())


#: Pandas nullable dtypes of the Arrow types ``.df()`` gives as nullable columns when they hold NULLs.
_NULLABLE: dict[pa.DataType, object] = {
    pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype(),
}


def _column(column: pa.ChunkedArray) -> pd.Series | object:
    kind = column.type
    if pa.types.is_decimal(kind):
        column = column.cast(pa.float64())
    elif pa.types.is_date(kind):
        column = column.cast(pa.timestamp("us"))
    if (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) \
            and column.null_count == len(column):
        return pd.Series([None] * len(column), dtype=object)  # no text to infer pandas' string dtype from
    nullable = _NULLABLE.get(column.type) if column.null_count else None
    if nullable is not None:
        return column.to_pandas(types_mapper={column.type: nullable}.get)
    return column.to_pandas()


def read_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | dict[str, object] | None = None
) -> pd.DataFrame:
    """The rows of ``sql`` as ``con.execute(sql, params).df()`` gives them (see the module docstring)."""
    table = con.sql(sql, params=params).to_arrow_table()
    return pd.DataFrame({name: _column(column) for name, column in zip(table.column_names, table.columns,
                                                                       strict=True)},
                        columns=table.column_names)
