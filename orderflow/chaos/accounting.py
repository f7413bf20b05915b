"""Jepsen-style accounting from the services' own tables and the API — never from logs."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orderflow.aws.dynamo import from_attrs
from orderflow.chaos.cancels import (
    CUSTOMER_CANCELLED,
    check_cancelled,
    check_raced,
    money,
    shipped_notifications,
    shipped_timeline,
)
from orderflow.chaos.load import Submission
from orderflow.ops.aws import client
from orderflow.ops.mail import Mail
from orderflow.orders_table import timeline
from orderflow.settings import Settings
from workers.services.notification.rendering import news

# terminal state -> (timeline event types, notifications, reservation state, charge status)
EXPECTED: dict[tuple[str, str | None], tuple[list[str], set[str], str | None, str | None]] = {
    ("SHIPPED", None): (
        ["InventoryReserved", "OrderPlaced", "PaymentCompleted", "ShipmentCreated"],
        {"OrderPlaced", "PaymentCompleted", "ShipmentCreated"},
        "RESERVED",
        "APPROVED",
    ),
    ("CANCELLED", "OUT_OF_STOCK"): (
        ["InventoryReservationFailed", "OrderPlaced"],
        {"InventoryReservationFailed", "OrderPlaced"},
        "FAILED",  # nothing held; the item keeps the outcome for a redelivery
        None,
    ),
    ("CANCELLED", "PAYMENT_DECLINED"): (
        ["InventoryReleased", "InventoryReserved", "OrderPlaced", "PaymentFailed"],
        {"OrderPlaced", "PaymentFailed"},
        "RELEASED",
        "DECLINED",
    ),
}
# What each kind of order may end as (scarce SKUs may run out under contention).
ALLOWED: dict[str, set[tuple[str, str | None]]] = {
    "normal": {("SHIPPED", None)},
    "scarce": {("SHIPPED", None), ("CANCELLED", "OUT_OF_STOCK")},
    "out_of_stock": {("CANCELLED", "OUT_OF_STOCK")},
    "declined": {("CANCELLED", "PAYMENT_DECLINED")},
    "cancel": {("SHIPPED", None), CUSTOMER_CANCELLED},  # a cancel fired at a random point of the saga
    # a cancel racing the saga's own cancellation: whichever the projector sees first names the reason
    "out_of_stock+cancel": {("CANCELLED", "OUT_OF_STOCK"), CUSTOMER_CANCELLED},
    "declined+cancel": {("CANCELLED", "PAYMENT_DECLINED"), CUSTOMER_CANCELLED},
}


@dataclass
class Tables:
    """Every item of every service table, grouped by order id (and stock by SKU)."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    timeline: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    outbox: int = 0
    charges: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    shipments: dict[str, int] = field(default_factory=Counter)
    notifications: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    reservations: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock: dict[str, tuple[int, int]] = field(default_factory=dict)  # sku -> (available, reserved)

    @classmethod
    def read(cls, settings: Settings, endpoint_url: str) -> Tables:
        dynamodb, tables = client(settings, "dynamodb", endpoint_url), cls()
        for table in ("orders", "payment", "shipping", "notification", "inventory"):
            for page in dynamodb.get_paginator("scan").paginate(
                TableName=settings.table_name(table), ConsistentRead=True
            ):
                for raw in page["Items"]:
                    tables._add(table, from_attrs(raw))
        return tables

    def _add(self, table: str, item: dict[str, Any]) -> None:
        pk, sk = str(item["pk"]), str(item["sk"])
        order = pk.removeprefix("ORDER#")
        match table, sk:
            case "orders", "ORDER":
                self.orders[order] = item
                # the order item holds its OrderPlaced and the projector's entries
                self.timeline[order] += [str(e["eventType"]) for e in timeline(item, [])]
            case "orders", _ if sk.startswith("EVENT#"):
                self.timeline[order].append(str(item["eventType"]))
            case "orders", _ if pk.startswith("OUTBOX#"):
                self.outbox += 1
            case "payment", "CHARGE":
                self.charges[order].append(item)
            case "shipping", "SHIPMENT" if item.get("state") == "BOOKED":
                self.shipments[order] += 1
            case "notification", _ if sk.startswith("NOTIFICATION#"):
                self.notifications[order].append(str(item["outcome"]))
            case "inventory", "RESERVATION":
                self.reservations[order] = item
            case "inventory", "STOCK":
                self.stock[str(item["sku"])] = (int(item["available"]), int(item["reserved"]))


