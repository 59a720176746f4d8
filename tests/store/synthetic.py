"""Small databases with the declared schema, for store tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from pipeline.store import load
from pipeline.store.schema import create_schema


def declared_store() -> duckdb.DuckDBPyConnection:
    """An in-memory database with every declared table, empty."""
    con = duckdb.connect()
    create_schema(con)
    return con


def insert_activities(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]],
                      extraction: date = date(2025, 1, 1)) -> None:
    """Insert activities given by their meaningful fields; the other NOT NULL columns get neutral values."""
    frame = pd.DataFrame(rows)
    frame.insert(0, "extraction", extraction)
    frame.insert(1, "ligne", range(2, len(frame) + 2))
    defaults = {"profession_connue": True, "mode": "libéral", "cadre": "cabinet", "localisation": "code commune",
                "poids": 1.0}
    for column, value in defaults.items():
        if column not in frame:
            frame[column] = value
    if "unite" not in frame:
        frame["unite"] = frame["commune"]
    load.replace_rows(con, "ps_activites", frame, {"extraction": extraction})
