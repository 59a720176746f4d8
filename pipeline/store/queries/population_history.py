"""Questions about the populations of the packages on the current geography, and where they are not theirs."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.store.queries import registered_codes


def population_by_vintage(con: duckdb.DuckDBPyConnection, communes: list[str], arrondissements: list[str]
                          ) -> pd.DataFrame:
    """Population of each unit and vintage on the current geography: ``unit_code, vintage, population``."""
    with registered_codes(con, "_c", communes), registered_codes(con, "_a", arrondissements):
        return con.execute(
            """
            SELECT code AS unit_code, vintage, population FROM population_current_geo
            WHERE code IN (SELECT code FROM _c)
            UNION ALL
            SELECT code, vintage, population FROM communes
            WHERE type = 'arrondissement-municipal' AND code IN (SELECT code FROM _a)
            """
        ).df()


def population_gaps(con: duckdb.DuckDBPyConnection, codes: list[str]) -> pd.DataFrame:
    """Gaps of the vintages' populations (table ``population_gaps``) touching ``codes``, as their commune or as
    the commune re-created or absorbed: ``vintage, code, autre, kind``."""
    with registered_codes(con, "_g", codes):
        return con.execute(
            "SELECT vintage, code, autre, kind FROM population_gaps "
            "WHERE code IN (SELECT code FROM _g) OR autre IN (SELECT code FROM _g) ORDER BY vintage, code, autre"
        ).df()
