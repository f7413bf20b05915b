"""moto's server with DynamoDB requests serialised, as DynamoDB itself behaves for our purposes.

Why: moto 5.2.5 serves requests on threads, and its TransactWriteItems neither locks nor isolates:
it checks conditions and writes item by item, and on a failed condition restores a deep copy of
each table it touched, taken when it began — erasing writes other requests made meanwhile
(acknowledged writes vanish; concurrent deep copies also answer HTTP 500). Real DynamoDB
transactions are serialisable, and our idempotency and no-oversell logic rely on that. One lock
around each DynamoDB request removes the race without touching moto's logic; SQS and EventBridge
are left as they are, so long polls still run concurrently. Proof:
tests/integration/test_emulator_isolation.py and docs/chaos.md.

Run as `python -m orderflow.local.moto_server -H 127.0.0.1 -p PORT` (moto.server's arguments).
"""

from __future__ import annotations

import sys
import threading
from typing import Any


def serialise_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415 - moto loads in the emulator process only

    lock = threading.Lock()
    unlocked = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return unlocked(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    serialise_dynamodb()
    from moto.server import main as moto_main  # noqa: PLC0415 - after the patch

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
