"""A stop signal that stops a supervising loop even when Python swallows the exception its handler raised.

Python runs a signal handler in the main thread between two bytecodes of whatever Python code runs
there. When that code is one whose exceptions Python prints and ignores — an at-fork hook (logging's
`_releaseLock` runs in the parent after every fork, so after every `Popen`), a `__del__`, a weakref
callback — the handler's raise is lost ("Exception ignored in: <function _releaseLock ...>") and the
loop goes on as if nothing was asked. Measured: `orderflow chaos` sent SIGTERM right after its stack
came up, at load 8, kept running in 1 run of 3 (the supervisor was restarting a killed worker).

So the handler both raises and remembers; the loops call `check()` where they already wait, and a
lost raise is raised again there, within one pass of the loop. No library does this: it is a property
of how CPython delivers signals, which every supervisor that forks children has to allow for.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType


class StopSignal:
    """Install with `install(signum)`; the handler raises `make()`; `check()` raises it again if lost."""

    def __init__(self, make: Callable[[], BaseException]) -> None:
        self._make = make
        self.received: int | None = None

    def install(self, *signums: int) -> None:
        for signum in signums:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        raise self._make()

    def check(self) -> None:
        """Raise again a stop that arrived while code that swallows exceptions was running."""
        if self.received is not None:
            raise self._make()
