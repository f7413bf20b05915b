"""HTTP routes: translate between HTTP and the order use cases; no business rules here."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from api.deps import ApiDeps, get_deps
from api.errors import IdempotencyKeyInvalid, IdempotencyKeyReused, NotReady, OrderNotFound
from api.placing import Limits, new_order, price_order, request_fingerprint, simulation_of
from api.problems import PROBLEM_JSON
from api.store import IdempotencyRace
from orderflow.contracts.api import OrderAccepted, OrderView, PlaceOrderRequest, Problem
from orderflow.errors import OrderflowError
from orderflow.orders_table import idempotency_key as idempotency_item_key

router = APIRouter()
ANONYMOUS = "anonymous"

_problems: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}
    for status, description in {
        400: "Malformed request",
        404: "Unknown order",
        422: "Invalid or rejected order",
    }.items()
}

Deps = Annotated[ApiDeps, Depends(get_deps)]


@router.post(
    "/orders",
    status_code=202,
    response_model=OrderAccepted,
    responses=_problems,
    summary="Place an order (answers at once; the saga carries it on)",
)
async def place_order(
    body: PlaceOrderRequest,
    deps: Deps,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    if idempotency_key is not None and not idempotency_key.strip():
        raise IdempotencyKeyInvalid("Idempotency-Key must not be blank")
    fingerprint = request_fingerprint(body)
    if idempotency_key and (replay := await _replay(deps, idempotency_key, fingerprint)) is not None:
        return replay
    token, simulation = simulation_of(body, allowed=deps.settings.simulation)
    catalogue = await deps.store.prices(item.sku for item in body.items)
    limits = Limits(max_items=deps.settings.max_items_per_order, max_quantity=deps.settings.max_quantity_per_line)
    lines = price_order(body, catalogue, limits)
    order, event = new_order(body, lines, payment_token=token, simulation=simulation, client_id=ANONYMOUS)
    accepted = OrderAccepted(order_id=event.data.order_id, event_id=event.event_id, status="PLACED")
    content = accepted.model_dump(mode="json")
    location = f"/orders/{accepted.order_id}"
    record = None
    if idempotency_key:
        record = {
            **idempotency_item_key(ANONYMOUS, idempotency_key),
            "fingerprint": fingerprint,
            "response": orjson.dumps(content).decode(),
            "location": location,
        }
    try:
        await deps.store.place(order, event, record)
    except IdempotencyRace:
        replay = await _replay(deps, idempotency_key or "", fingerprint)
        if replay is None:
            raise OrderflowError("idempotency record vanished") from None
        return replay
    deps.relay.publish_soon(event)
    return JSONResponse(content, status_code=202, headers={"Location": location})


async def _replay(deps: ApiDeps, key: str, fingerprint: str) -> JSONResponse | None:
    stored = await deps.store.idempotent_response(ANONYMOUS, key)
    if stored is None:
        return None
    if stored["fingerprint"] != fingerprint:
        raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was first used with a different request body")
    return JSONResponse(
        orjson.loads(stored["response"]),
        status_code=202,
        headers={"Location": stored["location"], "Idempotent-Replayed": "true"},
    )


@router.get(
    "/orders/{order_id}",
    response_model=OrderView,
    responses=_problems,
    summary="An order's status and the timeline of events that moved it",
)
async def get_order(order_id: uuid.UUID, deps: Deps) -> OrderView:
    order, timeline = await deps.store.order_with_timeline(order_id)
    if order is None:
        raise OrderNotFound(f"no order {order_id}")
    return OrderView(
        order_id=order["orderId"],
        status=order["status"],
        reason=order.get("reason"),
        customer_email=order["customerEmail"],
        currency=order["currency"],
        items=order["items"],
        total=order["total"],
        created_at=order["createdAt"],
        updated_at=order["updatedAt"],
        timeline=[
            {
                "event_id": e["sk"].removeprefix("EVENT#"),
                "event_type": e["eventType"],
                "source": e["source"],
                "occurred_at": e["occurredAt"],
            }
            for e in timeline
        ],
    )


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the orders table and the event bus are reachable",
    responses={503: {"model": Problem, "content": {PROBLEM_JSON: {}}}},
)
async def readyz(deps: Deps) -> dict[str, str]:
    try:
        await deps.store.ping()
        await deps.events.describe_event_bus(Name=deps.settings.bus)
    except Exception as exc:
        raise NotReady(f"a dependency is unreachable: {type(exc).__name__}") from exc
    return {"status": "ready"}
