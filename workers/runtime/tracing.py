"""A span per handled message: the producer's trace continued, with the hop's wait and outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, ProxyTracerProvider, Span, SpanKind, Status, StatusCode, format_trace_id

from orderflow.contracts import Event
from orderflow.tracing import context_of
from workers.runtime.messages import Received

_TRACER = trace.get_tracer("orderflow.worker")


@contextmanager
def handler_span(service: str, queue: str, message: Received, event: Event | None) -> Iterator[Span]:
    """Current for the handler, so its AWS calls are children and its events carry it on.

    `orderflow.queue_wait_ms` is the time from SQS's SentTimestamp to now: delivery, time in the
    queue and time waiting for a handler slot — the "wait" of `orderflow trace`.
    """
    if isinstance(trace.get_tracer_provider(), ProxyTracerProvider):
        yield INVALID_SPAN  # tracing off (no provider installed): not even the context is parsed
        return
    # Kept to what a reader of the trace needs: each attribute costs ~2 µs per message (B1).
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
    with _TRACER.start_as_current_span(
        name,
        context=context_of(event),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        yield span


def end_handler_span(span: Span, outcome: str, reason: str | None) -> str | None:
    """Outcome on the span (an error status unless handled); returns the trace id for the log line."""
    if not span.is_recording():
        return None
    span.set_attribute("orderflow.outcome", outcome)
    if outcome != "handled":
        span.set_status(Status(StatusCode.ERROR, reason))
    return format_trace_id(span.get_span_context().trace_id)
