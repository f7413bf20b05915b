"""A standard queue's messages, indexed so that no SQS call walks the queue (see sqs_index.py).

Holds moto's own Message objects and reads their own clocks (`visible_at`, `delayed_until`, in ms):
- every message, in arrival order (iteration, `len`, moto's list-style `append` and `remove`);
- the receivable ones in a heap by arrival sequence, so a receive takes the oldest first as moto's
  scan did, and a message whose visibility timeout ran out goes back to its place in line;
- the rest (in flight, delayed) in a heap by the time they become receivable;
- every receipt handle a message has had, mapped to the message.
Heap entries are never searched for: a message that moves leaves a stale entry behind, recognised
and dropped when it reaches the top, and the heaps are rebuilt once stale entries outnumber live ones.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from typing import Any


class IndexedMessages:
    def __init__(self, messages: Iterable[Any] = ()) -> None:
        self._seq: dict[Any, int] = {}  # every message, in arrival order, with its sequence number
        self._ready: list[tuple[int, Any]] = []  # (seq, message): receivable, oldest first
        self._is_ready: set[Any] = set()
        self._later: list[tuple[float, int, Any]] = []  # (due ms, seq, message): in flight or delayed
        self._due: dict[Any, float] = {}
        self._handles: dict[str, Any] = {}
        self._counter = itertools.count()
        for message in messages:
            self.append(message)

    # moto's list interface: Queue.add_message appends, its DLQ move removes, attributes iterate.
    def append(self, message: Any) -> None:
        self._seq[message] = next(self._counter)
        for handle in message.all_receipt_handles:
            if handle:
                self._handles[handle] = message
        self._place(message, _now_ms())

    def remove(self, message: Any) -> None:
        if self._seq.pop(message, None) is None:
            raise ValueError("message not in queue")
        self._is_ready.discard(message)
        self._due.pop(message, None)
        for handle in message.all_receipt_handles:
            self._handles.pop(handle, None)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._seq))

    def __len__(self) -> int:
        return len(self._seq)

    def __contains__(self, message: object) -> bool:
        return message in self._seq

    # What the patched SQS calls use.
    def find(self, receipt_handle: str) -> Any | None:
        return self._handles.get(receipt_handle)

    def pop_ready(self, now: float) -> Any | None:
        """The oldest receivable message, taken out of the receivable set (the caller receives it)."""
        self._promote(now)
        while self._ready:
            _, message = heapq.heappop(self._ready)
            if message in self._is_ready:
                self._is_ready.discard(message)
                return message
        return None

    def has_ready(self, now: float) -> bool:
        self._promote(now)
        return bool(self._is_ready)

    def next_due(self) -> float | None:
        return self._later[0][0] if self._later else None

    def received(self, message: Any, now: float) -> None:
        """After moto's mark_received: index the new receipt handle, file the message by its new clock."""
        self._handles[message.receipt_handle] = message
        self.moved(message, now)

    def moved(self, message: Any, now: float) -> None:
        """The message's visibility changed: file it again."""
        self._is_ready.discard(message)
        self._due.pop(message, None)
        self._place(message, now)

    def ready_in_order(self, now: float) -> list[Any]:
        self._promote(now)
        return sorted(self._is_ready, key=self._seq.__getitem__)

    def count_visible(self, now: float) -> int:
        self._promote(now)
        return len(self._is_ready)

    def count_not_visible(self, now: float) -> int:
        return sum(1 for message in self._due if now <= message.visible_at)

    def count_delayed(self, now: float) -> int:
        return sum(1 for message in self._due if now < message.delayed_until)

    def _place(self, message: Any, now: float) -> None:
        seq = self._seq[message]
        due = max(message.visible_at, message.delayed_until)
        if due < now:  # moto: visible when now > visible_at, delayed while now < delayed_until
            self._is_ready.add(message)
            heapq.heappush(self._ready, (seq, message))
        else:
            self._due[message] = due
            heapq.heappush(self._later, (due, seq, message))
        if len(self._ready) + len(self._later) > 2 * len(self._seq) + 64:
            self._compact()

    def _promote(self, now: float) -> None:
        later = self._later
        while later and later[0][0] < now:
            due, seq, message = heapq.heappop(later)
            if self._due.get(message) != due:
                continue  # stale: the message was deleted or moved since
            del self._due[message]
            self._is_ready.add(message)
            heapq.heappush(self._ready, (seq, message))

    def _compact(self) -> None:
        self._ready = [(self._seq[m], m) for m in self._is_ready]
        self._later = [(due, self._seq[m], m) for m, due in self._due.items()]
        heapq.heapify(self._ready)
        heapq.heapify(self._later)


def _now_ms() -> float:
    from moto.core.utils import unix_time_millis  # noqa: PLC0415 - moto loads in the emulator process only

    return float(unix_time_millis())
