"""Query results converted by Arrow give exactly the frame DuckDB's ``.df()`` gives (pipeline.store.frames)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.store.frames import read_frame

#: One column per type the queries return, NULLs in the second row (and text only there in ``snull``).
ROWS = """
SELECT * FROM (VALUES
    (1::INTEGER, NULL::INTEGER, 5::BIGINT, 2::HUGEINT, 1.5::DECIMAL(10, 2), 2.5::DOUBLE, 'a', DATE '2024-01-02',
     TRUE, NULL::BOOLEAN, TIMESTAMP '2024-01-01 10:00:00', 3::SMALLINT, NULL::VARCHAR, 4::UTINYINT, 2.5::FLOAT,
     NULL::VARCHAR),
    (2, 7, NULL, NULL, NULL, NULL, NULL, NULL, FALSE, TRUE, NULL, NULL, 'x', NULL, NULL, NULL)
) v(i, inull, b, h, d, f, s, dt, bo, bonull, ts, sm, snull, u, fl, empty)
"""


@pytest.mark.parametrize("sql", [
    ROWS,
    f"SELECT * FROM ({ROWS}) WHERE false",  # no rows: dtypes from the types alone
    f"SELECT * FROM ({ROWS}) WHERE i = 1",  # no NULL in the integer and boolean columns
    f"SELECT * FROM ({ROWS}) WHERE i = 2",
    f"SELECT sum(i) AS s, count(*) AS c, avg(f) AS a, max(s) AS m FROM ({ROWS})",
], ids=["every-type", "no-row", "no-null", "nulls", "aggregates"])
def test_frame_equals_duckdbs_own_conversion(sql: str) -> None:
    con = duckdb.connect()
    expected = con.execute(sql).df()
    frame = read_frame(con, sql)
    pd.testing.assert_frame_equal(frame, expected)


def test_parameters_are_passed_by_position_and_by_name() -> None:
    con = duckdb.connect()
    assert read_frame(con, "SELECT ? + 1 AS n", [1])["n"].tolist() == [2]
    assert read_frame(con, "SELECT $x || 'b' AS t", {"x": "a"})["t"].tolist() == ["ab"]


def test_diagnostic_commands_use_the_system_allocator(fixture_data_dir: Path, tmp_path: Path) -> None:
    """A diagnostic and a batch make Arrow give freed memory back (the Paris peak under 800 MB); a fresh
    interpreter, whose Arrow default is mimalloc, checked after each command has started."""
    script = textwrap.dedent("""
        import pyarrow as pa
        from pipeline.app import batch, diagnostic
        from pipeline.model import DiagnosticOptions
        from pipeline.model.perimeter import BatchOptions
        print(pa.default_memory_pool().backend_name)
        try:
            diagnostic.run_diagnostic(DiagnosticOptions(territory="communes:99999"))
        except Exception as exc:
            print(type(exc).__name__, pa.default_memory_pool().backend_name)
        pa.set_memory_pool(pa.mimalloc_memory_pool())
        try:
            batch.run_batch(BatchOptions(listing="inconnue"))
        except Exception as exc:
            print(type(exc).__name__, pa.default_memory_pool().backend_name)
    """)
    env = {**os.environ, "CPTS_DATA_DIR": str(fixture_data_dir), "CPTS_MAPS_DIR": str(tmp_path), "CPTS_QUIET": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split("\n") == ["mimalloc", "TerritoryError system", "PipelineError system", ""]
