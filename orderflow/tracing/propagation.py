"""W3C trace context in and out of the event envelope (`traceContext`)."""

from __future__ import annotations

import contextvars
import re
from typing import TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from orderflow.contracts.envelope import Event, TraceContext

E = TypeVar("E", bound=Event)

# The W3C propagator only: baggage is not carried (nothing of ours reads it).
_PROPAGATOR = TraceContextTextMapPropagator()
# The propagator's own traceparent syntax (version-traceid-parentid-flags, W3C Trace Context).
_TRACEPARENT = re.compile(r"^[ \t]*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:(-.*)|[ \t]*)$")
_MAX_TRACEPARENT = 512


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
    parent = parent_of(event)
    if parent is None:
        return otel_context.Context()
    return trace.set_span_in_context(trace.NonRecordingSpan(parent), otel_context.Context())


def parent_of(event: Event | None) -> trace.SpanContext | None:
    """`context_of`'s span context: the producer's span, or None where `context_of` starts a new trace."""
    parsed = parent_with_ids(event)
    return parsed[0] if parsed is not None else None


ParentIds = tuple[trace.SpanContext, str, str]
"""The producer's span context, and its trace id and span id in hex as format_trace_id / format_span_id
spell them."""


def parent_with_ids(event: Event | None) -> ParentIds | None:
    """`parent_of`, with the parent's ids in hex as the traceparent carries them (the span file and
    the log line write them so: no int-to-hex formatting again)."""
    trace_context = event.trace_context if event is not None else None
    if trace_context is None:
        return None
    if not trace_context.tracestate:
        return _traceparent_only(trace_context.traceparent)
    carrier = {"traceparent": trace_context.traceparent, "tracestate": trace_context.tracestate}
    try:
        extracted = _PROPAGATOR.extract(carrier, context=otel_context.Context())
    except ValueError:  # the propagator validates and returns empty; this guards its helpers
        return None
    parent = trace.get_current_span(extracted).get_span_context()
    if not parent.is_valid:
        return None
    return parent, trace.format_trace_id(parent.trace_id), trace.format_span_id(parent.span_id)


# Every flags byte's TraceFlags, by its two hex digits as the traceparent spells them.
_FLAGS = {f"{flags:02x}": trace.TraceFlags(flags) for flags in range(256)}


def _traceparent_only(traceparent: str) -> ParentIds | None:
    """`_PROPAGATOR.extract` for a traceparent without tracestate (what our producers send), by the
    same rules, for a third of its CPU: its header getter, regex cache lookup and optional-header
    handling cost ~3 µs per handled message (docs/benchmarks.md, B1 — tracing overhead)."""
    match = _TRACEPARENT.match(traceparent) if len(traceparent) <= _MAX_TRACEPARENT else None
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if trace_id == "0" * 32 or span_id == "0" * 16 or version == "ff" or (version == "00" and rest):
        return None
    # The pattern admits lower-case hex only: the groups are already what format_*_id would write.
    context = trace.SpanContext(int(trace_id, 16), int(span_id, 16), True, _FLAGS[flags])  # remote
    return context, trace_id, span_id


def detached_context() -> contextvars.Context:
    """A copy of the current context without the current span: for work shared by many callers
    (one PutEvents or DeleteMessageBatch for several handlers), which belongs to none of their traces.
    Log fields bound in the copy stay."""
    copied = contextvars.copy_context()
    copied.run(otel_context.attach, otel_context.Context())
    return copied