@dataclass
class Findings:
    """Counts per invariant, and a sample of the violations behind them."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    figures: dict[str, Decimal] = field(default_factory=dict)

    def flag(self, what: str, detail: str, n: int = 1) -> None:
        self.counts[what] += n
        if len(self.examples) < 30:
            self.examples.append(f"{what}: {detail}")


def account(
    submissions: list[Submission],
    tables: Tables,
    api_views: dict[str, dict[str, Any] | None],
    catalogue: dict[str, int],
) -> Findings:
    found = Findings()
    for submission in submissions:
        _replays(submission, found)
    accepted = {s.order_id: s for s in submissions if s.order_id}
    for order_id in accepted.keys() | tables.orders.keys():
        _order(order_id, accepted.get(order_id), tables, api_views.get(order_id), found)
    _stock(tables, catalogue, found)
    money(tables, found)
    if tables.outbox:
        found.flag("outbox pending", f"{tables.outbox} outbox entries never published", tables.outbox)
    return found


def _replays(submission: Submission, found: Findings) -> None:
    for other in submission.replayed_ids:
        if other != submission.order_id:
            found.flag("replay mismatch", f"key {submission.key}: {submission.order_id} then {other}")


def _order(
    order_id: str, submission: Submission | None, tables: Tables, view: dict[str, Any] | None, found: Findings
) -> None:
    order = tables.orders.get(order_id)
    if order is None or view is None:
        why = "not in the table" if order is None else "the API did not answer 200"
        found.flag("lost", f"{order_id} accepted but {why}")
        return
    state = (str(order["status"]), order.get("reason"))
    if view["status"] != state[0]:
        found.flag("api disagrees", f"{order_id}: table {state[0]}, API {view['status']}")
    if submission is not None and state not in ALLOWED[submission.kind]:
        found.flag("wrong outcome", f"{order_id} ({submission.kind}) ended {state}")
    if submission is not None and submission.kind.endswith("+cancel") and state in ALLOWED[submission.kind]:
        found.counts["terminal"] += 1
        check_raced(order_id, order, tables, found)
        return
    if state == CUSTOMER_CANCELLED:
        found.counts["terminal"] += 1
        found.counts["cancelled by customer"] += 1
        check_cancelled(order_id, tables, found)
        return
    if state not in EXPECTED:
        found.flag("stuck", f"{order_id} is {state[0]}")
        return
    found.counts["terminal"] += 1
    _saga(order_id, order, state, tables, found)


def _saga(order_id: str, order: dict[str, Any], state: tuple[str, str | None], tables: Tables, found: Findings) -> None:
    """An order that shipped or failed for a business reason: its exact timeline and effects."""
    timeline, notes, reservation, charge = EXPECTED[state]
    if state[0] == "SHIPPED":
        timeline, notes = shipped_timeline(order), shipped_notifications(order)
        if order.get("cancellation"):
            found.counts["cancel refused (shipped)"] += 1
    if sorted(tables.timeline[order_id]) != timeline:
        duplicated = sum(n - 1 for n in Counter(tables.timeline[order_id]).values())
        found.flag(
            "timeline duplicates" if duplicated else "timeline wrong", f"{order_id}: {tables.timeline[order_id]}"
        )
    notified = tables.notifications[order_id]
    if len(notified) != len(set(notified)) or set(notified) - notes:
        found.flag("duplicate notifications", f"{order_id} ({state[0]}): {notified}")
    elif set(notified) != notes:
        found.flag("missing notifications", f"{order_id} ({state[0]}): {notified}")
    _effects(order_id, state, (reservation, charge), tables, found)


def _effects(
    order_id: str,
    state: tuple[str, str | None],
    expected: tuple[str | None, str | None],
    tables: Tables,
    found: Findings,
) -> None:
    reservation, charge = expected
    approved = [c for c in tables.charges[order_id] if c["status"] == "APPROVED"]
    if len(approved) > (1 if charge == "APPROVED" else 0):
        found.flag("double-charged", f"{order_id} ({state}): {len(approved)} approved charges")
    if [c["status"] for c in tables.charges[order_id]] != ([charge] if charge else []):
        found.flag("charge wrong", f"{order_id} ({state}): {[c['status'] for c in tables.charges[order_id]]}")
    if tables.shipments[order_id] != (1 if state[0] == "SHIPPED" else 0):
        found.flag("shipments wrong", f"{order_id} ({state}): {tables.shipments[order_id]} shipments")
    held = tables.reservations.get(order_id, {}).get("state")
    if held != reservation:
        found.flag("reservation wrong", f"{order_id} ({state}): reservation {held}, expected {reservation}")


def _stock(tables: Tables, catalogue: dict[str, int], found: Findings) -> None:
    """initial − units of shipped orders = available; units of shipped orders = reserved."""
    shipped: Counter[str] = Counter()
    for order in tables.orders.values():
        if order["status"] in ("PAID", "SHIPPED"):
            for line in order["items"]:
                shipped[str(line["sku"])] += int(line["quantity"])
    for sku, initial in catalogue.items():
        available, reserved = tables.stock.get(sku, (0, 0))
        drift = abs(initial - shipped[sku] - available) + abs(shipped[sku] - reserved)
        if drift:
            found.flag(
                "stock drift",
                f"{sku}: initial {initial}, shipped {shipped[sku]}, available {available}, reserved {reserved}",
                drift,
            )


def emails(mails: list[Mail], found: Findings) -> None:
    """What customers received (the captured mailbox), per order and piece of news: two events
    telling the same news is a duplicate notification; one event's email sent again is the
    at-least-once resend by its retry when the send succeeded and its record did not (counted apart)."""
    events: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for mail in mails:
        if mail.order_id and mail.outcome and mail.event_id:
            events[(mail.order_id, news(mail.outcome))][mail.event_id] += 1
    found.counts["emails"] = len(mails)
    for (order_id, what), sent in events.items():
        if len(sent) > 1:
            found.flag("duplicate notifications", f"{order_id}: {what} emailed for {len(sent)} events", len(sent) - 1)
        found.counts["emails re-sent"] += sum(sent.values()) - len(sent)
