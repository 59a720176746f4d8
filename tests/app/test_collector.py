"""``python -m pipeline`` imports with the garbage collector off, then freezes the imports and turns it back on.

See :mod:`pipeline.collector`. Each command runs in a fresh interpreter that
runs ``pipeline/__main__.py`` (as ``python -m pipeline`` does) and records every call of
``collector.imports_done`` (was the collector still off, which heavy libraries
were imported by then) and prints, once the command is over, whether the
collector is on and how many objects are frozen.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import collector
from tests.app.robust_support import PREVIOUS, Workspace, module_env

#: Libraries a diagnostic's writers need: imported before the freeze, their objects are never walked again.
WRITERS = ("matplotlib", "folium", "docx", "openpyxl")

SCRIPT = """
import gc, json, runpy, sys
from pipeline import collector
real, calls, watched = collector.imports_done, [], sys.argv[1].split(",")
def recorded():
    calls.append({"off": not gc.isenabled(), "loaded": [m for m in watched if m in sys.modules]})
    real()
collector.imports_done = recorded
sys.argv = ["pipeline", *sys.argv[2:]]
try:
    runpy.run_module("pipeline", run_name="__main__")  # pipeline/__main__.py, as python -m pipeline runs it
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "calls": calls, "on": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


def run_command(ws: Workspace, mirror: Path, *args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, ",".join(("pandas", *WRITERS)), *args], text=True,
                          capture_output=True, env=module_env(ws, mirror), check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    assert result["code"] == 0, proc.stderr
    return result


@pytest.mark.parametrize("args", [["territoire", PREVIOUS], ["sources"], ["data"],
                                  ["couverture", "--departement", "04"], ["editeur", "--departement", "04"]],
                         ids=["territoire", "sources", "data", "couverture", "editeur"])
def test_command_runs_with_the_collector_on_and_its_imports_frozen(ws: Workspace, mirror: Path,
                                                                   args: list[str]) -> None:
    result = run_command(ws, mirror, *args)
    calls = result["calls"]
    assert isinstance(calls, list) and calls and calls[0]["off"] is True and "pandas" in calls[0]["loaded"]
    assert result["on"] is True
    assert isinstance(result["frozen"], int) and result["frozen"] > 50_000  # pandas alone creates more


def test_diagnostic_freezes_again_once_its_writers_are_imported(ws: Workspace, mirror: Path) -> None:
    """The writers are imported after the computation (they would raise its peak memory), then frozen too."""
    result = run_command(ws, mirror, "diagnostic", PREVIOUS)
    calls = result["calls"]
    assert isinstance(calls, list) and len(calls) >= 2
    assert calls[0]["off"] is True and not set(WRITERS) & set(calls[0]["loaded"])
    assert set(WRITERS) <= set(calls[-1]["loaded"])
    assert result["on"] is True


def test_a_program_importing_the_package_keeps_its_collector() -> None:
    """A notebook or these tests: imports_done changes nothing (collector on, nothing more frozen)."""
    frozen = gc.get_freeze_count()
    collector.imports_done()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_paused_turns_the_collector_off_inside_and_back_as_it_was() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), collector.paused():
        assert not gc.isenabled()
        raise ValueError  # an error inside the block: the collector is back on all the same
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
