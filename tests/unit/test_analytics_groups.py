"""The analytics group's transaction: a marker per event, and each time bucket written once with every stage's sum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from orderflow.aws.dynamo import from_attrs
from tests.support import one_of_each_event
from workers.services.analytics.store import AnalyticsStore


def _store() -> AnalyticsStore:
    return AnalyticsStore(cast(Any, None), "analytics")  # builds requests only: no client needed


def test_a_group_of_many_stages_in_one_minute_adds_to_three_items_once_each() -> None:
    # GIVEN two orders' placed, reserved, paid and shipped events, all in the same minute
    events = []
    for _ in range(2):
        placed, reserved, _, _, paid, _, shipped = one_of_each_event()[:7]
        events += [placed, reserved, paid, shipped]
    at = datetime(2026, 12, 3, 6, 30, 15, tzinfo=UTC)
    events = [e.model_copy(update={"occurred_at": at}) for e in events]
    # WHEN the group's transaction is built
    items = _store().changes(events)
    # THEN it holds one marker per event (the placed ones are their recent-orders entries), then
    # the total, the hour and the minute, each adding two to every stage
    markers, counters = items[: len(events)], items[len(events) :]
    assert all(m["Put"]["ConditionExpression"] == "attribute_not_exists(pk)" for m in markers)
    recent = [from_attrs(m["Put"]["Item"]) for m in markers if m["Put"]["Item"]["pk"]["S"].startswith("RECENT#")]
    assert sorted(r["eventId"] for r in recent) == sorted(str(e.event_id) for e in events[::4])
    assert [_sk(u) for u in counters] == [
        "TOTAL",
        "H#2026-12-03T06",
        "M#2026-12-03T06:30",
    ]
    for update in counters:
        names, values = (
            update["Update"]["ExpressionAttributeNames"],
            from_attrs(update["Update"]["ExpressionAttributeValues"]),
        )
        added = {names[f"#s{i}"]: values[f":n{i}"] for i in range(len(names))}
        assert added == {"placed": 2, "reserved": 2, "paid": 2, "shipped": 2}


def test_events_a_minute_apart_add_to_their_own_minutes_and_share_the_hour_and_total() -> None:
    placed, reserved = one_of_each_event()[:2]
    at = datetime(2026, 12, 3, 6, 30, 59, tzinfo=UTC)
    events = [
        placed.model_copy(update={"occurred_at": at}),
        reserved.model_copy(update={"occurred_at": at + timedelta(seconds=2)}),
    ]
    counters = _store().changes(events)[2:]
    assert [_sk(u) for u in counters] == [
        "TOTAL",
        "H#2026-12-03T06",
        "M#2026-12-03T06:30",
        "M#2026-12-03T06:31",
    ]
    assert "expiresAt" not in counters[0]["Update"]["UpdateExpression"], "the total never expires"


def _sk(update: Any) -> str:
    return str(from_attrs(update["Update"]["Key"])["sk"])
