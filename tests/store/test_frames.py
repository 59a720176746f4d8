"""Query results converted by Arrow give exactly the frame DuckDB's ``.df()`` gives (pipeline.store.frames)."""

from __future__ import annotations

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
