"""A span per handled message: the producer's trace continued, with the hop's wait and outcome."""

from __future__ import annotations

import time

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import ProxyTracerProvider, Span, SpanKind, Status, StatusCode, format_trace_id

from orderflow.contracts import Event
from orderflow.tracing import context_of
from workers.runtime.messages import Received

_TRACER = trace.get_tracer("orderflow.worker")

HandlerSpan = tuple[Span, object]
"""The span and the context token that made it current, for `end_handler_span`."""


def start_handler_span(service: str, queue: str, message: Received, event: Event | None) -> HandlerSpan | None:
    """Start the span and make it current, so the handler's AWS calls are children and its events
    carry it on; None when tracing is off (no provider installed: not even the context is parsed).

    `orderflow.queue_wait_ms` is the time from SQS's SentTimestamp to now: delivery, time in the
    queue and time waiting for a handler slot — the "wait" of `orderflow trace`.

    The SDK's `start_span` with an explicit attach, not `start_as_current_span`: that one nests
    three generator context managers per span, ~15 µs per message of B1's ~37 µs handler span
    (docs/benchmarks.md, B1 — tracing overhead).
    """
    if isinstance(trace.get_tracer_provider(), ProxyTracerProvider):
        return None
    # Kept to what a reader of the trace needs: each attribute costs ~0.6 µs per message (B1).
    # The service is the resource's service.name; the correlation id is the order id.
    attributes: dict[str, str | int | float] = {
        "messaging.system": "aws_sqs",
        "messaging.destination.name": queue,
        "messaging.message.id": message.message_id,
        "orderflow.receive_count": message.receive_count,
    }
    if message.sent_at_ms:
        attributes["orderflow.queue_wait_ms"] = max(0.0, round(time.time() * 1000 - message.sent_at_ms, 3))
    if event is not None:
        attributes["orderflow.event_type"] = event.event_type
        attributes["orderflow.event_id"] = str(event.event_id)
        if event.causation_id is not None:
            attributes["orderflow.causation_id"] = str(event.causation_id)
        if event.order_id is not None:
            attributes["orderflow.order_id"] = str(event.order_id)
    name = f"{service} {event.event_type if event is not None else 'undecodable message'}"
    parent = context_of(event)
    span = _TRACER.start_span(name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes)
    return span, otel_context.attach(trace.set_span_in_context(span, parent))


def end_handler_span(handle: HandlerSpan | None, outcome: str | None, reason: str | None) -> str | None:
    """Outcome on the span (an error status unless handled), end it, restore the context; returns
    the trace id for the log line. `outcome` None: the handler did not finish (cancelled)."""
    if handle is None:
        return None
    span, token = handle
    otel_context.detach(token)  # type: ignore[arg-type]  # the token attach() answered
    if outcome is not None:
        span.set_attribute("orderflow.outcome", outcome)
        if outcome != "handled":
            span.set_status(Status(StatusCode.ERROR, reason))
    span.end()
    return format_trace_id(span.get_span_context().trace_id) if outcome is not None else None
