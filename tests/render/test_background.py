"""The forked drawing of :mod:`pipeline.render.background`: same result, another process, safe fallbacks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.render.background import Background

ROOT = Path(__file__).resolve().parents[2]


def test_result_comes_from_a_child_process() -> None:
    parent = os.getpid()
    drawn = Background(lambda: (os.getpid(), sum(range(1_000_001))))
    pid, total = drawn.result()
    assert total == 500_000_500_000  # n(n+1)/2
    assert pid != parent


def test_a_background_inside_a_child_runs_in_that_child() -> None:
    # make diagnostics writes each CPTS in a child, whose figures and Word Trame were forked again: no
    # grandchild, they run in the writer itself.
    def outer() -> tuple[int, int]:
        return os.getpid(), Background(os.getpid).result()

    writer, inner = Background(outer).result()
    assert writer == inner != os.getpid()


def test_large_result_goes_through_the_pipe_whole() -> None:
    payload = bytes(range(256)) * 40_000  # 10 MB, far beyond a pipe's buffer
    assert Background(lambda: payload).result() == payload


def test_a_failing_child_falls_back_to_the_parent() -> None:
    parent = os.getpid()

    def only_in_the_parent() -> int:
        if os.getpid() != parent:
            raise RuntimeError("échec dans l'enfant")
        return 42

    assert Background(only_in_the_parent).result() == 42


def test_cancel_stops_the_child_at_once() -> None:
    started = time.monotonic()
    drawing = Background(lambda: time.sleep(60))
    drawing.cancel()
    assert time.monotonic() - started < 10


def test_an_error_in_the_with_block_stops_the_child() -> None:
    started = time.monotonic()
    try:
        with Background(lambda: time.sleep(60)):
            raise RuntimeError("échec du parent")
    except RuntimeError:
        pass
    assert time.monotonic() - started < 10


_SIGTERM_DURING_FORK = """
import os, signal, sys, time
from pipeline.app import outcome
from pipeline.render.background import Background

def signal_during_the_fork():  # Python code run inside os.fork, as logging's own hook is
    os.kill(os.getpid(), signal.SIGTERM)
    sum(range(1000))  # bytecodes: the Python handler would run here, and its exception be ignored
os.register_at_fork(after_in_parent=signal_during_the_fork)

def drawing():
    with open(sys.argv[1], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(20)

def command():
    Background(drawing).result()
    return 0

sys.exit(outcome.run(command))
"""


def test_a_sigterm_received_while_forking_interrupts_the_run_and_stops_the_child(tmp_path: Path) -> None:
    """Python ignores an exception raised inside its fork hooks: the signal used to be lost (status 0)."""
    child_pid = tmp_path / "child.pid"
    run = subprocess.run([sys.executable, "-c", _SIGTERM_DURING_FORK, str(child_pid)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (run.returncode, run.stderr) == (128 + signal.SIGTERM,
                                            "Interrompu : la base et les sorties précédentes sont inchangées.\n")
    if child_pid.exists() and child_pid.read_text():  # the child may have been stopped before it wrote
        with pytest.raises(ProcessLookupError):
            os.kill(int(child_pid.read_text()), 0)
