"""The forked runner of the robustness tests behaves as ``python -m pipeline`` started anew.

Each case runs the same command both ways, on the same environment, and
compares exit code, standard output and standard error byte for byte; then
checks what the fork must not carry over from the test process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.forked import ForkedRun
from tests.app.robust_support import ROOT


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update(CPTS_DATA_DIR=str(data_dir), CPTS_QUIET="1", PYTHONPATH=str(ROOT))
    return env


@pytest.mark.parametrize("args", [
    ["territoire", "communes:04070,04001"],  # success, text on standard output
    ["territoire", "communes:99999"],  # input error: exit 2, French message on standard error
    ["diagnostic", "--signature"],  # argparse's own exit (SystemExit 2) and usage
    ["sources"],
], ids=" ".join)
def test_same_outcome_as_a_new_interpreter(fixture_data_dir: Path, args: list[str]) -> None:
    env = environment(fixture_data_dir)
    new = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    forked = ForkedRun(args, env, ROOT)
    out, err = forked.communicate(timeout=120)
    assert (forked.returncode, out, err) == (new.returncode, new.stdout, new.stderr)
    assert new.stdout or new.stderr  # the comparison is about something


def test_environment_signals_and_exit_handlers_stay_in_the_child(fixture_data_dir: Path, tmp_path: Path) -> None:
    """The child's environment does not leak into the test process; pytest's atexit handlers never run in it;
    a SIGINT ignored by the test process still interrupts the child (a new interpreter's disposition)."""
    env = {**environment(fixture_data_dir), "CPTS_FORKED_MARK": "1"}
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forked = ForkedRun(["territoire", "communes:04070"], env, ROOT, setup=lambda: os.kill(os.getpid(),
                                                                                            signal.SIGINT))
        out, err = forked.communicate(timeout=120)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "CPTS_FORKED_MARK" not in os.environ
    assert forked.returncode == -signal.SIGINT  # uncaught KeyboardInterrupt: death by SIGINT, as Python does
    assert "KeyboardInterrupt" in err and out == ""
