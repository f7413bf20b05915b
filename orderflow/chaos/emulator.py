"""moto's server with DynamoDB requests serialised, as DynamoDB itself behaves for our purposes.

Why: moto 5.2.5 runs requests on threads, and its TransactWriteItems neither locks nor isolates —
it checks conditions and writes item by item, and on a failed condition restores a deep copy of
each whole table taken at the start, erasing writes other requests made meanwhile (acknowledged
transactions vanish; concurrent deep copies also answer HTTP 500). docs/chaos.md has the proof
(tests/integration/test_emulator_isolation.py). One lock around each DynamoDB request removes the
race without touching moto's logic; SQS and EventBridge are left as they are.

Run as `python -m orderflow.chaos.emulator -H 127.0.0.1 -p PORT` (moto.server's arguments).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any

from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator


def serialise_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415 - moto loads in the emulator process only

    lock = threading.Lock()
    unlocked = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return unlocked(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


class SerialisedEmulator(Emulator):
    """Local mode's Emulator, started through this module instead of `moto.server`."""

    def start(self, *, timeout: float = 20.0) -> SerialisedEmulator:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orderflow.chaos.emulator", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **LOCAL_CREDENTIALS},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited with code {self.process.returncode}")
            if self.ready():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the emulator did not answer on {self.url} within {timeout:.0f} s")


if __name__ == "__main__":
    from moto.server import main

    serialise_dynamodb()
    main(sys.argv[1:])
