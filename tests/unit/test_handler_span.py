"""The worker's handler span (workers/runtime/consumer_span.py) exports what the SDK's span would:
same trace, parent, kind, attributes, status and resource; AWS calls under it are its children;
the sampler that keeps failures treats it as any span. No I/O."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import (
    SpanKind,
    Status,
    StatusCode,
    TraceState,
    format_span_id,
    format_trace_id,
    get_current_span,
)

from orderflow.contracts.envelope import TraceContext
from orderflow.ops.trace import SpanRecord
from orderflow.tracing import context_of, stamp
from orderflow.tracing.chain import ProcessorChain
from orderflow.tracing.local import JsonlSpanExporter, LoopSpanProcessor, encode, span_record
from orderflow.tracing.sampling import KeepFailedSpans, RatioKeepingFailures
from tests.support import order_placed
from workers.runtime.consumer_span import ConsumerSpan
from workers.runtime.messages import Received
from workers.runtime.tracing import end_handler_span, start_handler_span

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def installed(monkeypatch: pytest.MonkeyPatch, ratio: float = 1.0) -> tuple[TracerProvider, InMemorySpanExporter]:
    """A provider as `configure_tracing` builds it, seen by the worker as the process's provider."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "inventory"}),
        sampler=RatioKeepingFailures(ratio),
        active_span_processor=ProcessorChain(),
    )
    provider.add_span_processor(KeepFailedSpans(SimpleSpanProcessor(exporter)))
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    return provider, exporter


def traced_event(sampled: bool = True) -> Any:
    flags = "01" if sampled else "00"
    context = TraceContext(traceparent=f"00-{TRACE_ID}-{PARENT_ID}-{flags}", tracestate="a=b")
    return order_placed().model_copy(update={"trace_context": context})


def received(sent_ms_ago: float = 20) -> Received:
    attributes = {"ApproximateReceiveCount": "2", "SentTimestamp": str(int(time.time() * 1000 - sent_ms_ago))}
    return Received.from_sqs({"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": "{}", "Attributes": attributes}, 30)


def comparable(span: ReadableSpan) -> dict[str, Any]:
    """What an exporter reads of a span, without its ids, times and the wait measured at start."""
    attributes = {k: v for k, v in (span.attributes or {}).items() if k != "orderflow.queue_wait_ms"}
    assert span.context is not None
    return {
        "name": span.name,
        "kind": span.kind,
        "trace_id": span.context.trace_id,
        "sampled": span.context.trace_flags.sampled,
        "trace_state": span.context.trace_state,
        "parent": span.parent,
        "attributes": attributes,
        "status": (span.status.status_code, span.status.description),
        "resource": span.resource,
        "scope": span.instrumentation_scope.name if span.instrumentation_scope else None,
        "events": list(span.events),
        "links": list(span.links),
    }


@pytest.mark.parametrize("outcome", ["handled", "failed"])
def test_the_handler_span_exports_what_the_sdks_span_would(monkeypatch: pytest.MonkeyPatch, outcome: str) -> None:
    provider, exporter = installed(monkeypatch)
    event, message = traced_event(), received()
    # WHEN a handler span runs and ends with the outcome
    handle = start_handler_span("inventory", "orders-inventory", message, event)
    assert handle is not None and isinstance(handle[0], ConsumerSpan)
    trace_id = end_handler_span(handle, outcome, None if outcome == "handled" else "boom")
    # ...and the SDK's own span is started with the same inputs, as the worker did before
    (ours,) = exporter.get_finished_spans()
    sdk = provider.get_tracer("orderflow.worker").start_span(
        ours.name, context=context_of(event), kind=SpanKind.CONSUMER, attributes=dict(ours.attributes or {})
    )
    if outcome != "handled":
        sdk.set_status(Status(StatusCode.ERROR, "boom"))
    sdk.end()
    theirs = exporter.get_finished_spans()[1]
    # THEN both export the same span, in the producer's trace under its span
    assert comparable(ours) == comparable(theirs)
    assert trace_id == TRACE_ID and ours.parent is not None and format_span_id(ours.parent.span_id) == PARENT_ID
    assert ours.attributes is not None and ours.attributes["orderflow.outcome"] == outcome
    assert ours.attributes["orderflow.receive_count"] == 2 and ours.attributes["orderflow.queue_wait_ms"] >= 0
    assert ours.status.status_code is (StatusCode.UNSET if outcome == "handled" else StatusCode.ERROR)
    assert ours.start_time is not None and ours.end_time is not None and ours.start_time <= ours.end_time


