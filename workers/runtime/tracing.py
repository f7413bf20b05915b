"""A span per handled message: the producer's trace continued, with the hop's wait and outcome."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Span, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState, format_trace_id

from orderflow.contracts import Event
from orderflow.tracing.propagation import ParentIds, parent_with_ids
from orderflow.tracing.sampling import RatioKeepingFailures
from workers.runtime.consumer_span import ConsumerSpan
from workers.runtime.messages import Received

_SCOPE = "orderflow.worker"

HandlerSpan = tuple[Span, object]
"""The span and the context token that made it current, for `end_handler_span`."""

_INSTRUMENTATION_SCOPE = InstrumentationScope(_SCOPE)
_TRACER: list[tuple[trace.TracerProvider, trace.Tracer | None]] = []  # the provider and its tracer


def _tracer() -> trace.Tracer | None:
    """The installed provider's tracer, looked up once per provider; None while none is installed
    (tracing off: not even the context is parsed)."""
    provider = trace.get_tracer_provider()
    if not _TRACER or _TRACER[0][0] is not provider:
        tracer = None if isinstance(provider, trace.ProxyTracerProvider) else provider.get_tracer(_SCOPE)
        _TRACER[:] = [(provider, tracer)]
    return _TRACER[0][1]


EventIds = tuple[str, str | None]
"""An event's id and order id (None: not about an order) as strings, as the worker's log context has them."""


def start_handler_span(
    service: str, queue: str, message: Received, event: Event | None, ids: EventIds | None = None
) -> HandlerSpan | None:
    """Start the span and make it current, so the handler's AWS calls are children and its events
    carry it on; None when tracing is off. `ids`: the event's, when the caller has them as strings
    already (the log context: a UUID's `str` is ≈ 0.4 µs).

    `orderflow.queue_wait_ms` is the time from SQS's SentTimestamp to now: delivery, time in the
    queue and time waiting for a handler slot — the "wait" of `orderflow trace`.
    """
    tracer = _tracer()
    if tracer is None:
        return None
    # Kept to what a reader of the trace needs. The service is the resource's service.name; the
    # correlation id is the order id.
    attributes: dict[str, Any] = {
        "messaging.system": "aws_sqs",
        "messaging.destination.name": queue,
        "messaging.message.id": message.message_id,
        "orderflow.receive_count": message.receive_count,
    }
    if message.sent_at_ms:
        # In whole µs, as ms: `round(x, 3)` of a float is ≈ 0.4 µs, this ≈ 0.1 (floor instead of round: ≤ 1 µs).
        attributes["orderflow.queue_wait_ms"] = max(0, time.time_ns() // 1000 - message.sent_at_ms * 1000) / 1000
    if event is not None:
        if ids is None:
            order_id = event.order_id
            ids = str(event.event_id), str(order_id) if order_id is not None else None
        attributes["orderflow.event_type"] = event.event_type
        attributes["orderflow.event_id"] = ids[0]
        if event.causation_id is not None:
            attributes["orderflow.causation_id"] = str(event.causation_id)
        if ids[1] is not None:
            attributes["orderflow.order_id"] = ids[1]
    name = f"{service} {event.event_type if event is not None else 'undecodable message'}"
    span = _start(tracer, name, parent_with_ids(event), attributes)
    return span, otel_context.attach(trace.set_span_in_context(span, _EMPTY))


_EMPTY = otel_context.Context()  # immutable: the base of the handler's context (nothing else of the receiver's)
# The handler span's trace flags by (sampled, random trace id).
_FLAGS = {
    (sampled, random_id): TraceFlags(
        (TraceFlags.SAMPLED if sampled else 0) | (TraceFlags.RANDOM_TRACE_ID if random_id else 0)
    )
    for sampled in (False, True)
    for random_id in (False, True)
}


def _start(tracer: trace.Tracer, name: str, parsed: ParentIds | None, attributes: dict[str, Any]) -> Span:
    """What the SDK's `Tracer.start_span` does for a consumer span (ids, the sampler's decision,
    the processors' `on_start`), with a `ConsumerSpan`; another provider's tracer starts its own.

    Our sampler decides a child of a remote parent from the parent alone (`RatioKeepingFailures.follows`:
    no sampling result to build and copy); any other sampler, and a new trace, ask `should_sample`.
    Where no processor does anything at a span's start (`ProcessorChain.starts_nothing`), neither the
    parent's context is built nor the chain called."""
    parent = parsed[0] if parsed is not None else None
    if not isinstance(tracer, SdkTracer):
        return tracer.start_span(name, context=_context(parent), kind=SpanKind.CONSUMER, attributes=attributes)
    ids = tracer.id_generator
    sampler = tracer.sampler
    trace_state: TraceState | None
    if parent is not None and type(sampler) is RatioKeepingFailures:
        trace_id, trace_state, random_id = parent.trace_id, parent.trace_state, parent.trace_flags.random_trace_id
        sampled, recorded = sampler.follows(parent), True
    else:
        parent_context = _context(parent)
        trace_id = ids.generate_trace_id() if parent is None else parent.trace_id
        links: Sequence[trace.Link] = ()
        decision = sampler.should_sample(parent_context, trace_id, name, SpanKind.CONSUMER, attributes, links)
        trace_state, attributes = decision.trace_state, dict(decision.attributes)
        sampled, recorded = decision.decision is Decision.RECORD_AND_SAMPLE, decision.decision is not Decision.DROP
        random_id = ids.is_trace_id_random() if parent is None else parent.trace_flags.random_trace_id
    span_id = ids.generate_span_id()
    context = SpanContext(trace_id, span_id, False, _FLAGS[sampled, random_id], trace_state)  # not remote
    if not recorded:
        return trace.NonRecordingSpan(context)
    hex_ids = (
        (parsed[1], format(span_id, "016x"), parsed[2])
        if parsed is not None
        else (format(trace_id, "032x"), format(span_id, "016x"), None)
    )  # format_trace_id / format_span_id, inlined
    span = ConsumerSpan(
        tracer,
        scope=_INSTRUMENTATION_SCOPE,
        name=name,
        context=context,
        parent=parent,
        attributes=attributes,
        hex_ids=hex_ids,
    )
    processor = tracer.span_processor
    if getattr(processor, "starts_nothing", False) is not True:  # orderflow.tracing.chain.ProcessorChain
        processor.on_start(span, parent_context=_context(parent))  # type: ignore[arg-type]  # processors read it as a span
    return span


def _context(parent: SpanContext | None) -> otel_context.Context:
    """The parent as a context, as the SDK's sampler and processors take it."""
    return _EMPTY if parent is None else trace.set_span_in_context(trace.NonRecordingSpan(parent), _EMPTY)


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
    if outcome is None:
        return None
    return span.hex_ids[0] if isinstance(span, ConsumerSpan) else format_trace_id(span.get_span_context().trace_id)
