"""The runtime counts a message's visibility timeout from when it asked for the message, not from
when the answer was read: SQS starts the timeout when it hands the message out, and a busy server or
a starved event loop can deliver the answer seconds later (seen on a loaded machine: most deletes of
a 200-order burst failed with stale receipt handles, and every redelivery republished its outcome)."""

from __future__ import annotations

import time
from typing import Any

from workers.runtime.messages import Received

MESSAGE: Any = {
    "MessageId": "m-1",
    "ReceiptHandle": "r-1",
    "Body": "{}",
    "Attributes": {"ApproximateReceiveCount": "1"},
}


def test_the_timeout_runs_from_the_receive_call() -> None:
    asked = time.monotonic() - 6.0  # the answer arrived six seconds after the call
    received = Received.from_sqs(MESSAGE, 10, asked_at=asked)
    assert received.visible_until == asked + 10
    assert received.visible_until - time.monotonic() < 4.1  # due for extension at once (threshold 5 s)


def test_without_the_call_time_it_runs_from_the_answer() -> None:
    received = Received.from_sqs(MESSAGE, 10)
    assert received.visible_until == received.received_at + 10
