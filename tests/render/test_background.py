"""The forked drawing of :mod:`pipeline.render.background`: same result, another process, safe fallbacks."""

from __future__ import annotations

import os
import time

from pipeline.render.background import Background


def test_result_comes_from_a_child_process() -> None:
    parent = os.getpid()
    drawn = Background(lambda: (os.getpid(), sum(range(1_000_001))))
    pid, total = drawn.result()
    assert total == 500_000_500_000  # n(n+1)/2
    assert pid != parent


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
