"""Questions about the FINESS establishments."""

from __future__ import annotations

import duckdb
import pandas as pd


def establishments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every establishment of the loaded FINESS extraction (columns of ``etablissements``)."""
    return con.execute("SELECT * FROM etablissements").df()
