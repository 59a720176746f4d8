"""Memory pages of NumPy's large arrays during ``make data``.

NumPy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``)
on every array of 4 MiB or more. Where the kernel honours that advice only
for the regions that ask (``/sys/kernel/mm/transparent_hugepage/enabled`` set
to ``madvise``, the default of many distributions), each first touch of such
a region compacts memory and zeroes a whole 2 MiB page. A national load
allocates and frees hundreds of large arrays (the demonstration supply alone
is generated, written and staged in columns of 1.4 million rows): the
kernel's share of its time was a third. With the advice off the load keeps
the same peak memory and spends less time in the kernel (see
``docs/benchmarks.md``). Diagnostics are left as they are: no difference was
measured there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np


def _advice_setter() -> Callable[[bool], bool] | None:
    """NumPy's switch of the huge-page advice (private: ``None`` if a NumPy version lacks it)."""
    for module in ("_core", "core"):
        multiarray = getattr(getattr(np, module, None), "multiarray", None)
        setter = getattr(multiarray, "_set_madvise_hugepage", None)
        if setter is not None:
            return setter
    return None


@contextlib.contextmanager
def small_pages() -> Iterator[None]:
    """Inside the block NumPy does not ask for huge pages (then as it was before)."""
    setter = _advice_setter()
    if setter is None:
        yield
        return
    was_on = setter(False)
    try:
        yield
    finally:
        setter(was_on)
