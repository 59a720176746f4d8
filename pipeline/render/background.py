"""Run one pure rendering function in a forked child while the parent writes other files.

A diagnostic's printed figures (matplotlib, about a third of the writing
time) depend only on the computed diagnostic, which a forked child already
has in memory: the child draws them while the parent writes the tables and
the interactive maps, and hands back the result (pickled, through a pipe).
The machine's second core does the drawing instead of idling.

The result is always the one the function gives: where ``fork`` does not
exist (Windows), when the child fails or its result cannot be read, the
function simply runs in the parent when the result is asked for. The child
never touches the database; it draws (a diagnostic's figures) or writes a
temporary output folder (a batch's writer, ``render.outputs.write_all``,
whose folders are swapped in as one diagnostic's are), and leaves
with ``os._exit`` (no buffered output of the parent flushed twice, no
``atexit`` handler run twice).

Interruptions received during ``fork`` are held and replayed once the child
is known (:class:`~pipeline.render.held_signals.HeldSignals`): the parent is
then interrupted and stops the child.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from pipeline.render.held_signals import HeldSignals

T = TypeVar("T")

#: True in a child of :class:`Background`, whose own backgrounds then run inline (see ``Background``).
_in_child = False


class Background(Generic[T]):
    """``render()`` started in a forked child; :meth:`result` waits for it (see the module docstring).

    As a context manager, an error raised in the ``with`` block stops the child.

    Inside a child (``make diagnostics`` writes each CPTS in one), ``render`` runs in that child when the
    result is asked for: the parent and the child already keep both cores busy, and a grandchild only added
    a copy-on-write fork of the writer (12 PACA CPTS: 61–62 s of CPU with grandchildren, 55–59 s without).
    """

    def __init__(self, render: Callable[[], T]) -> None:
        global _in_child
        self._render = render
        self._pid: int | None = None
        self._read_end: int | None = None
        if not hasattr(os, "fork") or _in_child:
            return
        read_end, write_end = os.pipe()
        held = HeldSignals().__enter__()
        try:
            pid = os.fork()
        except BaseException as exc:  # no process left (ulimit -u), no memory: draw in the parent
            os.close(read_end)
            os.close(write_end)
            held.__exit__()  # whatever the error, the signals act again (and one received meanwhile is raised)
            if isinstance(exc, OSError):
                return
            raise
        if pid == 0:  # the child: draw, send, leave without running anything of the parent's
            _in_child = True
            code = 1
            with contextlib.suppress(BaseException):
                held.restore_defaults()  # the parent's handlers would unwind the parent's stack here
                os.close(read_end)
                payload = pickle.dumps(render(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(payload)
                code = 0
            os._exit(code)
        os.close(write_end)
        self._pid, self._read_end = pid, read_end
        try:
            held.__exit__()  # a signal received during the fork interrupts the parent here
        except BaseException:
            self.cancel()
            raise

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        """Leaving on an error (or an interruption) stops the child; a normal exit leaves it running."""
        if exc_type is not None:
            self.cancel()

    def result(self) -> T:
        """The function's result: the child's, or computed here when the child gave none."""
        if self._pid is None or self._read_end is None:
            return self._render()
        try:
            with os.fdopen(self._read_end, "rb") as pipe:
                self._read_end = None
                payload = pipe.read()
        except BaseException:
            # Interrupted while waiting (SIGTERM to this process alone): stop the child now, not once it is done
            # (a batch's writer would first finish its CPTS).
            self.cancel()
            raise
        status = self._reap()
        if status == 0 and payload:
            with contextlib.suppress(Exception):
                return pickle.loads(payload)  # our own child's bytes, through our own pipe
        return self._render()

    def cancel(self) -> None:
        """Stop the child (the parent failed or was interrupted before asking for the result)."""
        if self._read_end is not None:
            with contextlib.suppress(OSError):
                os.close(self._read_end)
            self._read_end = None
        if self._pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> int:
        pid, self._pid = self._pid, None
        if pid is None:
            return -1
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return -1
        return os.waitstatus_to_exitcode(status)
