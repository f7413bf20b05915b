"""Item layout of the orders table, shared by its two writers: the order API and the orders projector.

pk                     sk                 item
ORDER#{orderId}        ORDER              the order: status, reason, items, total, version
ORDER#{orderId}        EVENT#{eventId}    one timeline entry per event applied (also its dedup record)
OUTBOX#{shard}         {eventId}          an event stored with its order, not yet on the bus
IDEMPOTENCY#{key}      IDEMPOTENCY        the first response to an Idempotency-Key
"""

from __future__ import annotations

import uuid
import zlib
from typing import Any

OUTBOX_SHARDS = 8  # outbox entries spread over a few partitions; the sweeper queries each


def order_key(order_id: uuid.UUID | str) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": "ORDER"}


def timeline_key(order_id: uuid.UUID | str, event_id: uuid.UUID | str) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": f"EVENT#{event_id}"}


def outbox_key(event_id: uuid.UUID | str) -> dict[str, Any]:
    shard = zlib.crc32(str(event_id).encode()) % OUTBOX_SHARDS
    return {"pk": f"OUTBOX#{shard}", "sk": str(event_id)}


def idempotency_key(client_id: str, key: str) -> dict[str, Any]:
    return {"pk": f"IDEMPOTENCY#{client_id}#{key}", "sk": "IDEMPOTENCY"}
