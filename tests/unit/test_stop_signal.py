"""A stop signal whose raise Python swallowed (it landed in a `__del__`, an at-fork hook) is raised again."""

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


class _SignalledWhileFinalising:
    """Python runs signal handlers between bytecodes of whatever runs in the main thread: here a
    finaliser, whose exceptions Python prints and ignores (as it does in logging's at-fork hook)."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGUSR1)
        total = 0
        for i in range(10_000):  # the handler runs during this loop; its raise goes to unraisablehook
            total += i


def test_a_raise_lost_in_code_that_swallows_exceptions_comes_back_at_the_next_check(
    stop: StopSignal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the signal arrives while a finaliser runs (its exceptions are reported, never raised)
    swallowed: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: swallowed.append(unraisable.exc_value))
    _SignalledWhileFinalising()
    # THEN the raise was lost and the program went on...
    assert [type(e) for e in swallowed] == [_Stop]
    assert stop.received == signal.SIGUSR1
    # ...until the loop's next check raises it again
    with pytest.raises(_Stop):
        stop.check()


def test_a_signal_in_ordinary_code_raises_at_once_and_check_is_quiet_until_one_arrives(stop: StopSignal) -> None:
    stop.check()  # nothing received: no raise
    with pytest.raises(_Stop):
        os.kill(os.getpid(), signal.SIGUSR1)
        for _ in range(10_000):
            pass
    assert stop.received == signal.SIGUSR1
