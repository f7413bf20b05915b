"""A stop signal for supervising loops: the handler only records it; the loop raises where it waits.

A handler that raises (Python's default for SIGINT, `sys.exit` in a SIGTERM handler) raises between
two bytecodes of whatever runs in the main thread, and that can be the middle of code that must not
be interrupted. Measured with `orderflow chaos`, SIGTERM right after its stack came up, at load 8:
1 run in 3 never ended. The signal landed in logging's at-fork hook `_releaseLock`, which runs in
the parent after every fork (every `Popen` of a worker). CPython printed and dropped the exception
("Exception ignored in: <function _releaseLock>"), and the hook never released logging's module
lock. From then on every other thread that logged (the chaos monkey restarting a worker, the
load's HTTP threads) blocked on that lock for good, and the main thread's shutdown waited for them
(py-spy dump of the hung run).

So nothing is raised from the handler: `check()`, called by the loop at the points where it already
waits (every quarter second in `orderflow dev`, every submission or second in `orderflow chaos`),
raises the stop there, in ordinary code, and the usual unwinding stops the children. No library
does this for us: it follows from how CPython runs signal handlers in a process that forks.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType


class StopSignal:
    """`install(signum, ...)` records those signals; `check()` raises `make()` once one has arrived."""

    def __init__(self, make: Callable[[], BaseException]) -> None:
        self._make = make
        self.received: int | None = None

    def install(self, *signums: int) -> None:
        for signum in signums:
            signal.signal(signum, self._record)

    def _record(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum

    def check(self) -> None:
        """Raise the stop if a signal has arrived since `install`."""
        if self.received is not None:
            raise self._make()
