"""Placing an order: catalogue pricing, test levers, request fingerprints, exact totals."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.errors import OrderRejected, SimulationDisabled
from api.placing import (
    DECLINED_PAYMENT_TOKEN,
    DEFAULT_PAYMENT_TOKEN,
    Catalogue,
    Limits,
    new_order,
    price_order,
    request_fingerprint,
    simulation_of,
)
from orderflow.contracts.api import PlaceOrderRequest
from orderflow.contracts.events import OrderLine, Simulation

CATALOGUE: Catalogue = {
    "LAPTOP-001": (Decimal(850), "USD"),
    "MOUSE-01": (Decimal("59.99"), "USD"),
    "KEYBOARD-EU": (Decimal("79.00"), "EUR"),
}
LIMITS = Limits(max_items=5, max_quantity=10)


def order_request(*items: dict[str, Any], **fields: Any) -> PlaceOrderRequest:
    body = {
        "customerEmail": "student@example.com",
        "currency": "USD",
        "items": list(items) or [{"sku": "LAPTOP-001", "quantity": 1}],
        **fields,
    }
    return PlaceOrderRequest.model_validate(body)


def rejection(request: PlaceOrderRequest, catalogue: Catalogue = CATALOGUE, limits: Limits = LIMITS) -> OrderRejected:
    with pytest.raises(OrderRejected) as caught:
        price_order(request, catalogue, limits)
    return caught.value


# --- price_order ----------------------------------------------------------------------------


def test_catalogue_price_is_used_when_request_gives_none() -> None:
    lines = price_order(order_request({"sku": "MOUSE-01", "quantity": 2}), CATALOGUE, LIMITS)

    assert lines == [OrderLine(sku="MOUSE-01", quantity=2, unit_price=Decimal("59.99"))]


def test_request_price_equal_to_catalogue_is_accepted() -> None:
    request = order_request({"sku": "LAPTOP-001", "quantity": 1, "price": 850.00})

    assert price_order(request, CATALOGUE, LIMITS)[0].unit_price == Decimal(850)


def test_unknown_sku_is_rejected_naming_sku_and_field_path() -> None:
    # GIVEN a known SKU then an unknown one
    request = order_request({"sku": "LAPTOP-001", "quantity": 1}, {"sku": "TELEPORTER-9", "quantity": 1})

    # WHEN priced
    rejected = rejection(request)

    # THEN the second line's sku is blamed by its JSON path
    assert rejected.errors == [{"field": "items.1.sku", "message": "unknown SKU TELEPORTER-9"}]
    assert "TELEPORTER-9" in rejected.detail
    assert rejected.status == 422


def test_price_mismatch_names_both_prices() -> None:
    rejected = rejection(order_request({"sku": "LAPTOP-001", "quantity": 1, "price": 800}))

    assert rejected.errors is not None
    [problem] = rejected.errors
    assert problem["field"] == "items.0.price"
    assert "850" in problem["message"]
    assert "800" in problem["message"]


def test_every_problem_is_reported_at_once() -> None:
    # GIVEN an order wrong in three independent ways
    request = order_request(
        {"sku": "LAPTOP-001", "quantity": 11},
        {"sku": "GHOST-1", "quantity": 1},
        {"sku": "MOUSE-01", "quantity": 1, "price": 5},
    )

    # THEN all three come back in one rejection, by field
    rejected = rejection(request)

    assert rejected.errors is not None
    assert [p["field"] for p in rejected.errors] == ["items.0.quantity", "items.1.sku", "items.2.price"]
    assert rejected.detail == "; ".join(p["message"] for p in rejected.errors)


def test_quantity_above_the_line_limit_is_rejected() -> None:
    rejected = rejection(order_request({"sku": "MOUSE-01", "quantity": 11}))

    assert rejected.errors == [{"field": "items.0.quantity", "message": "at most 10 units per line"}]


def test_quantity_at_the_line_limit_is_accepted() -> None:
    assert price_order(order_request({"sku": "MOUSE-01", "quantity": 10}), CATALOGUE, LIMITS)[0].quantity == 10


def test_too_many_lines_are_rejected() -> None:
    rejected = rejection(order_request(*[{"sku": "MOUSE-01", "quantity": 1}] * 6))

    assert rejected.errors == [{"field": "items", "message": "at most 5 lines per order"}]


def test_sku_sold_in_another_currency_is_rejected() -> None:
    rejected = rejection(order_request({"sku": "KEYBOARD-EU", "quantity": 1}))

    assert rejected.errors is not None
    [problem] = rejected.errors
    assert problem["field"] == "currency"
    assert "EUR" in problem["message"]
    assert "USD" in problem["message"]


# --- simulation_of --------------------------------------------------------------------------


def test_no_levers_means_no_simulation_even_when_disabled() -> None:
    assert simulation_of(order_request(), allowed=False) == (DEFAULT_PAYMENT_TOKEN, None)


def test_payment_token_from_request_is_kept() -> None:
    assert simulation_of(order_request(paymentToken="tok_mastercard"), allowed=False) == ("tok_mastercard", None)


def test_levers_are_refused_when_simulation_is_disabled_naming_them() -> None:
    request = order_request(paymentOutcome="declined", simulateTechnicalFailure="payment")

    with pytest.raises(SimulationDisabled) as caught:
        simulation_of(request, allowed=False)

    message = str(caught.value)
    assert "paymentOutcome" in message
    assert "simulateTechnicalFailure" in message
    assert "inventoryOutcome" not in message
    assert caught.value.status == 422


def test_even_approved_outcome_is_a_lever_refused_when_disabled() -> None:
    with pytest.raises(SimulationDisabled, match="paymentOutcome"):
        simulation_of(order_request(paymentOutcome="approved"), allowed=False)


def test_declined_payment_outcome_becomes_the_declining_token() -> None:
    token, simulation = simulation_of(order_request(paymentOutcome="declined"), allowed=True)

    assert token == DECLINED_PAYMENT_TOKEN == "tok_chargeDeclined"
    assert simulation == Simulation()


def test_approved_payment_outcome_keeps_the_token() -> None:
    token, _ = simulation_of(order_request(paymentOutcome="approved", paymentToken="tok_amex"), allowed=True)

    assert token == "tok_amex"


def test_out_of_stock_outcome_forces_a_shortage() -> None:
    _, simulation = simulation_of(order_request(inventoryOutcome="out_of_stock"), allowed=True)

    assert simulation == Simulation(force_out_of_stock=True)


def test_reserved_inventory_outcome_forces_nothing() -> None:
    _, simulation = simulation_of(order_request(inventoryOutcome="reserved"), allowed=True)

    assert simulation is not None
    assert not simulation.force_out_of_stock


def test_single_technical_failure_string_is_accepted() -> None:
    _, simulation = simulation_of(order_request(simulateTechnicalFailure="shipping"), allowed=True)

    assert simulation is not None
    assert simulation.technical_failure == ("shipping",)


def test_technical_failure_list_keeps_order_and_drops_repeats() -> None:
    request = order_request(simulateTechnicalFailure=["payment", "notification", "payment"])

    _, simulation = simulation_of(request, allowed=True)

    assert simulation is not None
    assert simulation.technical_failure == ("payment", "notification")


# --- request_fingerprint --------------------------------------------------------------------


def test_fingerprint_ignores_key_order() -> None:
    a = PlaceOrderRequest.model_validate(
        {"customerEmail": "a@example.com", "currency": "USD", "items": [{"sku": "MOUSE-01", "quantity": 2}]}
    )
    b = PlaceOrderRequest.model_validate(
        {"items": [{"quantity": 2, "sku": "MOUSE-01"}], "currency": "USD", "customerEmail": "a@example.com"}
    )

    assert request_fingerprint(a) == request_fingerprint(b)


def test_fingerprint_is_a_sha256_hex_digest_stable_across_calls() -> None:
    request = order_request()

    assert request_fingerprint(request) == request_fingerprint(order_request())
    assert len(request_fingerprint(request)) == 64
    int(request_fingerprint(request), 16)


@pytest.mark.parametrize(
    "changed",
    [
        {"items": [{"sku": "LAPTOP-001", "quantity": 2}]},
        {"items": [{"sku": "MOUSE-01", "quantity": 1}]},
        {"customerEmail": "other@example.com"},
        {"paymentToken": "tok_amex"},
    ],
)
def test_fingerprint_differs_for_a_different_body(changed: dict[str, Any]) -> None:
    original = order_request()
    different = PlaceOrderRequest.model_validate({**original.model_dump(mode="json"), **changed})

    assert request_fingerprint(different) != request_fingerprint(original)


# --- new_order ------------------------------------------------------------------------------


def placed(*items: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    request = order_request(*items)
    return new_order(
        request,
        price_order(request, CATALOGUE, LIMITS),
        payment_token=DEFAULT_PAYMENT_TOKEN,
        simulation=None,
        client_id="client-1",
    )


def test_total_is_exact_in_decimal() -> None:
    # 3 × 59.99 in binary floating point is 179.96999999999997
    order, event = placed({"sku": "MOUSE-01", "quantity": 3})

    assert order["total"] == Decimal("179.97")
    assert order["items"][0]["lineTotal"] == Decimal("179.97")
    assert event.data.total == Decimal("179.97")
    assert b'"total":179.97' in event.to_json()


def test_total_sums_every_line() -> None:
    order, event = placed({"sku": "LAPTOP-001", "quantity": 2}, {"sku": "MOUSE-01", "quantity": 3})

    assert order["total"] == event.data.total == Decimal("1879.97")


def test_new_order_is_placed_and_its_event_starts_the_journey() -> None:
    order, event = placed({"sku": "LAPTOP-001", "quantity": 1})

    order_id = uuid.UUID(order["orderId"])
    assert order["status"] == "PLACED"
    assert order["version"] == 1
    assert order["clientId"] == "client-1"
    assert order["createdAt"] == order["updatedAt"]
    assert event.event_type == "OrderPlaced"
    assert event.order_id == order_id
    assert event.correlation_id == order_id
    assert event.causation_id is None
    assert event.data.payment_token == DEFAULT_PAYMENT_TOKEN


def test_each_new_order_gets_its_own_id() -> None:
    assert placed()[0]["orderId"] != placed()[0]["orderId"]


# --- properties -----------------------------------------------------------------------------

skus = st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,15}", fullmatch=True)
prices = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def catalogue_and_request(draw: st.DrawFn) -> tuple[Catalogue, PlaceOrderRequest]:
    catalogue: Catalogue = {
        sku: (price, "USD") for sku, price in draw(st.dictionaries(skus, prices, min_size=1)).items()
    }
    items = [
        {
            "sku": sku,
            "quantity": draw(st.integers(min_value=1, max_value=LIMITS.max_quantity)),
            # The client may echo the catalogue price (as a JSON number) or leave it out.
            **({"price": orjson.loads(str(catalogue[sku][0]))} if draw(st.booleans()) else {}),
        }
        for sku in draw(st.lists(st.sampled_from(sorted(catalogue)), min_size=1, max_size=LIMITS.max_items))
    ]
    return catalogue, order_request(*items)


@settings(max_examples=200, deadline=None)
@given(catalogue_and_request())
def test_any_valid_order_is_priced_by_the_catalogue_and_totalled_exactly(
    case: tuple[Catalogue, PlaceOrderRequest],
) -> None:
    catalogue, request = case

    lines = price_order(request, catalogue, LIMITS)
    order, event = new_order(request, lines, payment_token="tok_visa", simulation=None, client_id="c")

    assert [line.unit_price for line in lines] == [catalogue[item.sku][0] for item in request.items]
    expected = sum((catalogue[item.sku][0] * item.quantity for item in request.items), Decimal(0))
    assert order["total"] == event.data.total == expected
    assert sum(item["lineTotal"] for item in order["items"]) == expected
