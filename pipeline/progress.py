"""Progress bars that stay quiet in CI and when output is not a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def quiet() -> bool:
    return bool(os.environ.get("CI")) or not sys.stderr.isatty() or bool(os.environ.get("CPTS_QUIET"))


def steps_bar(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """Wrap an iterable in a French progress bar unless quiet."""
    yield from tqdm(items, desc=label, total=total, disable=quiet(), unit="étape", leave=False)
