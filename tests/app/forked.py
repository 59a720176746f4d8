"""``python -m pipeline ARGS`` as a process forked from the test process, without paying the imports again.

The robustness tests need real processes (a lock held by another pid, a signal
that ends the run, a run killed between two renames), about forty per test
run. Started with ``subprocess.Popen`` each of them imports pandas, geopandas,
duckdb, matplotlib, folium… again: 1–2 s of CPU for a run that often takes less
to do its work. The test process has imported them already, so
:class:`ForkedRun` forks it and runs :func:`pipeline.cli.main` in the child,
set up as ``python -m pipeline`` would be:

* its own environment, working folder, ``sys.argv``, and standard output and
  error on pipes, written through new text streams (UTF-8, errors replaced on
  standard error as Python does) to file descriptors 1 and 2;
* the signal dispositions of a fresh interpreter (SIGINT raises
  ``KeyboardInterrupt``, SIGTERM and SIGHUP end the process, no alarm or
  traceback dumper inherited from pytest), and the collector handled as
  ``pipeline/__main__.py`` does, the test process's objects frozen first;
* the exit of a fresh interpreter: ``SystemExit`` codes, a traceback and 1
  for an uncaught error, death by SIGINT for an uncaught
  ``KeyboardInterrupt``, the ``atexit`` handlers of the run only (never
  pytest's), then ``os._exit``.

The object has the part of :class:`subprocess.Popen`'s interface the tests use
(``pid``, ``stdout``, ``stderr``, ``returncode``, ``poll``, ``wait``,
``communicate``, ``send_signal``, ``kill``). Runs that need ``exec`` (a command
prefix such as ``setpriv``, a shell pipeline, streams closed before the start) and the tests of
the entry point itself still start a new interpreter.
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import gc
import io
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

#: Signals whose disposition the child takes back from pytest (timeouts, fault dumps) to a fresh interpreter's.
_DEFAULT_DISPOSITIONS = (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1, signal.SIGUSR2,
                         signal.SIGCHLD)


class ForkedRun:
    """A forked ``python -m pipeline ARGS`` (see the module docstring)."""

    def __init__(self, args: Sequence[str], env: dict[str, str], cwd: Path,
                 setup: Callable[[], None] | None = None) -> None:
        self.args = ["python", "-m", "pipeline", *args]
        self.returncode: int | None = None
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            os.close(out_read)
            os.close(err_read)
            _run_child(list(args), env, cwd, out_write, err_write, setup)
        os.close(out_write)
        os.close(err_write)
        self.pid = pid
        self.stdout = open(out_read, encoding="utf-8")  # noqa: SIM115 - closed by communicate()
        self.stderr = open(err_read, encoding="utf-8")  # noqa: SIM115
        self._readers: list[threading.Thread] = []
        self._output: dict[str, str] = {}

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Everything left on standard output and error, once the process has ended."""
        if not self._readers:
            for name, stream in (("stdout", self.stdout), ("stderr", self.stderr)):
                reader = threading.Thread(target=self._read_all, args=(name, stream), daemon=True)
                reader.start()
                self._readers.append(reader)
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in self._readers:
            reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if reader.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self._output["stdout"], self._output["stderr"]

    def _read_all(self, name: str, stream: io.TextIOWrapper) -> None:
        with stream:
            self._output[name] = stream.read()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _run_child(args: list[str], env: dict[str, str], cwd: Path, out: int, err: int,
               setup: Callable[[], None] | None) -> None:
    """Become ``python -m pipeline ARGS`` (after ``setup``, as a ``preexec_fn``) and leave with its exit code."""
    code = 1
    try:
        _fresh_interpreter(env, cwd, out, err)
        sys.argv = [str(cwd / "pipeline" / "__main__.py"), *args]
        if setup is not None:
            setup()
        code = _main(args)
    except KeyboardInterrupt:  # uncaught: Python prints it, then ends by SIGINT
        with contextlib.suppress(BaseException):
            traceback.print_exc()
            _flush()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
    except BaseException:  # the child must always reach os._exit
        with contextlib.suppress(BaseException):
            traceback.print_exc()
            _flush()
    os._exit(code)


def _fresh_interpreter(env: dict[str, str], cwd: Path, out: int, err: int) -> None:
    """Handlers, signals, streams, folder and environment of a new interpreter, not the test process's."""
    atexit._clear()  # pytest's handlers are the test process's, not the run's
    faulthandler.cancel_dump_traceback_later()
    faulthandler.disable()
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in _DEFAULT_DISPOSITIONS:
        signal.signal(signum, signal.SIG_DFL)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.close(out)
    os.close(err)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives until os._exit
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)


def _main(args: list[str]) -> int:
    """Run the command as the interpreter would: exit code of ``SystemExit``, then the ``atexit`` handlers."""
    from pipeline import collector
    from pipeline.cli import main

    # What the test process built is frozen before the run's collections: collecting it would walk (and write
    # the header of) every object of pytest's heap, copying its pages from the parent, and cost more than the
    # imports this child saves.
    gc.freeze()
    collector.short_run()
    try:
        try:
            code: object = main(args)
        except SystemExit as stop:
            code = stop.code
        if code is None:
            return_code = 0
        elif isinstance(code, int):
            return_code = code
        else:
            print(code, file=sys.stderr)
            return_code = 1
        with contextlib.suppress(BaseException):
            threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, as at interpreter exit
        atexit._run_exitfuncs()
        return return_code
    finally:
        _flush()


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
