"""A stop signal is recorded by its handler and raised only where the loop checks for it, never in
the middle of whatever the main thread was running (a fork's at-fork hook, a finaliser)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator

import pytest

from orderflow.local.stopsignal import StopSignal


class _Stop(Exception):
    pass


@pytest.fixture
def stop() -> Iterator[StopSignal]:
    previous = signal.getsignal(signal.SIGUSR1)
    stop = StopSignal(_Stop)
    stop.install(signal.SIGUSR1)
    yield stop
    signal.signal(signal.SIGUSR1, previous)


def _run_bytecodes() -> None:
    total = 0
    for i in range(10_000):  # Python runs a pending handler between these bytecodes
        total += i


class _SignalledWhileFinalising:
    """A finaliser: code whose exceptions Python prints and drops, like logging's at-fork hook."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGUSR1)
        _run_bytecodes()


def test_a_signal_during_a_finaliser_raises_nothing_there_and_stops_the_loop_at_its_check(
    stop: StopSignal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the signal arrives while a finaliser runs
    dropped: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: dropped.append(unraisable.exc_value))
    _SignalledWhileFinalising()
    # THEN nothing was raised into the finaliser (a raise there is dropped, half-way through it)
    assert dropped == []
    assert stop.received == signal.SIGUSR1
    # AND the loop's next check raises the stop
    with pytest.raises(_Stop):
        stop.check()


def test_nothing_is_raised_before_a_signal_arrives(stop: StopSignal) -> None:
    stop.check()
    os.kill(os.getpid(), signal.SIGUSR1)
    _run_bytecodes()  # the handler has run, and raised nothing
    assert stop.received == signal.SIGUSR1
    with pytest.raises(_Stop):
        stop.check()
