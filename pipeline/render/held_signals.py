"""Interruptions recorded instead of acted on during a short critical step, then replayed.

Used around the exchange of output folders (:mod:`pipeline.render.swap`), which
must not stop half-way, and around ``fork`` (:mod:`pipeline.render.background`):
Python runs its fork hooks (``logging``'s lock, any ``os.register_at_fork``
callback) inside ``os.fork``, and an exception a signal handler raises there
is « ignored » by Python, so a SIGTERM arriving then was lost and the run
ended with status 0. Recorded, the signal is replayed once the step is over,
where the previous handler's exception (:mod:`pipeline.app.outcome`) reaches
the run. A handler is only recorded in the main thread, where Python runs them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from types import FrameType

#: The signals that interrupt a run.
HELD_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class HeldSignals:
    """Record SIGINT/SIGTERM/SIGHUP instead of acting on them; leaving the block replays them."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.previous: dict[int, object] = {}

    def __enter__(self) -> HeldSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in HELD_SIGNALS:
                with contextlib.suppress(OSError, ValueError):
                    self.previous[signum] = signal.signal(signum, self._record)
        return self

    def _record(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)

    def restore_defaults(self) -> None:
        """In a forked child: default actions for the held signals (those ignored before stay ignored)."""
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_IGN if handler is signal.SIG_IGN else signal.SIG_DFL)
        self.previous.clear()
        self.received.clear()

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self.previous.clear()
        for signum in dict.fromkeys(self.received):
            signal.raise_signal(signum)  # the previous handler now acts (KeyboardInterrupt, exit...)
