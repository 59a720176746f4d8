"""Transactions and locking of the DuckDB store."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.app import data as ingest
from pipeline.errors import StoreBusyError
from pipeline.store import connection as store


def test_failure_mid_load_leaves_previous_content_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.duckdb"
    con = store.connect(path)
    store.load_source(con, {"a": pd.DataFrame({"x": [1, 2]}), "b": pd.DataFrame({"y": [3]})},
                      {"source": "s", "vintage": "1", "origin": "o", "sha256": "h1", "row_count": 3})
    real = store.replace_table
    calls = {"n": 0}

    def failing(con_: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("panne simulée au milieu du chargement")
        real(con_, name, frame)

    monkeypatch.setattr(store, "replace_table", failing)
    with pytest.raises(RuntimeError):
        store.load_source(con, {"a": pd.DataFrame({"x": [9]}), "b": pd.DataFrame({"y": [9]})},
                          {"source": "s", "vintage": "1", "origin": "o", "sha256": "h2", "row_count": 2})
    assert con.execute("SELECT list(x ORDER BY x) FROM a").fetchone()[0] == [1, 2]
    assert con.execute("SELECT sha256 FROM sources").fetchone()[0] == "h1"


def test_interrupted_real_load_keeps_the_previous_database(
    loaded_data_dir: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(loaded_data_dir, copy)
    monkeypatch.setenv("CPTS_DATA_DIR", str(copy))
    from pipeline.sources.cog import population_on_current_geography as real_population

    def broken(*args: object, **kwargs: object) -> pd.DataFrame:
        real_population(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("interruption simulée")

    monkeypatch.setattr(ingest.cog, "population_on_current_geography", broken)
    with pytest.raises(RuntimeError):
        ingest.run(mirror, force=True)
    con = duckdb.connect(str(copy / "processed" / "cpts.duckdb"), read_only=True)
    current = "SELECT count(*) FROM communes WHERE vintage = 2026 AND type = 'commune-actuelle'"
    assert con.execute(current).fetchone()[0] == 34_969
    assert con.execute("SELECT count(*) FROM commune_polygons").fetchone()[0] == 34_868
    con.close()


def _hold_lock(path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with store.writer_lock(Path(path)):
        ready.set()
        release.wait(20)


def test_concurrent_writer_gets_a_french_error(tmp_path: Path) -> None:
    path = tmp_path / "c.duckdb"
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(StoreBusyError, match="Un autre chargement écrit déjà dans la base"), store.writer(path):
            pass
    finally:
        release.set()
        holder.join(20)
    with store.writer(path) as con:  # free again once the other run ended
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_read_only_connection_on_missing_database_is_a_french_error(tmp_path: Path) -> None:
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError, match="lancez d'abord « make data »"):
        store.connect(tmp_path / "absent.duckdb", read_only=True)
