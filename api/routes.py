"""HTTP routes: translate between HTTP and the order use cases; no business rules here."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
import structlog
from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from opentelemetry import trace

from api.auth import Client
from api.cancelling import cancel_fingerprint, cancellation_requested, check_cancellable
from api.deps import ApiDeps, get_deps
from api.errors import IdempotencyKeyInvalid, IdempotencyKeyReused, NotReady, OrderNotFound
from api.placing import Limits, check_limits, new_order, price_order, request_fingerprint, simulation_of
from api.store import CancelConflict, IdempotencyRace
from orderflow.contracts.api import (
    CancellationAccepted,
    CancelOrderRequest,
    OrderAccepted,
    OrderView,
    PlaceOrderRequest,
    Problem,
)
from orderflow.errors import PROBLEM_JSON, OrderflowError
from orderflow.orders_table import idempotency_key as idempotency_item_key
from orderflow.tracing import stamp

router = APIRouter()
log = structlog.get_logger("orderflow.api")


def _problems(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for problem responses, so that clients (and the fuzzer) know every status."""
    return {
        int(status.removeprefix("s")): {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}
        for status, description in described.items()
    }


_GUARDED = {
    "s401": "Missing or invalid API key",
    "s429": "This API key's rate limit is exceeded (see Retry-After)",
    "s500": "Internal error (logged; no details in the body)",
}
_PLACE_PROBLEMS = _problems(
    s400="Malformed request (JSON syntax, blank Idempotency-Key)",
    s413="Request body larger than the limit",
    s415="Request body is not application/json",
    s422="Invalid or rejected order",
    **_GUARDED,
)
_GET_PROBLEMS = _problems(s404="Unknown order (or another client's)", s422="Malformed order id", **_GUARDED)
_CANCEL_PROBLEMS = _problems(
    s400="Malformed request (JSON syntax, blank Idempotency-Key)",
    s404="Unknown order (or another client's)",
    s409="The order has shipped or is already cancelled",
    s413="Request body larger than the limit",
    s415="Request body is not application/json",
    s422="Malformed order id or body",
    **_GUARDED,
)

Deps = Annotated[ApiDeps, Depends(get_deps)]


