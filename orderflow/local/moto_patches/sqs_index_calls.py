"""SQSBackend's ReceiveMessage and ChangeMessageVisibility over the index (see sqs_index.py).

Each mirrors moto 5.2.5's own method line for line in what it decides (redrive after
maxReceiveCount, retention, attribute filtering, the 12-hour visibility limit, pending set), and
differs only in finding messages through IndexedMessages instead of scanning the queue.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from orderflow.local.moto_patches.sqs_index_store import IndexedMessages

MAX_TOTAL_VISIBILITY_MS = 43_200_000  # AWS: visibility may not reach past 12 h after the message was sent


def patch_backend() -> None:
    from moto.sqs.models import SQSBackend  # noqa: PLC0415 - moto loads in the emulator process only

    receive = SQSBackend.receive_message
    change = SQSBackend.change_message_visibility

    def receive_message(  # noqa: PLR0917 - moto's own signature
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        queue = self.get_queue(queue_name)
        if not isinstance(queue._messages, IndexedMessages):
            return receive(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names)
        return _receive(queue, count, wait_seconds_timeout, visibility_timeout, message_attribute_names or [])

    def change_message_visibility(self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
        queue = self.get_queue(queue_name)
        if not isinstance(queue._messages, IndexedMessages):
            change(self, queue_name, receipt_handle, visibility_timeout)
            return
        _change_visibility(queue, receipt_handle, visibility_timeout)

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    SQSBackend.change_message_visibility = change_message_visibility  # type: ignore[method-assign]


def _receive(queue: Any, count: int, wait_seconds: int, visibility_timeout: int, names: list[str]) -> list[Any]:
    from moto.core.utils import unix_time  # noqa: PLC0415

    deadline = unix_time() + wait_seconds
    while True:
        with queue._messages_lock:
            result, to_dlq = _take(queue, count, visibility_timeout, names)
        for message in to_dlq:  # outside this queue's lock: add_message takes the DLQ's
            queue.dead_letter_queue.add_message(message)
        remaining = deadline - unix_time()
        if result or remaining <= 0:
            return result
        queue.wait_for_messages(min(1.0, remaining))


def _take(queue: Any, count: int, visibility_timeout: int, names: list[str]) -> tuple[list[Any], list[Any]]:
    from moto.core.utils import unix_time_millis  # noqa: PLC0415
    from moto.sqs.models import _filter_message_attributes  # noqa: PLC0415

    index: IndexedMessages = queue._messages
    redrive = queue.redrive_policy if queue.dead_letter_queue is not None else None
    result: list[Any] = []
    to_dlq: list[Any] = []
    taken: list[Any] = []
    while len(result) < count:
        message = index.pop_ready(unix_time_millis())
        if message is None:
            break
        if redrive and message.approximate_receive_count >= redrive["maxReceiveCount"]:
            index.remove(message)
            to_dlq.append(message)
            continue
        queue.pending_messages.add(message)
        message.mark_received(visibility_timeout=visibility_timeout)
        taken.append(message)
        if not _retained(queue, message):
            break  # as moto: an expired message is marked received but not returned
        copy = deepcopy(message)  # the answer's attribute filtering must not touch the stored message
        _filter_message_attributes(copy, names)
        result.append(copy)
    # Registered as in flight only now: with VisibilityTimeout=0 a message is due again at once, and
    # registered inside the loop it was popped again by this same receive (returned up to
    # maxReceiveCount times, then copied to the DLQ while still in the queue).
    for message in taken:
        index.received(message, unix_time_millis())
    return result, to_dlq


def _retained(queue: Any, message: Any) -> bool:
    """moto asks GetQueueAttributes for the retention period (computing every attribute) per message."""
    from moto.core.utils import unix_time  # noqa: PLC0415

    return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time())


def _change_visibility(queue: Any, receipt_handle: str, visibility_timeout: int) -> None:
    from moto.core.utils import unix_time_millis  # noqa: PLC0415
    from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid  # noqa: PLC0415

    with queue._messages_lock:
        index: IndexedMessages = queue._messages
        message = index.find(receipt_handle)
        if message is None:
            raise ReceiptHandleIsInvalid
        if unix_time_millis() + int(visibility_timeout) * 1000 - message.sent_timestamp > MAX_TOTAL_VISIBILITY_MS:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        message.change_visibility(visibility_timeout)
        index.moved(message, unix_time_millis())
        if message.visible:
            queue.pending_messages.discard(message)
            queue._messages_lock.notify_all()  # a parked long poll may take it now
