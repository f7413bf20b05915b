"""An order's trace written to a span folder by the real local exporter, as `orderflow dev`'s
processes write it: one file per service, SDK spans with the attributes the API and the worker
runtime set (a failed first receive of payment, handled on its second), and another order's trace
beside it. For the console's trace tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, set_span_in_context

from orderflow.tracing.local import JsonlSpanExporter

MS = 1_000_000


@dataclass
class WrittenTrace:
    order_id: str
    trace_id: str
    other_order_id: str


class SpanWriter:
    """One provider (one service, one span file) per service, every span with explicit times."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.providers: dict[str, TracerProvider] = {}
        self.origin = 1_700_000_000_000 * MS

    def span(
        self,
        service: str,
        name: str,
        kind: SpanKind,
        times: tuple[float, float],  # start and end, ms from the writer's origin
        parent: Span | None,
        *,
        error: bool = False,
        **attributes: Any,
    ) -> Span:
        provider = self.providers.get(service)
        if provider is None:
            provider = TracerProvider(resource=Resource.create({"service.name": service}))
            exporter = JsonlSpanExporter(self.folder / f"{service}-1.jsonl", max_bytes=16 << 20)
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            self.providers[service] = provider
        context = set_span_in_context(parent) if parent is not None else None
        span = provider.get_tracer("t").start_span(
            name,
            context=context,
            kind=kind,
            attributes={k.replace("__", "."): v for k, v in attributes.items()},
            start_time=self.origin + int(times[0] * MS),
        )
        if error:
            span.set_status(Status(StatusCode.ERROR, "boom"))
        span.end(end_time=self.origin + int(times[1] * MS))
        return span


def handler(
    writer: SpanWriter,
    service: str,
    event_type: str,
    times: tuple[float, float],
    parent: Span,
    *,
    order_id: str | None,
    wait_ms: float,
    outcome: str = "handled",
    receive: int = 1,
) -> Span:
    attributes: dict[str, Any] = {
        "orderflow__event_type": event_type,
        "orderflow__outcome": outcome,
        "orderflow__queue_wait_ms": wait_ms,
        "orderflow__receive_count": receive,
    }
    if order_id is not None:
        attributes["orderflow__order_id"] = order_id
    return writer.span(
        service, f"{service} {event_type}", SpanKind.CONSUMER, times, parent, error=outcome != "handled", **attributes
    )


def write_order_trace(folder: Path) -> WrittenTrace:
    """API request → inventory → payment (fails once, handled on its second receive) → shipping,
    with an AWS call under inventory; and a second order's request and inventory hop."""
    writer = SpanWriter(folder)
    order_id, other = str(uuid.uuid4()), str(uuid.uuid4())
    api = writer.span("api", "POST /orders", SpanKind.SERVER, (0, 12), None, orderflow__order_id=order_id)
    inventory = handler(writer, "inventory", "OrderPlaced", (40, 55), api, order_id=order_id, wait_ms=25)
    writer.span("inventory", "DynamoDB.TransactWriteItems", SpanKind.CLIENT, (42, 50), inventory)
    handler(
        writer, "payment", "InventoryReserved", (70, 90), inventory, order_id=order_id, wait_ms=12, outcome="failed"
    )
    payment = handler(
        writer, "payment", "InventoryReserved", (300, 320), inventory, order_id=None, wait_ms=205, receive=2
    )
    handler(writer, "shipping", "PaymentCompleted", (340, 360), payment, order_id=order_id, wait_ms=15)
    theirs = writer.span("api", "POST /orders", SpanKind.SERVER, (5, 9), None, orderflow__order_id=other)
    handler(writer, "inventory", "OrderPlaced", (20, 30), theirs, order_id=other, wait_ms=8)
    trace_id = format(api.get_span_context().trace_id, "032x")
    return WrittenTrace(order_id, trace_id, other)
