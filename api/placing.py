"""Placing an order: the catalogue's rules, applied without I/O, producing the order and its event."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from api.errors import OrderRejected, SimulationDisabled
from orderflow.contracts.api import PlaceOrderRequest
from orderflow.contracts.events import OrderLine, OrderPlaced, OrderPlacedData, Simulation

DEFAULT_PAYMENT_TOKEN = "tok_visa"
DECLINED_PAYMENT_TOKEN = "tok_chargeDeclined"

Catalogue = dict[str, tuple[Decimal, str]]  # sku -> (price, currency)


@dataclass(frozen=True)
class Limits:
    max_items: int
    max_quantity: int


def request_fingerprint(request: PlaceOrderRequest) -> str:
    """Stable hash of what was asked, to tell a retry from a different request with the same key."""
    return hashlib.sha256(orjson.dumps(request.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()


def simulation_of(request: PlaceOrderRequest, *, allowed: bool) -> tuple[str, Simulation | None]:
    """The seed's test levers, translated into the causes they stand for: a declined token,
    a short stock, a raised technical error. Returns (payment token, simulation)."""
    levers = {
        "paymentOutcome": request.payment_outcome,
        "inventoryOutcome": request.inventory_outcome,
        "simulateTechnicalFailure": request.simulate_technical_failure,
    }
    used = [name for name, value in levers.items() if value is not None]
    token = request.payment_token or DEFAULT_PAYMENT_TOKEN
    if not used:
        return token, None
    if not allowed:
        raise SimulationDisabled(
            f"{', '.join(used)} only work when simulation is enabled (local mode or ORDERFLOW_SIMULATION_ENABLED=true)"
        )
    if request.payment_outcome == "declined":
        token = DECLINED_PAYMENT_TOKEN
    asked = request.simulate_technical_failure or []
    failures = [asked] if isinstance(asked, str) else asked
    return token, Simulation(
        force_out_of_stock=request.inventory_outcome == "out_of_stock",
        technical_failure=tuple(dict.fromkeys(failures)),
    )


def check_limits(request: PlaceOrderRequest, limits: Limits) -> None:
    """The checks that need no catalogue, made first: an oversized order costs one refusal, not a
    catalogue read per line, and an absurd quantity never reaches arithmetic or serialisation."""
    problems = []
    if len(request.items) > limits.max_items:
        problems.append({"field": "items", "message": f"at most {limits.max_items} lines per order"})
    for index, item in enumerate(request.items):
        if item.quantity > limits.max_quantity:
            message = f"at most {limits.max_quantity} units per line"
            problems.append({"field": f"items.{index}.quantity", "message": message})
    if problems:
        raise OrderRejected("; ".join(p["message"] for p in problems), errors=problems)


def price_order(request: PlaceOrderRequest, catalogue: Catalogue, limits: Limits) -> list[OrderLine]:
    """Catalogue prices are authoritative; every problem is reported at once, by field."""
    problems: list[dict[str, str]] = []
    if len(request.items) > limits.max_items:
        problems.append({"field": "items", "message": f"at most {limits.max_items} lines per order"})
    lines = []
    for index, item in enumerate(request.items):
        where = f"items.{index}"
        if item.quantity > limits.max_quantity:
            problems.append({"field": f"{where}.quantity", "message": f"at most {limits.max_quantity} units per line"})
        if item.sku not in catalogue:
            problems.append({"field": f"{where}.sku", "message": f"unknown SKU {item.sku}"})
            continue
        price, currency = catalogue[item.sku]
        if currency != request.currency:
            problems.append(
                {"field": "currency", "message": f"{item.sku} is sold in {currency}, not {request.currency}"}
            )
        if item.price is not None and item.price != price:
            problems.append(
                {"field": f"{where}.price", "message": f"{item.sku} costs {price} {currency}, not {item.price}"}
            )
        lines.append(OrderLine(sku=item.sku, quantity=item.quantity, unit_price=price))
    if problems:
        raise OrderRejected("; ".join(p["message"] for p in problems), errors=problems)
    return lines


def new_order(
    request: PlaceOrderRequest,
    lines: list[OrderLine],
    *,
    payment_token: str,
    simulation: Simulation | None,
    client_id: str,
) -> tuple[dict[str, Any], OrderPlaced]:
    """The order item (status PLACED) and its OrderPlaced event, which starts the journey."""
    order_id = uuid.uuid4()
    total = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    event = OrderPlaced.create(
        OrderPlacedData(
            order_id=order_id,
            customer_email=request.customer_email,
            currency=request.currency,
            items=tuple(lines),
            total=total,
            payment_token=payment_token,
            simulation=simulation,
        ),
        correlation_id=order_id,
    )
    now = datetime.now(UTC).isoformat()
    order = {
        "orderId": str(order_id),
        "status": "PLACED",
        "customerEmail": request.customer_email,
        "currency": request.currency,
        "items": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unitPrice": line.unit_price,
                "lineTotal": line.unit_price * line.quantity,
            }
            for line in lines
        ],
        "total": total,
        "clientId": client_id,
        "createdAt": now,
        "updatedAt": now,
        "version": 1,
    }
    return order, event
