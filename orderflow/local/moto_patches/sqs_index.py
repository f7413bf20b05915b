"""SQS whose receive, delete and visibility calls cost the same whatever the queue's depth.

The moto 5.2.5 defect: a queue keeps its messages in one list, and every call walks it.
ReceiveMessage rebuilds the list of visible messages (two clock reads per message) on every pass,
and for each message it returns reads the retention period through GetQueueAttributes, which
computes every attribute, three of them counts that walk the queue again; DeleteMessage and
ChangeMessageVisibility search the list for the receipt handle and DeleteMessage rebuilds it; a
parked long poll re-walks it on every wake-up; SendMessage computes every attribute to read one.
Measured on plain moto: receive+delete ≈ 338 msg/s on an empty queue, ≈ 14 msg/s with 1,000
messages waiting, ≈ 4 msg/s with 3,000 — a backlog, the thing a queue exists to absorb, made the
local platform collapse.

The fix stays within moto's model: the same Message objects, clocks, receipt handles, pending
set, redrive and retention rules, in the same order (oldest receivable first); only a standard
queue's message list becomes an index (sqs_index_store.IndexedMessages) and the calls above look
messages up in it instead of scanning. FIFO queues keep moto's list and code (their message
groups need its scan; orderflow's queues are standard). Proof: tests/integration/test_emulator_sqs_depth.py.
"""

from __future__ import annotations

from typing import Any

from orderflow.local.moto_patches.sqs_index_calls import patch_backend
from orderflow.local.moto_patches.sqs_index_store import IndexedMessages


def index_standard_queues() -> None:
    """Standard queues keep their messages in an index; the calls that scanned them look them up."""
    _patch_queue_class()
    patch_backend()


def _patch_queue_class() -> None:
    from moto.sqs.models import Queue  # noqa: PLC0415 - moto loads in the emulator process only

    init = Queue.__init__

    def init_indexed(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if not self.fifo_queue:
            self.__dict__["_indexed"] = True
            self._messages = self._messages

    def get_messages(self: Any) -> Any:
        return self.__dict__["_message_store"]

    def set_messages(self: Any, value: Any) -> None:  # PurgeQueue assigns a new empty list
        if self.__dict__.get("_indexed") and not isinstance(value, IndexedMessages):
            value = IndexedMessages(value)
        self.__dict__["_message_store"] = value

    Queue.__init__ = init_indexed  # type: ignore[method-assign]
    Queue._messages = property(get_messages, set_messages)  # type: ignore[assignment]
    _patch_queue_reads(Queue)
    _patch_queue_delete(Queue)


def _indexed(queue: Any) -> IndexedMessages | None:
    store = queue._messages
    return store if isinstance(store, IndexedMessages) else None


def _patch_queue_reads(queue_class: Any) -> None:
    from moto.core.utils import unix_time_millis  # noqa: PLC0415

    def patched(name: str, indexed_read: Any) -> None:
        original = getattr(queue_class, name)

        def read(self: Any) -> Any:
            index = _indexed(self)
            return original.fget(self) if index is None else indexed_read(index, unix_time_millis())

        setattr(queue_class, name, property(read))

    patched("messages", IndexedMessages.ready_in_order)
    patched("approximate_number_of_messages", IndexedMessages.count_visible)
    patched("approximate_number_of_messages_not_visible", IndexedMessages.count_not_visible)
    patched("approximate_number_of_messages_delayed", IndexedMessages.count_delayed)

    wait = queue_class.wait_for_messages

    def wait_for_messages(self: Any, timeout: float) -> None:
        if _indexed(self) is None:
            wait(self, timeout)
            return
        with self._messages_lock:
            if not self._messages.has_ready(unix_time_millis()):
                self._messages_lock.wait(_until_due(self._messages, timeout))

    queue_class.wait_for_messages = wait_for_messages


def _until_due(index: IndexedMessages, timeout: float) -> float:
    """Seconds to park a long poll: its timeout, or until the next in-flight message comes back."""
    from moto.core.utils import unix_time_millis  # noqa: PLC0415

    due = index.next_due()
    if due is None:
        return timeout
    return max(0.005, min(timeout, (due - unix_time_millis()) / 1000 + 0.002))


def _patch_queue_delete(queue_class: Any) -> None:
    from moto.sqs.exceptions import ReceiptHandleIsInvalid  # noqa: PLC0415

    delete = queue_class.delete_message

    def delete_message(self: Any, receipt_handle: str) -> None:
        index = _indexed(self)
        if index is None:
            delete(self, receipt_handle)
            return
        if receipt_handle in self.deleted_messages:
            return  # deleting twice succeeds, as in AWS
        with self._messages_lock:
            message = index.find(receipt_handle)
            if message is None:
                raise ReceiptHandleIsInvalid()
            self.pending_messages.discard(message)
            self.deleted_messages.update(message.all_receipt_handles)
            index.remove(message)

    queue_class.delete_message = delete_message


PATCHES = (index_standard_queues,)
