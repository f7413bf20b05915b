"""DLQ triage groups dead messages by their failure reason, one group per cause."""

from __future__ import annotations

import uuid

import orjson

from orderflow.console.grouping import DeadMessage, describe_body, group, normalise


def _dead(reason: str, *, event_type: str = "PaymentCompleted", age: float = 1.0) -> DeadMessage:
    return DeadMessage(str(uuid.uuid4()), event_type, str(uuid.uuid4()), 3, age, "{}", reason)


def test_reasons_that_differ_only_in_ids_and_numbers_are_one_group() -> None:
    # GIVEN three simulated failures for three orders, and one carrier timeout
    failures = [
        _dead(f"SimulatedTechnicalFailure: simulated shipping failure for order {uuid.uuid4()}", age=a)
        for a in (5.0, 9.0, 7.0)
    ]
    timeout = _dead("TimeoutError: carrier did not answer within 5.0 s")
    # WHEN grouped
    groups = group([*failures, timeout])
    # THEN the three simulated failures are one group (largest first, oldest message first)
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].reason == "SimulatedTechnicalFailure: simulated shipping failure for order <id>"
    assert [m.age_seconds for m in groups[0].messages] == [9.0, 7.0, 5.0]
    assert groups[1].reason == "TimeoutError: carrier did not answer within <n> s"


def test_the_same_reason_on_two_event_types_is_two_groups() -> None:
    groups = group([_dead("KeyError: 'sku'", event_type="OrderPlaced"), _dead("KeyError: 'sku'")])
    assert sorted(g.event_type for g in groups) == ["OrderPlaced", "PaymentCompleted"]


def test_group_keys_are_stable_across_listings() -> None:
    # Two listings of the same cause (different messages) give the same key: a redrive can name it.
    first = group([_dead(f"ValueError: order {uuid.uuid4()} has 3 lines")])
    second = group([_dead(f"ValueError: order {uuid.uuid4()} has 12 lines")])
    assert first[0].key == second[0].key


def test_quoted_values_and_long_hex_ids_are_normalised() -> None:
    assert normalise("KeyError: 'LAPTOP-001' in 9f86d081884c7d65") == "KeyError: <value> in <id>"


def test_a_body_names_its_event_and_order_or_why_it_cannot_be_read() -> None:
    order_id = str(uuid.uuid4())
    body = orjson.dumps(
        {"detail-type": "OrderPlaced", "detail": {"eventType": "OrderPlaced", "data": {"orderId": order_id}}}
    )
    assert describe_body(body.decode()) == ("OrderPlaced", order_id, None)
    assert describe_body("not json")[2] == "InvalidEventError: message body is not JSON"
    assert describe_body("[1, 2]")[0] == "(not an event)"