def test_aws_calls_and_published_events_under_the_handler_span_are_its_children(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider, exporter = installed(monkeypatch)
    handle = start_handler_span("inventory", "orders-inventory", received(), traced_event())
    assert handle is not None
    handler = handle[0].get_span_context()
    # WHEN the handler makes an AWS call (an SDK span) and publishes an event
    assert trace.get_current_span().is_recording()
    with provider.get_tracer("orderflow.aws").start_as_current_span("DynamoDB.GetItem", kind=SpanKind.CLIENT):
        pass
    published = stamp(order_placed())
    end_handler_span(handle, "handled", None)
    # THEN both continue the handler's span, and the context is restored afterwards
    call = next(s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT)
    assert call.parent is not None and call.parent.span_id == handler.span_id
    assert published.trace_context is not None
    assert published.trace_context.traceparent == f"00-{TRACE_ID}-{format_span_id(handler.span_id)}-01"
    assert not trace.get_current_span().get_span_context().is_valid


def test_an_unsampled_handler_span_is_exported_only_when_the_handler_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    _, exporter = installed(monkeypatch, ratio=0.0)
    # GIVEN traces nobody sampled: one handler succeeds, one fails
    for outcome in ("handled", "failed"):
        handle = start_handler_span("inventory", "q", received(), traced_event(sampled=False))
        end_handler_span(handle, outcome, "boom")
    # THEN only the failed one is exported, flagged sampled by the sampler that keeps failures
    (kept,) = exporter.get_finished_spans()
    assert kept.attributes is not None and kept.attributes["orderflow.outcome"] == "failed"
    assert kept.context is not None and kept.context.trace_flags.sampled
    assert format_trace_id(kept.context.trace_id) == TRACE_ID


def test_without_trace_context_or_event_the_span_starts_a_trace_and_cancelled_records_no_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, exporter = installed(monkeypatch)
    # WHEN a message that did not decode is handled, and a handler is cancelled by the drain
    end_handler_span(start_handler_span("inventory", "q", received(), None), "rejected", "not JSON")
    assert end_handler_span(start_handler_span("inventory", "q", received(), order_placed()), None, None) is None
    # THEN each is the root of its own trace; the cancelled one carries no outcome and no error
    rejected, cancelled = exporter.get_finished_spans()
    assert rejected.name == "inventory undecodable message" and rejected.parent is None
    assert rejected.status.status_code is StatusCode.ERROR and rejected.status.description == "not JSON"
    assert cancelled.parent is None and "orderflow.outcome" not in (cancelled.attributes or {})
    assert cancelled.status.status_code is StatusCode.UNSET


def test_a_sampled_parent_is_followed_at_ratio_zero_and_another_sampler_decides_for_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the sampler that keeps failures, sampling no new trace: a sampled producer's trace is kept
    _, exporter = installed(monkeypatch, ratio=0.0)
    end_handler_span(start_handler_span("inventory", "q", received(), traced_event()), "handled", None)
    (kept,) = exporter.get_finished_spans()
    assert kept.context is not None and kept.context.trace_flags.sampled
    assert kept.context.trace_state == TraceState([("a", "b")])  # the parent's, as `should_sample` answers
    # GIVEN a provider whose sampler drops everything (not ours): it is asked, and nothing records
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    handle = start_handler_span("inventory", "q", received(), traced_event())
    assert handle is not None and not handle[0].is_recording()
    assert handle[0].get_span_context().trace_id == int(TRACE_ID, 16)
    end_handler_span(handle, "handled", None)
    assert len(exporter.get_finished_spans()) == 1


def test_an_ended_handler_span_is_what_the_processors_got_and_changes_no_more(monkeypatch: pytest.MonkeyPatch) -> None:
    _, exporter = installed(monkeypatch)
    handle = start_handler_span("inventory", "q", received(), traced_event())
    assert handle is not None
    span = handle[0]
    end_handler_span(handle, "failed", "boom")
    (exported,) = exporter.get_finished_spans()
    assert exported is span  # no copy: the span is its own ReadableSpan
    # WHEN anything tries to change it after its end
    span.set_attribute("orderflow.outcome", "handled")
    span.set_attributes({"late": 1})
    span.add_event("late")
    span.update_name("renamed")
    span.set_status(Status(StatusCode.OK))
    span.end()
    # THEN the exported span is unchanged, and was exported once
    assert exported.name == "inventory OrderPlaced" and exported.events == ()
    assert exported.attributes is not None and exported.attributes["orderflow.outcome"] == "failed"
    assert "late" not in exported.attributes and exported.status.status_code is StatusCode.ERROR
    assert len(exporter.get_finished_spans()) == 1


def test_with_tracing_off_no_span_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trace, "get_tracer_provider", trace.ProxyTracerProvider)
    assert start_handler_span("inventory", "q", received(), traced_event()) is None
    assert end_handler_span(None, "handled", None) is None


