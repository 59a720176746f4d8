"""Workspaces, snapshots and subprocess runners shared by the robustness tests of issue 11.

A *workspace* is a private copy of the fixture database (``processed/``;
``raw/`` linked) plus a maps folder; a *snapshot* records what must never
change when a command fails: row counts of every table, the ``sources``
table, and the bytes and mtimes of a previous diagnostic's outputs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import config
from pipeline.cli import main
from tests.app.forked import ForkedRun

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "robustness"
PREVIOUS = "communes:04070"  # territory of the previous diagnostic kept in every workspace
SLUG = "communes-04070"
CODE_ERROR, CODE_BUSY = 2, 3
#: A running ``python -m pipeline``: forked from the test process, or a new interpreter (see :func:`spawn`).
Process = subprocess.Popen[str] | ForkedRun


@dataclass(frozen=True)
class Workspace:
    """A data folder (database, raw files, diagnostic tables) and a maps folder."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def maps(self) -> Path:
        return self.root / "maps"

    @property
    def db(self) -> Path:
        return self.data / "processed" / "cpts.duckdb"

    @property
    def diagnostics(self) -> Path:
        return self.data / "processed" / "diagnostics"

    def env(self, mirror: Path | None) -> dict[str, str]:
        values = {"CPTS_DATA_DIR": str(self.data), "CPTS_MAPS_DIR": str(self.maps), "CPTS_QUIET": "1"}
        if mirror is not None:
            values[config.MIRROR_ENV] = str(mirror)
        return values


def copy_workspace(source_data: Path, source_maps: Path | None, target: Workspace) -> None:
    """Copy ``processed/`` and the maps; link the (large, never rewritten here) raw files."""
    shutil.copytree(source_data / "processed", target.data / "processed",
                    ignore=shutil.ignore_patterns("*.lock", "verrous"))
    if (source_data / "raw").exists():
        shutil.copytree(source_data / "raw", target.data / "raw", copy_function=os.symlink)
    if source_maps is not None and source_maps.exists():
        shutil.copytree(source_maps, target.maps)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def database_state(db: Path) -> dict[str, Any]:
    """Row count of every table and the ``sources`` rows of a database."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = sorted(r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall())
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]
        sources = con.execute("SELECT * FROM sources ORDER BY source, vintage").fetchall()
    finally:
        con.close()
    return {"counts": counts, "sources": sources}


def output_files(ws: Workspace, slug: str = SLUG) -> dict[str, tuple[str, int]]:
    """Bytes (sha256) and mtime of every output file of the diagnostic ``slug``."""
    files = {}
    for folder in (ws.diagnostics / slug, ws.maps / slug):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[str(path.relative_to(ws.root))] = (sha(path), path.stat().st_mtime_ns)
    return files


def snapshot(ws: Workspace, slug: str = SLUG) -> dict[str, Any]:
    """Database state, the previous outputs and the entries of both output roots."""
    files = output_files(ws, slug)
    assert len(files) >= 8, "the previous diagnostic's outputs are missing"
    entries = {str(d.relative_to(ws.root)): sorted(os.listdir(d)) for d in (ws.diagnostics, ws.maps) if d.exists()}
    return {**database_state(ws.db), "files": files, "entries": entries}


def error_line(message: str, path: Path | str | None = None, line: int | None = None) -> str:
    """What the CLI prints for a :class:`~pipeline.errors.PipelineError`."""
    where = ""
    if path is not None:
        where = f" (fichier {path}" + (f", ligne {line}" if line is not None else "") + ")"
    header_end = message.find(" :\n  - ")
    if path is not None and header_end >= 0:  # a list: its file at the end of its header
        return f"Erreur : {message[:header_end]} (fichier {path}) :{message[header_end + 2:]}\n"
    return f"Erreur : {message}{where}\n"


def module_env(ws: Workspace, mirror: Path | None, **extra: str) -> dict[str, str]:
    """The environment of a subprocess run in ``ws``: this worktree's package, no inherited mirror."""
    env = {k: v for k, v in os.environ.items() if k not in (config.MIRROR_ENV, "PYTEST_CURRENT_TEST")}
    env.update(ws.env(mirror))
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _interruptible() -> Callable[[], None] | None:
    """Make SIGINT and SIGHUP reach the children: a shell without job control starts background jobs with
    SIGINT ignored, ``nohup`` ignores SIGHUP, the children would inherit that (and Python keeps an ignored
    signal ignored), so that the interruption tests would depend on how pytest was started.

    Restored in the child before ``exec``, never in the test process (which ``nohup`` protects).
    """
    ignored = [s for s in (signal.SIGINT, signal.SIGHUP) if signal.getsignal(s) is signal.SIG_IGN]
    if not ignored:
        return None

    def restore() -> None:
        for signum in ignored:
            signal.signal(signum, signal.SIG_DFL)

    return restore


def spawn(ws: Workspace, mirror: Path | None, *args: str, prefix: tuple[str, ...] = (),
          setup: Callable[[], None] | None = None, **extra: str) -> Process:
    """``python -m pipeline ARGS`` in its own process: forked from this one (see :mod:`tests.app.forked`), or a
    new interpreter when a command ``prefix`` must ``exec`` it. ``setup`` runs in the child before the command."""
    if not prefix:
        return ForkedRun(args, module_env(ws, mirror, **extra), ROOT, setup)
    restore = _interruptible()

    def preexec() -> None:
        for step in (restore, setup):
            if step is not None:
                step()

    return subprocess.Popen([*prefix, sys.executable, "-m", "pipeline", *args], cwd=ROOT, text=True,
                            env=module_env(ws, mirror, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=preexec)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``python -m pipeline ARGS`` in-process: (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_module(ws: Workspace, mirror: Path | None, *args: str, prefix: tuple[str, ...] = (),
               setup: Callable[[], None] | None = None, timeout: float = 300,
               **extra: str) -> tuple[int, str, str]:
    """``python -m pipeline ARGS`` in its own process (see :func:`spawn`): (exit code, stdout, stderr)."""
    proc = spawn(ws, mirror, *args, prefix=prefix, setup=setup, **extra)
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode is not None
    return proc.returncode, out, err


def without_dac_override() -> tuple[str, ...]:
    """Command prefix under which root is subject to permission bits like any user.

    The tests run as root, for whom ``chmod`` does not prevent writes; ``setpriv``
    drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH for the child process only.
    """
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "setpriv (util-linux) is needed to test a read-only folder as root"
    caps = "-dac_override,-dac_read_search"
    return (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}")
