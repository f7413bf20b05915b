"""`orderflow replay` against the real local platform: a window of completed orders replayed onto
the bus reaches every consumer again and changes nothing — no second charge, shipment,
notification or stock movement — because every consumer deduplicates by event id."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.journey import (
    Stack,
    approved_charges,
    items,
    new_sku,
    notifications,
    order_body,
    place,
    settled,
    shipments,
    stock,
    view,
    wait_for,
)

pytestmark = pytest.mark.e2e


def _replay(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderflow", "replay", *args, "--endpoint-url", stack.endpoint],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=stack.env(),
    )


def _state(stack: Stack, orders: list[str], sku: str) -> dict[str, Any]:
    """Everything a replay must not change: each order's view, charges, shipments, notifications,
    every item the services hold about it, and the stock."""
    per_order = {
        order: {
            "status": view(stack, order)["status"],
            "timeline": [e["eventId"] for e in view(stack, order)["timeline"]],
            "charges": approved_charges(stack, order),
            "shipments": shipments(stack, order),
            "notifications": notifications(stack, order),
            "items": {t: items(stack, t, order) for t in ("payment", "shipping", "notification")},
        }
        for order in orders
    }
    return {"orders": per_order, "stock": stock(stack, sku)}


def _handled(stack: Stack, event_ids: set[str]) -> Counter[tuple[str, str]]:
    """(service, eventId) -> message_handled lines in the platform's log, for these events."""
    seen: Counter[tuple[str, str]] = Counter()
    for line in stack.log.read_text(errors="replace").splitlines():
        if '"message_handled"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("eventId") in event_ids:
            seen[(record["service"], record["eventId"])] += 1
    return seen


def test_replaying_a_window_of_completed_orders_changes_nothing(stack: Stack) -> None:
    # GIVEN three shipped orders and a declined one, finished and settled
    began = datetime.now(UTC) - timedelta(seconds=1)
    sku = new_sku(stack, units=10)
    orders = [place(stack, order_body(sku)) for _ in range(3)]
    orders.append(place(stack, order_body(sku, paymentOutcome="declined")))
    for order in orders:
        wait_for(stack, order)
    settled(stack, timeout=120)
    ended = datetime.now(UTC)
    before = _state(stack, orders, sku)
    assert [before["orders"][o]["status"] for o in orders] == ["SHIPPED"] * 3 + ["CANCELLED"]
    assert before["stock"] == 7
    event_ids = {e for o in orders for e in before["orders"][o]["timeline"]}
    handled_before = _handled(stack, event_ids)

    # WHEN the window is dry-run, THEN it names what it would send and sends nothing
    dry = _replay(stack, "--from", began.isoformat(), "--to", ended.isoformat(), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout.splitlines()[0])
    assert plan["count"] >= len(event_ids) and plan["by_type"]["OrderPlaced"] >= 4
    assert plan["destination"] == f"bus {stack.settings.bus}"
    time.sleep(2)
    assert _handled(stack, event_ids) == handled_before

    # WHEN it is replayed onto the bus for real
    done = _replay(stack, "--from", began.isoformat(), "--to", ended.isoformat(), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["state"] == "COMPLETED" and result["sent"] == plan["count"]
    settled(stack, timeout=120)

    # THEN every consumer handled each of these events again...
    handled_after = _handled(stack, event_ids)
    for key, times in handled_before.items():
        assert handled_after[key] > times, f"{key} was not delivered again"
    # ...and nothing changed: no second charge, shipment, notification or stock movement
    assert _state(stack, orders, sku) == before


def test_a_replay_asks_before_sending_and_refuses_bad_windows(stack: Stack) -> None:
    now = datetime.now(UTC)
    hour_ago = (now - timedelta(hours=1)).isoformat()
    refused = _replay(stack, "--from", now.isoformat(), "--to", hour_ago)
    assert refused.returncode == 2 and "--from must be before --to" in refused.stderr
    naive = _replay(stack, "--from", "2026-12-01T12:00:00", "--to", now.isoformat())
    assert naive.returncode == 2 and "need a time zone" in naive.stderr
    # WHEN not confirmed (no --yes, and the answer is no) THEN nothing is sent and it exits 1
    argv = ["replay", "--from", hour_ago, "--to", now.isoformat(), "--endpoint-url", stack.endpoint]
    asked = subprocess.run(
        [sys.executable, "-m", "orderflow", *argv],
        input="n\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=stack.env(),
    )
    assert asked.returncode == 1 and "replay onto bus" in asked.stderr
