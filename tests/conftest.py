"""Shared fixtures: the data mirror, a small fixture database and the national database.

* ``fixture_data_dir``: a database of five départements (04; 13 with the
  Marseille arrondissements; 33; 75 and its arrondissements; 976 Mayotte),
  built once per test run in about ten seconds. Most tests use it.
* ``loaded_data_dir``: the national database, built once per test run; only
  the tests marked ``national`` (figures for the whole of France or a whole
  région) use it.

Both are built by the first xdist worker that needs them; the others wait on
a lock and reuse the folder.

Under ``pytest -n 2 --dist loadgroup`` (``make test``) every test file is one
unit of work given to one worker, as ``--dist loadfile`` would, so that a
module fixture (a whole diagnostic) is computed once and not once per worker;
files sharing an ``xdist_group`` (the national group) go together.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import filelock
import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Départements of the fixture database.
FIXTURE_DEPARTEMENTS = ("04", "13", "33", "75", "976")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which turns the marks into node-id suffixes
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group every test without an ``xdist_group`` by its file (see the module docstring)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@contextlib.contextmanager
def cli_environment(data_dir: Path, maps_dir: Path) -> Iterator[pytest.MonkeyPatch]:
    """The environment of an in-process run of the command line: data and maps folders, quiet output."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_DATA_DIR", str(data_dir))
        mp.setenv("CPTS_MAPS_DIR", str(maps_dir))
        mp.setenv("CPTS_QUIET", "1")
        yield mp


def private_outputs(shared_data: Path, folder: Path) -> Path:
    """A data folder at ``folder`` reading the database of ``shared_data`` but writing its own outputs.

    Diagnostics write their tables under ``<data>/processed/diagnostics``: test files that ran the same
    territory in the shared fixture folder, on two workers at once, overwrote each other's outputs. The
    database and the raw files are linked (diagnostics only read them).
    """
    (folder / "processed").mkdir(parents=True, exist_ok=True)
    (folder / "processed" / "cpts.duckdb").symlink_to(shared_data / "processed" / "cpts.duckdb")
    if (shared_data / "raw").exists():
        (folder / "raw").symlink_to(shared_data / "raw", target_is_directory=True)
    return folder


def mirror_path() -> Path:
    value = os.environ.get("CPTS_DATA_MIRROR")
    path = Path(value) if value else ROOT.parent / "shared" / "data"
    if not (path / "decoupage-administratif").is_dir():
        pytest.fail(
            f"Data mirror not found at {path}: set CPTS_DATA_MIRROR to a folder laid out like ../shared/data"
        )
    return path.resolve()


def shared_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's temporary folder shared by the xdist workers (each worker's basetemp is inside it)."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


@pytest.fixture(scope="session", autouse=True)
def staged_cache_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One staged-frame cache for the whole run (workers and the command lines they start), never the user's.

    Every ``make data`` of the suite parses the same national files of the mirror: the first parse is
    kept (:mod:`pipeline.sources.staged_cache`) and the others read it, as a user's second load would.
    """
    from pipeline.sources.staged_cache import CACHE_DIR_ENV

    folder = shared_temp(tmp_path_factory) / "staged-cache"
    previous = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(CACHE_DIR_ENV, None)
    else:
        os.environ[CACHE_DIR_ENV] = previous


@pytest.fixture(scope="session")
def mirror() -> Path:
    return mirror_path()


def _build_once(tmp_path_factory: pytest.TempPathFactory, name: str, mirror: Path,
                departements: tuple[str, ...] | None) -> Path:
    """Build a data/ folder loaded from the mirror once per test run (shared by the xdist workers)."""
    from pipeline.app import data
    from pipeline.model import DataOptions

    shared = shared_temp(tmp_path_factory)
    data_dir = shared / name
    with filelock.FileLock(str(shared / f"{name}.lock")):
        if (data_dir / "ready").exists():
            return data_dir
        previous = os.environ.get("CPTS_DATA_DIR")
        os.environ["CPTS_DATA_DIR"] = str(data_dir)
        try:
            data.run(DataOptions(mirror=mirror, departements=departements))
        finally:
            if previous is None:
                os.environ.pop("CPTS_DATA_DIR", None)
            else:
                os.environ["CPTS_DATA_DIR"] = previous
        (data_dir / "ready").touch()
    return data_dir


@pytest.fixture(scope="session")
def fixture_data_dir(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """A data/ folder whose database holds five départements of the mirror (built once per run)."""
    return _build_once(tmp_path_factory, "fixture-data", mirror, FIXTURE_DEPARTEMENTS)


@pytest.fixture(scope="session")
def loaded_data_dir(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """A data/ folder whose database holds every mirror source for France (built once per run)."""
    return _build_once(tmp_path_factory, "national-data", mirror, None)


@pytest.fixture()
def db(fixture_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection to the fixture database; CPTS_DATA_DIR points at it."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(fixture_data_dir))
    con = duckdb.connect(str(fixture_data_dir / "processed" / "cpts.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture()
def national_db(loaded_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection to the national database; CPTS_DATA_DIR points at it."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(loaded_data_dir))
    con = duckdb.connect(str(loaded_data_dir / "processed" / "cpts.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty, private data/ folder."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"

