"""Real diagnostics for the document tests, run once per test process on a copy of the fixture database.

The copy keeps the fixture database intact (some tests load extra files into
their copy); ``run_once`` memoises each named run so that several test
modules can read the same outputs without running the diagnostic again.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.app.test_diagnostic_e2e import run_cli

#: Two members files' worth of professionals (Trame rows) for the ADHERENTS= option.
ADHERENT_GPS = 4
ADHERENT_NURSES = 9


@dataclass(frozen=True)
class Run:
    """Where a diagnostic wrote its outputs, and what it printed."""

    data: Path
    maps_root: Path
    code: int
    stdout: str
    stderr: str
    wall: float

    def tables(self, slug: str) -> Path:
        return self.data / "processed" / "diagnostics" / slug

    def maps(self, slug: str) -> Path:
        return self.maps_root / slug


_RUNS: dict[str, Run] = {}


def database_copy(fixture_data_dir: Path, root: Path) -> Path:
    """A private data/ folder holding a copy of the fixture database (raw files shared read-only)."""
    data = root / "data"
    (data / "processed").mkdir(parents=True)
    shutil.copy2(fixture_data_dir / "processed" / "cpts.duckdb", data / "processed" / "cpts.duckdb")
    (data / "raw").symlink_to(fixture_data_dir / "raw", target_is_directory=True)
    return data


@contextlib.contextmanager
def writable_database(data: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writing connection to the database of the data folder ``data`` (``CPTS_DATA_DIR`` pointing at it)."""
    from pipeline.store import connection as store

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_DATA_DIR", str(data))
        mp.setenv("CPTS_QUIET", "1")
        con = store.connect(read_only=False)
        try:
            yield con
        finally:
            con.close()


def database_with_listing(fixture_data_dir: Path, root: Path, listing: Path) -> Path:
    """:func:`database_copy` with one more CPTS listing loaded, as ``make data CPTS=…`` loads it."""
    from pipeline.app.registries import listing_step
    from pipeline.app.steps import Scope

    data = database_copy(fixture_data_dir, root)
    with writable_database(data) as con:
        assert listing_step(listing)(con, None, True, Scope()).status == "chargé"
    return data


def adherents_file(folder: Path) -> Path:
    path = folder / "adherents.csv"
    # Numbers beyond the demonstration registry's (10 000 000 000 + a few hundred thousand): members the
    # registry does not know, counted in the shares; a member it places elsewhere would not be (Trame).
    rows = [("Médecins généralistes", f"1999999990{i}") for i in range(ADHERENT_GPS)]
    rows += [("infirmiers", f"2000000000{i:02d}") for i in range(ADHERENT_NURSES)]
    path.write_text("profession,rpps\n" + "".join(f"{p},{r}\n" for p, r in rows), encoding="utf-8")
    return path


def run_in(data: Path, maps_root: Path, argv: list[str]) -> Run:
    """``python -m pipeline ARGV`` in-process against ``data``, maps written under ``maps_root``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_DATA_DIR", str(data))
        mp.setenv("CPTS_MAPS_DIR", str(maps_root))
        mp.setenv("CPTS_QUIET", "1")
        code, out, err, wall = run_cli(argv)
    return Run(data, maps_root, code, out, err, wall)


def run_once(name: str, fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory,
             argv: list[str]) -> Run:
    """The diagnostic ``argv`` run once per process under the name ``name`` (its own database copy)."""
    if name not in _RUNS:
        root = tmp_path_factory.mktemp(f"documents-{name}")
        data = database_copy(fixture_data_dir, root)
        argv = [a.replace("{adherents}", str(adherents_file(root))) for a in argv]
        _RUNS[name] = run_in(data, root / "maps", argv)
    return _RUNS[name]
