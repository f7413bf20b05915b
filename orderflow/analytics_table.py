"""Item layout of the analytics table, shared by its writer (the analytics service) and its reader (the console).

The analytics service hears every order outcome and keeps counts and a recent-orders index, so the
console's funnel and order list cost a few key lookups per refresh, never a table scan:

pk                      sk                        item
COUNT#{stage}           TOTAL                     n: events of that stage since the beginning
COUNT#{stage}           H#{YYYY-MM-DDTHH}         n: in that hour (UTC)     expires after HOUR_BUCKET_TTL
COUNT#{stage}           M#{YYYY-MM-DDTHH:MM}      n: in that minute (UTC)   expires after MINUTE_BUCKET_TTL
RECENT#{YYYY-MM-DD}     {placedAt}#{orderId}      one order placed that day: orderId, placedAt, total, currency, lines
EVENT#{eventId}         PROCESSED                 the processed-event record (orderflow.aws.idempotency)

A stage counts events by the time they occurred (`occurredAt`), not a cohort of orders: "paid in the
last 15 minutes" counts PaymentCompleted events of those 15 minutes, whenever their orders were placed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

# event type -> funnel stage; a cancellation's stage names its reason.
STAGES: dict[str, str] = {
    "OrderPlaced": "placed",
    "InventoryReserved": "reserved",
    "PaymentCompleted": "paid",
    "ShipmentCreated": "shipped",
    "InventoryReservationFailed": "cancelled:OUT_OF_STOCK",
    "PaymentFailed": "cancelled:PAYMENT_DECLINED",
    "OrderCancelled": "cancelled:CUSTOMER_CANCELLED",
}
FUNNEL = ("placed", "reserved", "paid", "shipped")
CANCELLED = ("cancelled:OUT_OF_STOCK", "cancelled:PAYMENT_DECLINED", "cancelled:CUSTOMER_CANCELLED")

MINUTE_BUCKET_TTL = timedelta(days=2)
HOUR_BUCKET_TTL = timedelta(days=35)
RECENT_TTL = timedelta(days=30)


def count_pk(stage: str) -> str:
    return f"COUNT#{stage}"


def total_key(stage: str) -> dict[str, Any]:
    return {"pk": count_pk(stage), "sk": "TOTAL"}


def minute_sk(at: datetime) -> str:
    return "M#" + at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def hour_sk(at: datetime) -> str:
    return "H#" + at.astimezone(UTC).strftime("%Y-%m-%dT%H")


def recent_pk(day: datetime) -> str:
    return "RECENT#" + day.astimezone(UTC).strftime("%Y-%m-%d")


def recent_key(placed_at: datetime, order_id: str) -> dict[str, Any]:
    return {"pk": recent_pk(placed_at), "sk": f"{placed_at.astimezone(UTC).isoformat()}#{order_id}"}


def expires(at: datetime, ttl: timedelta) -> int:
    return int((at + ttl).timestamp())
