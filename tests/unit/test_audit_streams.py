"""The audit stream rules: which stream an event joins, where, and when it must wait for its cause."""

from __future__ import annotations

import uuid

import pytest

from tests.support import one_of_each_event
from workers.services.audit.streams import Append, CauseMissing, Duplicate, Recorded, decide, stream_of


def _recorded(*event_ids: uuid.UUID) -> list[Recorded]:
    return [Recorded(version, event_id) for version, event_id in enumerate(event_ids, start=1)]


def test_every_saga_event_joins_its_orders_stream_and_stock_events_their_skus() -> None:
    events = one_of_each_event()
    order_id = events[0].data.order_id
    saga, stock = [*events[:7], *events[11:]], events[7:11]
    assert {stream_of(e) for e in saga} == {f"order:{order_id}"}
    assert {stream_of(e) for e in stock} == {"sku:LAPTOP-001"}


def test_a_stock_event_never_waits_for_a_cause_in_an_orders_stream() -> None:
    low = one_of_each_event()[7]
    assert low.event_type == "StockLow" and low.causation_id is not None
    assert decide(stream_of(low), [], low) == Append(1)


def test_first_event_of_a_stream_is_appended_at_version_one() -> None:
    placed = one_of_each_event()[0]
    assert decide(stream_of(placed), [], placed) == Append(1)


def test_an_event_whose_cause_is_in_the_stream_goes_after_the_head() -> None:
    placed, reserved = one_of_each_event()[:2]
    assert decide(stream_of(reserved), _recorded(placed.event_id), reserved) == Append(2)


def test_a_delivery_already_in_the_stream_is_recognised_as_a_duplicate_at_its_position() -> None:
    placed, reserved = one_of_each_event()[:2]
    recorded = _recorded(placed.event_id, reserved.event_id)
    assert decide(stream_of(reserved), recorded, reserved) == Duplicate(2)
    assert decide(stream_of(placed), recorded, placed) == Duplicate(1)


def test_an_event_that_arrives_before_its_cause_waits_instead_of_jumping_ahead() -> None:
    placed, reserved = one_of_each_event()[:2]
    assert decide(stream_of(reserved), [], reserved) == CauseMissing(placed.event_id)


@pytest.mark.parametrize("position", [0, 1, 2])
def test_the_next_version_is_always_one_past_the_head_whatever_came_before(position: int) -> None:
    events = one_of_each_event()
    placed = events[0]
    others = [uuid.uuid4() for _ in range(position)]
    recorded = _recorded(placed.event_id, *others)
    reserved = events[1]
    assert decide(stream_of(reserved), recorded, reserved) == Append(len(recorded) + 1)
