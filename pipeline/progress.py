"""Progress bars that stay quiet in CI and when output is not a terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def quiet() -> bool:
    return bool(os.environ.get("CI")) or not sys.stderr.isatty() or bool(os.environ.get("CPTS_QUIET"))


def steps_bar(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """Wrap an iterable in a French progress bar unless quiet."""
    yield from tqdm(items, desc=label, total=total, disable=quiet(), unit="étape", leave=False)


class Stages:
    """Time the successive stages of a computation and show them as a progress bar.

    ``stages.done("name")`` closes the stage that started at the previous call;
    ``stages.timings`` maps each stage to its duration in seconds.
    """

    def __init__(self, label: str, total: int) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()
        self._bar = tqdm(total=total, desc=label, disable=quiet(), unit="étape", leave=False)

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self._clock
        self._clock = now
        self._bar.set_postfix_str(name)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