class Starting(SpanProcessor):
    """A processor that does something when a span starts: it keeps what it was given."""

    def __init__(self) -> None:
        self.started: list[tuple[Span, Context | None]] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.started.append((span, parent_context))


def test_the_processors_on_start_is_called_once_one_of_them_does_something(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # GIVEN the chain as configure_tracing builds it: its processors do nothing at a span's start
    provider, exporter = installed(monkeypatch)
    chain = provider.get_tracer("test").span_processor  # the chain the provider was given
    assert isinstance(chain, ProcessorChain) and chain.starts_nothing
    local = LoopSpanProcessor(JsonlSpanExporter(tmp_path / "s.jsonl", max_bytes=1000), delay=0.5)
    batch = BatchSpanProcessor(InMemorySpanExporter())
    for quiet in (local, KeepFailedSpans(local), KeepFailedSpans(batch)):
        chain.add_span_processor(quiet)
    assert chain.starts_nothing
    batch.shutdown()
    end_handler_span(start_handler_span("inventory", "q", received(), traced_event()), "handled", None)
    # WHEN a processor that does something at a span's start is added (wrapped, as ours wrap theirs)
    starting = Starting()
    chain.add_span_processor(KeepFailedSpans(starting))
    assert not chain.starts_nothing
    handle = start_handler_span("inventory", "q", received(), traced_event())
    assert handle is not None
    end_handler_span(handle, "handled", None)
    # THEN it is given the span and the producer's span as the parent context, as the SDK gives them
    ((span, parent_context),) = starting.started
    assert span is handle[0]
    parent = get_current_span(parent_context).get_span_context()
    assert format_trace_id(parent.trace_id) == TRACE_ID and format_span_id(parent.span_id) == PARENT_ID
    assert len(exporter.get_finished_spans()) == 2


@pytest.mark.parametrize("tracestate", [None, "a=b"], ids=["traceparent only", "with tracestate"])
@pytest.mark.parametrize("event", ["traced", "untraced", "undecodable"])
def test_the_span_file_record_of_a_handler_span_is_the_generic_one(
    monkeypatch: pytest.MonkeyPatch, tracestate: str | None, event: str
) -> None:
    # GIVEN a handler span with its ids in hex and its attributes as a plain dict (FlatSpan)
    _, exporter = installed(monkeypatch)
    traced = traced_event().model_copy(
        update={"trace_context": TraceContext(traceparent=f"00-{TRACE_ID}-{PARENT_ID}-01", tracestate=tracestate)}
    )
    consumed = {"traced": traced, "untraced": order_placed(), "undecodable": None}[event]
    handle = start_handler_span("inventory", "q", received(), consumed)
    trace_id = end_handler_span(handle, "failed", "boom")
    (ours,) = exporter.get_finished_spans()
    # WHEN it is recorded as the span file records it, and as any other ReadableSpan would be
    generic = ReadableSpan(
        name=ours.name,
        context=ours.context,
        parent=ours.parent,
        resource=ours.resource,
        attributes=ours.attributes,
        kind=ours.kind,
        status=ours.status,
        start_time=ours.start_time,
        end_time=ours.end_time,
    )
    # THEN the records are the same, and `orderflow trace` reads the line back
    assert span_record(ours) == span_record(generic)
    assert ours.context is not None and trace_id == format_trace_id(ours.context.trace_id)
    read = SpanRecord.from_json(orjson.loads(encode(ours)))
    assert (read.trace_id, read.span_id) == (trace_id, format_span_id(ours.context.span_id))
    assert read.parent_id == (PARENT_ID if event == "traced" else None)
    assert read.attributes["orderflow.outcome"] == "failed" and read.status == "ERROR"


def test_ids_the_caller_has_as_strings_give_the_attributes_the_span_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    _, exporter = installed(monkeypatch)
    event = traced_event()
    # WHEN one span computes the event's ids and another is given them, as the worker's log context has them
    end_handler_span(start_handler_span("inventory", "q", received(), event), "handled", None)
    given = (str(event.event_id), str(event.order_id))
    end_handler_span(start_handler_span("inventory", "q", received(), event, given), "handled", None)
    # THEN both carry the same attributes
    computed, passed = (
        {k: v for k, v in (s.attributes or {}).items() if k != "orderflow.queue_wait_ms"}
        for s in exporter.get_finished_spans()
    )
    assert computed == passed and computed["orderflow.order_id"] == str(event.order_id)
    assert computed["orderflow.event_id"] == str(event.event_id)
