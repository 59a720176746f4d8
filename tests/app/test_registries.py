"""``make data`` registry steps: idempotence, and reload when the loader changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.app.registries import registry_step
from pipeline.app.steps import Scope
from pipeline.sources import rpps
from pipeline.store import connection, load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpps"


def _database(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = tmp_path / "t.duckdb"
    with connection.writer(path):
        pass
    con = duckdb.connect(str(path))
    mapping = pd.DataFrame({"code": ["04070", "04001", "13055", "13201"],
                            "current_code": ["04070", "04001", "13055", "13055"],
                            "kind": ["actuelle", "actuelle", "actuelle", "arrondissement"],
                            "nom": ["Digne-les-Bains", "Aiglun", "Marseille", "Marseille 1er"],
                            "last_vintage": [2026] * 4})
    load.replace_table(con, "cog_mapping", mapping)
    return con


def test_same_file_is_not_reloaded_but_a_new_loader_version_is(tmp_path: Path) -> None:
    source = next(p for p in sorted(FIXTURES.glob("PS_LibreAcces_Personne_activite_*.txt")))
    path = tmp_path / source.name
    shutil.copy(source, path)
    con = _database(tmp_path)
    step = registry_step(path)
    assert step(con, None, False, Scope()).status == "chargé"
    assert step(con, None, False, Scope()).status == "inchangé"
    row = con.execute("SELECT loader_version FROM sources WHERE source = ?", [rpps.SOURCE_NAME]).fetchall()
    assert row == [(rpps.LOADER_VERSION,)]
    # A database loaded by an older loader derives its tables differently: the same file is loaded again.
    con.execute("UPDATE sources SET loader_version = '1' WHERE source = ?", [rpps.SOURCE_NAME])
    assert step(con, None, False, Scope()).status == "chargé"
