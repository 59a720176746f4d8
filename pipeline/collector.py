"""Python's cyclic garbage collector, tuned for one command run by ``python -m pipeline``.

A command imports pandas, geopandas, duckdb, scipy, matplotlib, folium,
python-docx and openpyxl: about 300 000 objects that live until the process
ends. With the collector on, every full collection walks all of them again:
while they are imported (their modules, classes and functions are created by
the thousand) and then all along the run, which builds many small DataFrames.
On a diagnostic of one commune that was a fifth of the process's CPU time.

So ``python -m pipeline`` turns the collector off before importing anything
(:func:`short_run`), and each command, once its modules are imported, calls
:func:`imports_done`: the cycles the imports left are collected once, what is
alive then is moved out of the collector's reach (:func:`gc.freeze`, what
CPython's documentation advises before forking, which the diagnostic does for
its writers) and the collector is turned back on for the objects of the run
itself. A diagnostic calls it again once its writers are imported, after the
computation (imported before, they would add some 50 MB to its peak memory);
that second freeze also takes the computed diagnostic, which lives until the
end. Frozen objects are still freed when their last reference goes; only
reference cycles among them are never collected.

A program that imports the package (a notebook, the tests) keeps its
collector as it is: :func:`imports_done` does nothing unless
:func:`short_run` was called first.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_short_run = False


def short_run() -> None:
    """Turn the collector off until :func:`imports_done` (``python -m pipeline`` only)."""
    global _short_run
    _short_run = True
    gc.disable()


def imports_done() -> None:
    """Freeze the objects alive now (the imported modules, and what the run built so far) and turn the collector on.

    Called by a command after its imports; may be called again after further
    imports (the writers of a diagnostic). Does nothing outside a
    :func:`short_run`.
    """
    if not _short_run:
        return
    gc.collect()  # the cycles left by the imports (made while the collector was off) are not frozen
    gc.freeze()
    gc.enable()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Keep the collector off inside the block (then as it was before).

    For parsing a large document into Python objects (the COG's JSON: 35 000
    communes per vintage): every object it makes is still alive at the end, so
    the collections it would trigger walk a growing heap and free nothing.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
