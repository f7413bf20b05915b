"""Which stream an event belongs to, and where in it the next append goes. Pure: no I/O.

A stream is the ordered history of one order (`order:<orderId>`) or of one SKU's stock
(`sku:<SKU>`). Appends carry the version they expect the stream to be at, so two writers
can never both claim a position; a delivery already in the stream is recognised by its event id.

Per-order streams are also causally ordered: every event of an order's saga is caused by an
earlier event of the same order, so an event whose cause is not in the stream yet arrived out of
order and is retried until its cause is there — never appended ahead of it. Stock streams keep
arrival order (a StockLow's cause is an event of an order's stream, not of the stock's).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from orderflow.contracts import Event


@dataclass(frozen=True)
class Recorded:
    """What the store holds per position (enough to decide; the body is stored beside it)."""

    version: int
    event_id: uuid.UUID


@dataclass(frozen=True)
class Append:
    version: int


@dataclass(frozen=True)
class Duplicate:
    version: int


@dataclass(frozen=True)
class CauseMissing:
    cause: uuid.UUID


Decision = Append | Duplicate | CauseMissing


class NoStream(ValueError):
    """An event about neither an order nor a SKU: no stream can hold it."""


def stream_of(event: Event) -> str:
    if event.order_id is not None:
        return f"order:{event.order_id}"
    sku = getattr(event.data, "sku", None)
    if isinstance(sku, str):
        return f"sku:{sku}"
    raise NoStream(f"{event.event_type} is about neither an order nor a SKU")


def decide(stream: str, recorded: Sequence[Recorded], event: Event) -> Decision:
    """Where `event` goes in `stream`, given what the stream holds now (in version order)."""
    for entry in recorded:
        if entry.event_id == event.event_id:
            return Duplicate(entry.version)
    ids = {entry.event_id for entry in recorded}
    if stream.startswith("order:") and event.causation_id is not None and event.causation_id not in ids:
        return CauseMissing(event.causation_id)
    head = recorded[-1].version if recorded else 0
    return Append(head + 1)
