"""Forked children that render while the parent works: :class:`Background` and :class:`Standby`.

A diagnostic's printed figures (matplotlib, about a third of the writing
time) depend only on the computed diagnostic, which a forked child already
has in memory: the child draws them while the parent writes the tables and
the interactive maps, and hands back the result (pickled, through a pipe).
The machine's second core does the drawing instead of idling.

The result is always the one the function gives: where ``fork`` does not
exist (Windows), when the child fails or its result cannot be read, the
function simply runs in the parent when the result is asked for. The child
only draws; it never touches the database or the output folders, and leaves
with ``os._exit`` (no buffered output of the parent flushed twice, no
``atexit`` handler run twice).

:class:`Standby` is forked earlier, before the work is known: it prepares
(imports the writers) while the parent computes, then works on the argument
the parent sends it, with the same fallbacks.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")
A = TypeVar("A")


class Background(Generic[T]):
    """``render()`` started in a forked child; :meth:`result` waits for it (see the module docstring).

    As a context manager, an error raised in the ``with`` block stops the child.
    """

    def __init__(self, render: Callable[[], T]) -> None:
        self._render = render
        self._pid: int | None = None
        self._read_end: int | None = None
        if not hasattr(os, "fork"):
            return
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process left (ulimit -u), no memory: draw in the parent
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:  # the child: draw, send, leave without running anything of the parent's
            os.close(read_end)
            code = 1
            with contextlib.suppress(BaseException):
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                payload = pickle.dumps(render(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(payload)
                code = 0
            os._exit(code)
        os.close(write_end)
        self._pid, self._read_end = pid, read_end

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
        payload = b""
        try:
            with os.fdopen(self._read_end, "rb") as pipe:
                self._read_end = None
                payload = pipe.read()
        finally:
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


class Standby(Generic[A, T]):
    """A forked child that runs ``prepare()`` at once, then ``work(argument)`` when :meth:`run` gives one.

    A diagnostic starts one before its computation: the child imports the writers (matplotlib,
    python-docx, openpyxl, the report templates: most of a second) on the other core while the parent
    computes, then writes the outputs of the diagnostic the parent sends it (pickled, through a pipe).

    Where the child cannot serve — no ``fork`` (Windows), no process left, an argument that cannot be
    pickled, a child that failed or died — :meth:`run` calls ``prepare`` and ``work`` in the parent: the
    result, or the error, is the one the parent would have had on its own. The child never touches what
    the parent has open (it only prepares and works) and leaves with ``os._exit``. Leaving the ``with``
    block without :meth:`run`, or an interruption during it, stops the child.
    """

    def __init__(self, prepare: Callable[[], object], work: Callable[[A], T]) -> None:
        self._prepare, self._work = prepare, work
        self._pid: int | None = None
        self._request: int | None = None  # write end of the pipe to the child
        self._answer: int | None = None  # read end of the pipe from the child
        if not hasattr(os, "fork"):
            return
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process left, no memory: everything will run in the parent
            for end in (request_read, request_write, answer_read, answer_write):
                os.close(end)
            return
        if pid == 0:  # the child: prepare, wait for the argument, work, send, leave
            os.close(request_write)
            os.close(answer_read)
            code = 1
            with contextlib.suppress(BaseException):
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                prepare()
                with os.fdopen(request_read, "rb") as pipe:
                    request = pipe.read()
                if request:  # empty: the parent closed the pipe without a request (it failed or left)
                    payload = pickle.dumps(work(pickle.loads(request)), protocol=pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(answer_write, "wb") as pipe:
                        pipe.write(payload)
                    code = 0
            os._exit(code)
        os.close(request_read)
        os.close(answer_write)
        self._pid, self._request, self._answer = pid, request_write, answer_read

    def __enter__(self) -> Standby[A, T]:
        return self

    def __exit__(self, *_: object) -> None:
        self.cancel()

    def run(self, argument: A) -> T:
        """``work(argument)``: the child's result, or computed here when the child gives none."""
        if self._pid is None or self._request is None or self._answer is None:
            return self._here(argument)
        try:
            request = pickle.dumps(argument, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(self._request, "wb") as pipe:
                self._request = None
                pipe.write(request)
            with os.fdopen(self._answer, "rb") as pipe:
                self._answer = None
                payload = pipe.read()
        except BaseException as exc:  # an interruption stops the child; any other failure: work here
            self.cancel()
            if not isinstance(exc, Exception):
                raise
            return self._here(argument)
        if self._reap() == 0 and payload:
            with contextlib.suppress(Exception):
                return cast(T, pickle.loads(payload))  # our own child's bytes, through our own pipe
        return self._here(argument)

    def _here(self, argument: A) -> T:
        self._prepare()
        return self._work(argument)

    def cancel(self) -> None:
        """Stop the child (done, or no longer needed) and close the pipes."""
        for end in (self._request, self._answer):
            if end is not None:
                with contextlib.suppress(OSError):
                    os.close(end)
        self._request = self._answer = None
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
