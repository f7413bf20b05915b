"""W3C trace context in and out of the event envelope (`traceContext`)."""

from __future__ import annotations

import contextvars
from typing import TypeVar

from opentelemetry import context as otel_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from orderflow.contracts.envelope import Event, TraceContext

E = TypeVar("E", bound=Event)

# The W3C propagator only: baggage is not carried (nothing of ours reads it).
_PROPAGATOR = TraceContextTextMapPropagator()


def stamp(event: E) -> E:
    """The event, carrying the current span's context; unchanged when no span is current (tracing
    off), so that producers send the field only where tracing runs."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    traceparent = carrier.get("traceparent")
    if not traceparent:
        return event
    return event.model_copy(
        update={"trace_context": TraceContext(traceparent=traceparent, tracestate=carrier.get("tracestate"))}
    )


def context_of(event: Event | None) -> otel_context.Context:
    """The context to continue: the event's producer span, or an empty context (a new trace) when the
    event carries none or one that does not parse — never an error."""
    trace_context = event.trace_context if event is not None else None
    if trace_context is None:
        return otel_context.Context()
    carrier = {"traceparent": trace_context.traceparent}
    if trace_context.tracestate:
        carrier["tracestate"] = trace_context.tracestate
    try:
        return _PROPAGATOR.extract(carrier, context=otel_context.Context())
    except ValueError:  # the propagator validates and returns empty; this guards its helpers
        return otel_context.Context()


def detached_context() -> contextvars.Context:
    """A copy of the current context without the current span: for work shared by many callers
    (one PutEvents or DeleteMessageBatch for several handlers), which belongs to none of their traces.
    Log fields bound in the copy stay."""
    copied = contextvars.copy_context()
    copied.run(otel_context.attach, otel_context.Context())
    return copied
