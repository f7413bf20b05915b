"""Item layout of the analytics table, shared by its writer (the analytics service) and its reader (the console).

The analytics service hears every order outcome and keeps counts and a recent-orders index, so the
console's funnel and order list cost a few key lookups per refresh, never a table scan:

pk                      sk                        item
COUNT                   TOTAL                     {stage}: events of that stage since the beginning (one attribute each)
COUNT                   H#{YYYY-MM-DDTHH}         {stage}: in that hour (UTC)     expires after HOUR_BUCKET_TTL
COUNT                   M#{YYYY-MM-DDTHH:MM}      {stage}: in that minute (UTC)   expires after MINUTE_BUCKET_TTL
RECENT#{YYYY-MM-DD}     {placedAt}#{orderId}      one order placed that day: orderId, placedAt, total, currency, lines,
                                                  eventId (the OrderPlaced it came from: this entry is its marker)
EVENT#{eventId}         PROCESSED                 any other event's processed record (orderflow.aws.idempotency)

Every stage of a time bucket is one item, so a group of events (the analytics service commits the
events it handles at the same time together) adds to three items whatever stages it holds, and a
window of the funnel is one range query.

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


COUNT_PK = "COUNT"
TOTAL_KEY: dict[str, Any] = {"pk": COUNT_PK, "sk": "TOTAL"}


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
