"""Shared fixtures: the data mirror and a database loaded from it once per test worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent


def mirror_path() -> Path:
    value = os.environ.get("CPTS_DATA_MIRROR")
    path = Path(value) if value else ROOT.parent / "shared" / "data"
    if not (path / "decoupage-administratif").is_dir():
        pytest.fail(
            f"Data mirror not found at {path}: set CPTS_DATA_MIRROR to a folder laid out like ../shared/data"
        )
    return path.resolve()


@pytest.fixture(scope="session")
def mirror() -> Path:
    return mirror_path()


@pytest.fixture(scope="session")
def loaded_data_dir(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """A data/ folder whose database holds every mirror source (built once per worker)."""
    from pipeline.app import data as ingest

    data_dir = tmp_path_factory.mktemp("data")
    previous = os.environ.get("CPTS_DATA_DIR")
    os.environ["CPTS_DATA_DIR"] = str(data_dir)
    try:
        from pipeline.app.registries import default_steps

        ingest.run(mirror, extra_steps=default_steps(mirror))
    finally:
        if previous is None:
            os.environ.pop("CPTS_DATA_DIR", None)
        else:
            os.environ["CPTS_DATA_DIR"] = previous
    return data_dir


@pytest.fixture()
def db(loaded_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection to the loaded database; CPTS_DATA_DIR points at it."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(loaded_data_dir))
    con = duckdb.connect(str(loaded_data_dir / "processed" / "cpts.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty, private data/ folder."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"
