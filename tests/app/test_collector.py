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
import gc, json, os, runpy, sys
from pipeline import collector
real, watched, log = collector.imports_done, sys.argv[1].split(","), sys.argv[2]
def recorded():
    # One line per call, from any process (the diagnostic's writing child calls it too).
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps({"pid": os.getpid(), "off": not gc.isenabled(),
                              "loaded": [m for m in watched if m in sys.modules]}) + "\\n")
    real()
collector.imports_done = recorded
sys.argv = ["pipeline", *sys.argv[3:]]
try:
    runpy.run_module("pipeline", run_name="__main__")  # pipeline/__main__.py, as python -m pipeline runs it
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "pid": os.getpid(), "on": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "loaded": [m for m in watched if m in sys.modules]}))
"""


def run_command(ws: Workspace, mirror: Path, *args: str) -> dict[str, object]:
    """The command's end state (``code``, ``pid``, ``on``, ``frozen``, ``loaded``) and its ``calls`` of
    ``imports_done`` (those of this process; ``other_calls``: those of its children)."""
    log = ws.root / "imports_done.jsonl"
    log.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, ",".join(("pandas", *WRITERS)), str(log), *args],
                          text=True, capture_output=True, env=module_env(ws, mirror), check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    assert result["code"] == 0, proc.stderr
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    result["calls"] = [c for c in calls if c["pid"] == result["pid"]]
    result["other_calls"] = [c for c in calls if c["pid"] != result["pid"]]
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


def test_diagnostic_writers_are_imported_and_frozen_by_the_writing_child_never_by_the_computing_process(
    ws: Workspace, mirror: Path
) -> None:
    """The child started before the computation imports the writers meanwhile and freezes them; the computing
    process never imports them (they would raise its peak memory)."""
    result = run_command(ws, mirror, "diagnostic", PREVIOUS)
    calls, children = result["calls"], result["other_calls"]
    assert isinstance(calls, list) and isinstance(children, list)
    assert calls and calls[0]["off"] is True and "pandas" in calls[0]["loaded"]
    assert not {"matplotlib", "docx", "openpyxl"} & set(result["loaded"])  # type: ignore[arg-type]
    # One child; its first call is once the writers are imported (its second freezes the diagnostic it got too).
    assert len({c["pid"] for c in children}) == 1 and set(WRITERS) <= set(children[0]["loaded"])
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