@router.post(
    "/orders",
    status_code=202,
    response_model=OrderAccepted,
    responses=_PLACE_PROBLEMS,
    summary="Place an order (answers at once; the saga carries it on)",
)
async def place_order(
    body: PlaceOrderRequest,
    deps: Deps,
    client: Client,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    if idempotency_key is not None and not idempotency_key.strip():
        raise IdempotencyKeyInvalid("Idempotency-Key must not be blank")
    limits = Limits(max_items=deps.settings.max_items_per_order, max_quantity=deps.settings.max_quantity_per_line)
    check_limits(body, limits)
    fingerprint = request_fingerprint(body)
    if idempotency_key and (replay := await _replay(deps, client, idempotency_key, fingerprint)) is not None:
        return replay
    token, simulation = simulation_of(body, allowed=deps.settings.simulation)
    catalogue = await deps.store.prices(item.sku for item in body.items)
    lines = price_order(body, catalogue, limits)
    order, event = new_order(body, lines, payment_token=token, simulation=simulation, client_id=client)
    # The outbox stores the event with this request's trace context: the relay (or its sweeper,
    # after a crash) publishes it as it was, and the saga's spans join this request's trace.
    event = stamp(event)
    trace.get_current_span().set_attribute("orderflow.order_id", str(event.data.order_id))
    accepted = OrderAccepted(order_id=event.data.order_id, event_id=event.event_id, status="PLACED")
    content = accepted.model_dump(mode="json")
    location = f"/orders/{accepted.order_id}"
    record = None
    if idempotency_key:
        record = {
            **idempotency_item_key(client, idempotency_key),
            "fingerprint": fingerprint,
            "response": orjson.dumps(content).decode(),
            "location": location,
        }
    try:
        await deps.store.place(order, event, record)
    except IdempotencyRace:
        replay = await _replay(deps, client, idempotency_key or "", fingerprint)
        if replay is None:
            raise OrderflowError("idempotency record vanished") from None
        return replay
    deps.relay.publish_soon(event)
    return JSONResponse(content, status_code=202, headers={"Location": location})


async def _replay(deps: ApiDeps, client: str, key: str, fingerprint: str) -> JSONResponse | None:
    stored = await deps.store.idempotent_response(client, key)
    if stored is None:
        return None
    if stored["fingerprint"] != fingerprint:
        raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was first used with a different request body")
    return JSONResponse(
        orjson.loads(stored["response"]),
        status_code=202,
        headers={"Location": stored["location"], "Idempotent-Replayed": "true"},
    )


@router.post(
    "/orders/{order_id}/cancel",
    status_code=202,
    response_model=CancellationAccepted,
    responses=_CANCEL_PROBLEMS,
    summary="Ask to cancel an order (answers at once; it ends cancelled and refunded, or shipped)",
)
async def cancel_order(
    order_id: uuid.UUID,
    deps: Deps,
    client: Client,
    body: CancelOrderRequest | None = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    if idempotency_key is not None and not idempotency_key.strip():
        raise IdempotencyKeyInvalid("Idempotency-Key must not be blank")
    fingerprint = cancel_fingerprint(order_id, body)
    if idempotency_key and (replay := await _replay(deps, client, idempotency_key, fingerprint)) is not None:
        return replay
    order = await deps.store.order(order_id)
    if order is None or order.get("clientId") != client:
        raise OrderNotFound(f"no order {order_id}")
    asked_before = check_cancellable(order)
    # Its own trace (this request's), found by `orderflow trace` through the order id like the first.
    event = stamp(cancellation_requested(order, body))
    trace.get_current_span().set_attribute("orderflow.order_id", str(order_id))
    content = CancellationAccepted(order_id=order_id, event_id=event.event_id, cancellation="REQUESTED")
    answer = JSONResponse(content.model_dump(mode="json"), status_code=202, headers={"Location": f"/orders/{order_id}"})
    if asked_before:
        return answer  # the first request's event is (or was) on its way: asking again changes nothing
    record = None
    if idempotency_key:
        record = {
            **idempotency_item_key(client, idempotency_key),
            "fingerprint": fingerprint,
            "response": orjson.dumps(content.model_dump(mode="json")).decode(),
            "location": f"/orders/{order_id}",
        }
    try:
        await deps.store.request_cancellation(event, record)
    except CancelConflict:
        current = await deps.store.order(order_id)
        check_cancellable(current or order)  # shipped or cancelled meanwhile: 409
        return answer  # a concurrent request asked first
    except IdempotencyRace:
        replay = await _replay(deps, client, idempotency_key or "", fingerprint)
        if replay is None:
            raise OrderflowError("idempotency record vanished") from None
        return replay
    deps.relay.publish_soon(event)
    return answer


@router.get(
    "/orders/{order_id}",
    response_model=OrderView,
    responses=_GET_PROBLEMS,
    summary="An order's status and the timeline of events that moved it",
)
async def get_order(order_id: uuid.UUID, deps: Deps, client: Client) -> OrderView:
    order, timeline = await deps.store.order_with_timeline(order_id)
    # Another client's order answers exactly as a missing one: its existence is not theirs to know.
    if order is None or order.get("clientId") != client:
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
        cancellation=order.get("cancellation"),
        refund=order.get("refund"),
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
    responses=_problems(s503="The table or the bus is unreachable"),
)
async def readyz(deps: Deps) -> dict[str, str]:
    try:
        await deps.store.ping()
        await deps.events.describe_event_bus(Name=deps.settings.bus)
    except Exception as exc:
        # The cause goes to the log, not to whoever asks (the endpoint is unauthenticated).
        log.warning("not_ready", error=f"{type(exc).__name__}: {exc}")
        raise NotReady("a dependency is unreachable") from exc
    return {"status": "ready"}
