"""Event envelope and contracts: deterministic outcome ids, frozen strict models, JSON round trips."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from orderflow.contracts import EVENT_TYPES, Event, outcome_id, parse_event
from orderflow.contracts.api import OrderItemRequest, PlaceOrderRequest
from orderflow.contracts.events import (
    InvalidEventError,
    InventoryReleased,
    InventoryReleasedData,
    InventoryReservationFailed,
    InventoryReservationFailedData,
    InventoryReserved,
    InventoryReservedData,
    OrderLine,
    OrderPlaced,
    OrderPlacedData,
    PaymentCompleted,
    PaymentCompletedData,
    PaymentFailed,
    PaymentFailedData,
    ShipmentCreated,
    ShipmentCreatedData,
    Shortage,
    Simulation,
    SkuQuantity,
    UnknownEventVersionError,
)
from tests.support import cancellation_events, stock_events

ORDER_ID = uuid.UUID("0b7e4a9c-1f3d-4e5a-9b8c-7d6e5f4a3b2c")
EMAIL = "student@example.com"
LINES = (
    OrderLine(sku="LAPTOP-001", quantity=1, unit_price=Decimal(850)),
    OrderLine(sku="MOUSE-01", quantity=3, unit_price=Decimal("59.99")),
)


def placed_data(**overrides: Any) -> OrderPlacedData:
    fields: dict[str, Any] = {
        "order_id": ORDER_ID,
        "customer_email": EMAIL,
        "currency": "USD",
        "items": LINES,
        "total": Decimal("1029.97"),
    }
    return OrderPlacedData(**{**fields, **overrides})


def order_placed(**overrides: Any) -> OrderPlaced:
    return OrderPlaced.create(placed_data(**overrides), correlation_id=ORDER_ID)


def one_of_each_event() -> list[Event]:
    """One valid event of every registered type, each caused by the order being placed."""
    placed = order_placed(simulation=Simulation(force_out_of_stock=True, technical_failure=("payment",)))
    return [
        placed,
        InventoryReserved.caused_by(placed, InventoryReservedData(**placed.data.model_dump()), service="inventory"),
        InventoryReservationFailed.caused_by(
            placed,
            InventoryReservationFailedData(
                order_id=ORDER_ID,
                customer_email=EMAIL,
                shortages=(Shortage(sku="LAPTOP-001", requested=1, available=0),),
            ),
            service="inventory",
        ),
        InventoryReleased.caused_by(
            placed,
            InventoryReleasedData(order_id=ORDER_ID, items=(SkuQuantity(sku="LAPTOP-001", quantity=1),)),
            service="inventory",
        ),
        PaymentCompleted.caused_by(
            placed,
            PaymentCompletedData(
                order_id=ORDER_ID,
                customer_email=EMAIL,
                payment_id="pay_123",
                amount=Decimal("1029.97"),
                currency="USD",
                items=LINES,
            ),
            service="payment",
        ),
        PaymentFailed.caused_by(
            placed,
            PaymentFailedData(
                order_id=ORDER_ID,
                customer_email=EMAIL,
                decline_code="card_declined",
                amount=Decimal("1029.97"),
                currency="USD",
            ),
            service="payment",
        ),
        ShipmentCreated.caused_by(
            placed,
            ShipmentCreatedData(
                order_id=ORDER_ID,
                customer_email=EMAIL,
                shipment_id="shp_1",
                carrier="DHL",
                tracking_number="JD0001",
            ),
            service="shipping",
        ),
        *stock_events(placed),
        *cancellation_events(placed),
    ]


# --- envelope ------------------------------------------------------------------------------


def test_create_pins_type_version_and_source_of_the_model() -> None:
    event = order_placed()

    assert (event.event_type, event.event_version, event.source) == ("OrderPlaced", 1, "orderflow.orders")
    assert event.correlation_id == ORDER_ID
    assert event.causation_id is None
    assert event.order_id == ORDER_ID
    assert event.occurred_at.tzinfo is not None


def test_create_gives_each_new_event_its_own_id() -> None:
    assert order_placed().event_id != order_placed().event_id


def test_create_accepts_explicit_id_and_time() -> None:
    event_id = uuid.uuid4()
    at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

    event = OrderPlaced.create(placed_data(), correlation_id=ORDER_ID, event_id=event_id, occurred_at=at)

    assert event.event_id == event_id
    assert event.occurred_at == at


def test_caused_by_carries_correlation_and_names_the_cause() -> None:
    # GIVEN an order placed
    placed = order_placed()

    # WHEN inventory reserves its stock
    reserved = InventoryReserved.caused_by(placed, placed.data.model_dump(), service="inventory")

    # THEN the outcome belongs to the same journey and points at its cause
    assert reserved.correlation_id == placed.correlation_id
    assert reserved.causation_id == placed.event_id
    assert reserved.event_type == "InventoryReserved"
    assert reserved.source == "orderflow.inventory"


def test_retried_handler_republishes_the_same_outcome_id() -> None:
    placed = order_placed()
    data = placed.data.model_dump()

    first = InventoryReserved.caused_by(placed, data, service="inventory")
    retry = InventoryReserved.caused_by(placed, data, service="inventory")

    assert first.event_id == retry.event_id == outcome_id(placed.event_id, "inventory", "InventoryReserved")


def test_different_outcome_of_the_same_cause_has_a_different_id() -> None:
    cause = uuid.uuid4()

    assert outcome_id(cause, "inventory", "InventoryReserved") != outcome_id(
        cause, "inventory", "InventoryReservationFailed"
    )
    assert outcome_id(cause, "inventory", "InventoryReserved") != outcome_id(cause, "payment", "InventoryReserved")
    assert outcome_id(cause, "inventory", "InventoryReserved") != outcome_id(
        uuid.uuid4(), "inventory", "InventoryReserved"
    )


def test_outcome_id_is_stable_across_processes() -> None:
    # uuid5 over a fixed namespace: the value must never change between builds or deliveries.
    cause = uuid.UUID("00000000-0000-0000-0000-000000000001")

    assert outcome_id(cause, "inventory", "InventoryReserved") == uuid.uuid5(
        uuid.UUID("7c0f3a52-9d4b-5e1f-8a6c-2b3d4e5f6a7b"), f"{cause}:inventory:InventoryReserved"
    )


# --- strictness ----------------------------------------------------------------------------


def test_events_are_frozen() -> None:
    event = order_placed()

    with pytest.raises(ValidationError, match="frozen"):
        event.event_id = uuid.uuid4()  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        event.data.total = Decimal(1)  # type: ignore[misc]


def test_event_data_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        placed_data(colour="red")


def test_api_request_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="couponCode"):
        PlaceOrderRequest.model_validate(
            {
                "customerEmail": EMAIL,
                "currency": "USD",
                "items": [{"sku": "LAPTOP-001", "quantity": 1}],
                "couponCode": "FREE",
            }
        )


def test_models_accept_both_camel_case_and_python_names() -> None:
    by_alias = OrderItemRequest.model_validate({"sku": "LAPTOP-001", "quantity": 1})
    request = PlaceOrderRequest.model_validate(
        {"customer_email": EMAIL, "currency": "USD", "items": [by_alias.model_dump()]}
    )

    assert request.customer_email == EMAIL
    assert request.model_dump(mode="json")["customerEmail"] == EMAIL


@pytest.mark.parametrize("sku", ["", "laptop-001", "-LEADING", "A" * 65, "HAS SPACE"])
def test_invalid_sku_is_rejected(sku: str) -> None:
    with pytest.raises(ValidationError):
        OrderLine(sku=sku, quantity=1, unit_price=Decimal(1))


@pytest.mark.parametrize("price", [Decimal("-0.01"), Decimal("1.001"), Decimal("10000000000.00")])
def test_invalid_money_is_rejected(price: Decimal) -> None:
    with pytest.raises(ValidationError):
        OrderLine(sku="LAPTOP-001", quantity=1, unit_price=price)


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("event", one_of_each_event(), ids=lambda e: e.event_type)
def test_every_event_type_round_trips_through_json(event: Event) -> None:
    # WHEN serialised for the bus and parsed back on the other side
    parsed = parse_event(orjson.loads(event.to_json()))

    # THEN the same model comes back, equal field for field
    assert type(parsed) is type(event)
    assert parsed == event


def test_every_registered_event_type_is_covered_by_the_round_trip() -> None:
    assert {(e.event_type, e.event_version) for e in one_of_each_event()} == set(EVENT_TYPES)


def test_json_uses_camel_case_on_the_wire() -> None:
    wire = orjson.loads(order_placed().to_json())

    assert {"eventId", "eventType", "eventVersion", "occurredAt", "correlationId", "causationId"} <= wire.keys()
    assert {"orderId", "customerEmail", "paymentToken"} <= wire["data"].keys()
    assert wire["data"]["items"][0]["unitPrice"] == 850


def test_whole_money_serialises_as_json_integer() -> None:
    wire = order_placed(total=Decimal("850.00")).to_json()

    assert b'"total":850,' in wire or b'"total":850}' in wire
    assert orjson.loads(wire)["data"]["total"] == 850


def test_fractional_money_serialises_as_exact_json_number() -> None:
    wire = order_placed(total=Decimal("59.99")).to_json()

    assert b'"total":59.99' in wire
    assert b'"59.99"' not in wire
    assert Decimal(str(orjson.loads(wire)["data"]["total"])) == Decimal("59.99")


def test_money_stays_decimal_in_python() -> None:
    assert order_placed().data.model_dump()["total"] == Decimal("1029.97")


# --- parse_event ----------------------------------------------------------------------------


def wire_event(**overrides: Any) -> dict[str, Any]:
    detail: dict[str, Any] = orjson.loads(order_placed().to_json())
    return {**detail, **overrides}


def test_unknown_event_type_is_rejected_listing_the_known_ones() -> None:
    with pytest.raises(UnknownEventVersionError) as caught:
        parse_event(wire_event(eventType="OrderTeleported"))

    message = str(caught.value)
    assert "'OrderTeleported'" in message
    for event_type, version in EVENT_TYPES:
        assert f"{event_type} v{version}" in message


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_unknown_event_version_is_rejected(version: Any) -> None:
    with pytest.raises(UnknownEventVersionError, match="OrderPlaced v1"):
        parse_event(wire_event(eventVersion=version))


def test_unknown_version_is_also_an_invalid_event() -> None:
    # The runtime catches InvalidEventError to dead-letter; unknown versions must be caught by it too.
    assert issubclass(UnknownEventVersionError, InvalidEventError)


@pytest.mark.parametrize("detail", [[], "OrderPlaced", 42, None])
def test_non_object_detail_is_an_invalid_event(detail: Any) -> None:
    with pytest.raises(InvalidEventError, match="must be a JSON object") as caught:
        parse_event(detail)
    assert not isinstance(caught.value, UnknownEventVersionError)


def test_bad_email_is_an_invalid_event_naming_the_field() -> None:
    detail = wire_event()
    detail["data"]["customerEmail"] = "not-an-email"

    with pytest.raises(InvalidEventError, match=r"data\.customerEmail") as caught:
        parse_event(detail)
    assert not isinstance(caught.value, UnknownEventVersionError)


def test_source_not_matching_the_event_type_is_invalid() -> None:
    with pytest.raises(InvalidEventError, match="source"):
        parse_event(wire_event(source="orderflow.payment"))


def test_unknown_envelope_field_is_invalid() -> None:
    with pytest.raises(InvalidEventError, match="traceId"):
        parse_event(wire_event(traceId="abc"))


def test_naive_timestamp_is_invalid() -> None:
    with pytest.raises(InvalidEventError, match="occurredAt"):
        parse_event(wire_event(occurredAt="2025-01-02T03:04:05"))


def test_event_without_items_is_invalid() -> None:
    detail = wire_event()
    detail["data"]["items"] = []

    with pytest.raises(InvalidEventError, match=r"data\.items"):
        parse_event(detail)
