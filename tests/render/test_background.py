"""The forked children of :mod:`pipeline.render.background`: same result, another process, safe fallbacks."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pipeline.render.background import Background, Standby


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


# --------------------------------------------------------------------------- Standby: prepared now, given work later


def test_standby_prepares_in_the_child_and_works_there_on_the_argument_given_later() -> None:
    parent = os.getpid()
    prepared: list[int] = []
    with Standby(lambda: prepared.append(os.getpid()), lambda n: (os.getpid(), sum(range(n + 1)))) as standby:
        pid, total = standby.run(1_000_000)
    assert total == 500_000_500_000  # n(n+1)/2
    assert pid != parent
    assert prepared == []  # prepared in the child: nothing was imported or built in the parent


def test_standby_sends_and_returns_values_larger_than_a_pipe_buffer() -> None:
    payload = bytes(range(256)) * 40_000  # 10 MB each way
    with Standby(lambda: None, lambda data: data[::-1]) as standby:
        assert standby.run(payload) == payload[::-1]


def test_standby_whose_work_fails_in_the_child_works_in_the_parent_and_its_error_is_the_parents() -> None:
    parent = os.getpid()
    prepared: list[int] = []

    def only_in_the_parent(n: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("échec dans l'enfant")
        if n < 0:
            raise ValueError("négatif")
        return n * 2

    with Standby(lambda: prepared.append(os.getpid()), only_in_the_parent) as standby:
        assert standby.run(21) == 42
    assert prepared == [parent]  # prepared again here before working here
    with Standby(lambda: None, only_in_the_parent) as standby, pytest.raises(ValueError, match="négatif"):
        standby.run(-1)


def test_standby_whose_preparation_fails_in_the_child_works_in_the_parent() -> None:
    parent = os.getpid()

    def prepare() -> None:
        if os.getpid() != parent:
            os._exit(3)  # the child dies before reading the argument

    with Standby(prepare, lambda data: (os.getpid(), len(data))) as standby:
        assert standby.run(b"x" * 1_000_000) == (parent, 1_000_000)


def test_an_argument_that_cannot_be_pickled_is_worked_on_in_the_parent() -> None:
    parent = os.getpid()
    with Standby(lambda: None, lambda f: (os.getpid(), f())) as standby:
        assert standby.run(lambda: 7) == (parent, 7)


def test_leaving_the_block_without_work_stops_the_waiting_child_at_once() -> None:
    started = time.monotonic()
    with Standby(lambda: time.sleep(60), lambda n: n) as standby:
        child = standby._pid
    assert child is not None
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(child, os.WNOHANG)


def test_an_interruption_while_waiting_stops_the_child_and_is_not_swallowed() -> None:
    started = time.monotonic()

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with Standby(lambda: None, lambda n: time.sleep(n)) as standby, pytest.raises(KeyboardInterrupt):
            standby.run(60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
