"""Trace context in the envelope, the sampler that keeps failures, the local span store (and its
processor on the event loop) and the waterfall: no I/O beyond a temporary folder."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import (
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    format_span_id,
    format_trace_id,
    get_current_span,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from orderflow.contracts import parse_event
from orderflow.contracts.envelope import TraceContext
from orderflow.ops.trace import SpanRecord, order_traces, read_spans, waterfall
from orderflow.tracing import context_of, parent_of, stamp
from orderflow.tracing.local import JsonlSpanExporter, LoopSpanProcessor
from orderflow.tracing.sampling import KeepFailedSpans, RatioKeepingFailures
from tests.support import order_placed

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def provider(ratio: float = 1.0) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider(
        resource=Resource.create({"service.name": "test"}), sampler=RatioKeepingFailures(ratio)
    )
    tracer_provider.add_span_processor(KeepFailedSpans(SimpleSpanProcessor(exporter)))
    return tracer_provider, exporter


def detail_with(trace_context: Any) -> dict[str, Any]:
    detail: dict[str, Any] = orjson.loads(order_placed().to_json())
    detail["traceContext"] = trace_context
    return detail


def test_an_event_without_trace_context_has_the_wire_form_of_the_previous_release() -> None:
    # GIVEN an event created with tracing off (no current span)
    event = stamp(order_placed())
    # THEN it carries no traceContext key at all, so a consumer without the field still parses it
    assert event.trace_context is None
    assert "traceContext" not in orjson.loads(event.to_json())


def test_stamped_event_carries_the_current_span_and_the_consumer_continues_it() -> None:
    tracer = provider()[0].get_tracer("t")
    # GIVEN an event stamped inside a producer span
    with tracer.start_as_current_span("producer") as producer:
        event = stamp(order_placed())
    # WHEN it travels as JSON and is parsed by a consumer
    parsed = parse_event(orjson.loads(event.to_json()))
    # THEN the consumer's span is the producer span's child, in the same trace
    with tracer.start_as_current_span("consumer", context=context_of(parsed)) as consumer:
        pass
    produced = producer.get_span_context()
    assert consumer.parent is not None and consumer.parent.span_id == produced.span_id
    assert consumer.get_span_context().trace_id == produced.trace_id
    assert parsed.trace_context is not None and parsed.trace_context.traceparent.startswith("00-")


@pytest.mark.parametrize(
    "trace_context",
    [
        {"traceparent": "garbage"},
        {"traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},  # all-zero trace id
        {"traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},  # forbidden version
        {"traceparent": VALID, "tracestate": "=,=,not a tracestate"},
        {"traceparent": 42},
        {"unexpected": "field"},
        "not an object",
        [],
    ],
    ids=["garbage", "zero-trace-id", "bad-version", "bad-tracestate", "number", "unknown-key", "string", "list"],
)
def test_a_malformed_trace_context_parses_and_starts_a_new_trace(trace_context: Any) -> None:
    # WHEN a consumer parses an event whose trace context is malformed
    event = parse_event(detail_with(trace_context))
    # THEN the event is accepted, and its span starts a new trace (or continues a valid parent)
    tracer = provider()[0].get_tracer("t")
    with tracer.start_as_current_span("consumer", context=context_of(event)) as span:
        assert span.get_span_context().is_valid
    if isinstance(trace_context, dict) and trace_context.get("traceparent") == VALID:
        assert span.parent is not None  # the bad tracestate alone is dropped
    else:
        assert span.parent is None


def test_unsampled_traces_are_dropped_but_a_failed_handlers_spans_are_kept() -> None:
    tracer_provider, exporter = provider(ratio=0.0)
    tracer = tracer_provider.get_tracer("t")
    # GIVEN nothing is sampled: a handler that succeeds leaves no span
    with (
        tracer.start_as_current_span("ok handler", kind=SpanKind.CONSUMER),
        tracer.start_as_current_span("DynamoDB.GetItem", kind=SpanKind.CLIENT),
    ):
        pass
    # ...nor one whose AWS call failed on the way (a conditional write that found a duplicate)
    with (
        tracer.start_as_current_span("ok handler", kind=SpanKind.CONSUMER),
        tracer.start_as_current_span("DynamoDB.TransactWriteItems", kind=SpanKind.CLIENT) as call,
    ):
        call.set_status(Status(StatusCode.ERROR, "TransactionCanceledException"))
    assert exporter.get_finished_spans() == ()
    # WHEN a handler fails
    with tracer.start_as_current_span("failed handler", kind=SpanKind.CONSUMER) as failed:
        with tracer.start_as_current_span("DynamoDB.TransactWriteItems", kind=SpanKind.CLIENT):
            pass
        failed.set_status(Status(StatusCode.ERROR, "boom"))
    # THEN it and its children are exported, flagged sampled
    exported = exporter.get_finished_spans()
    assert sorted(s.name for s in exported) == ["DynamoDB.TransactWriteItems", "failed handler"]
    assert all(s.context is not None and s.context.trace_flags.sampled for s in exported)


def test_the_local_span_file_is_bounded_by_one_rotation(tmp_path: Path) -> None:
    tracer_provider = TracerProvider(resource=Resource.create({"service.name": "inventory"}))
    exporter = JsonlSpanExporter(tmp_path / "inventory-1.jsonl", max_bytes=64 * 1024)
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = tracer_provider.get_tracer("t")
    # WHEN far more spans than one file holds are written
    for _ in range(2000):
        with tracer.start_as_current_span("span", attributes={"orderflow.order_id": str(uuid.uuid4())}):
            pass
    # THEN there are two files at most, each within the bound, and every line is a span
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["inventory-1.jsonl", "inventory-1.jsonl.1"]
    assert all(f.stat().st_size <= 64 * 1024 for f in files)
    assert sum(1 for _ in read_spans(tmp_path)) == sum(len(f.read_bytes().splitlines()) for f in files)


def _record(name: str, kind: str, start_ms: float, end_ms: float, parent: str | None, **attributes: Any) -> SpanRecord:
    span_id = format_span_id(uuid.uuid4().int >> 64)
    return SpanRecord(
        trace_id=format_trace_id(1),
        span_id=span_id,
        parent_id=parent,
        name=name,
        kind=kind,
        service=name.split(maxsplit=1)[0],
        start_ns=int(start_ms * 1e6),
        end_ns=int(end_ms * 1e6),
        status="ERROR" if attributes.get("orderflow.outcome") == "failed" else "UNSET",
        attributes=attributes,
    )


def test_the_waterfall_shows_each_hop_under_its_cause_with_wait_and_work() -> None:
    order = str(uuid.uuid4())
    api = _record("api POST /orders", "SERVER", 0, 10, None, **{"orderflow.order_id": order})
    api = SpanRecord(**{**api.__dict__, "name": "POST /orders"})
    inventory = _record(
        "inventory OrderPlaced", "CONSUMER", 30, 40, api.span_id,
        **{"orderflow.order_id": order, "orderflow.outcome": "handled", "orderflow.queue_wait_ms": 18.0},
    )  # fmt: skip
    call = _record("DynamoDB.TransactWriteItems", "CLIENT", 31, 38, inventory.span_id)
    payment = _record(
        "payment InventoryReserved", "CONSUMER", 60, 100, inventory.span_id,
        **{"orderflow.outcome": "failed", "orderflow.queue_wait_ms": 15.0, "orderflow.receive_count": 2},
    )  # fmt: skip
    other = SpanRecord(**{**_record("x y", "SERVER", 0, 1, None).__dict__, "trace_id": format_trace_id(2)})
    # WHEN the order's trace is found and drawn
    (trace,) = order_traces([payment, call, inventory, api, other], order)
    lines = waterfall(trace)
    # THEN the header counts hops and failures, and hops are indented under their causes
    assert lines[0].endswith("3 hops, 4 spans, 100.0 ms end to end, 1 failed")
    assert "api POST /orders" in lines[2]
    assert "  inventory OrderPlaced handled" in lines[3] and "18.0" in lines[3]
    assert "    payment InventoryReserved failed (receive 2)" in lines[4]
    bar = lines[3].rsplit(" ", 1)[-1]
    assert bar.strip().startswith("░") and bar.endswith("█")  # wait, then work
    assert len(waterfall(trace, every_span=True)) == len(lines) + 1  # the AWS call too


def _store(tmp_path: Path, **kwargs: Any) -> tuple[TracerProvider, LoopSpanProcessor, Path]:
    path = tmp_path / "inventory-1.jsonl"
    processor = LoopSpanProcessor(JsonlSpanExporter(path, max_bytes=1 << 20), **kwargs)
    tracer_provider = TracerProvider(resource=Resource.create({"service.name": "inventory"}))
    tracer_provider.add_span_processor(processor)
    return tracer_provider, processor, path


def _written(path: Path) -> list[str]:
    return [r.name for r in read_spans(path.parent)] if path.exists() else []


async def test_spans_ended_on_the_loop_reach_the_file_within_the_delay(tmp_path: Path) -> None:
    tracer_provider, _, path = _store(tmp_path, delay=0.05)
    tracer = tracer_provider.get_tracer("t")
    # WHEN spans end on the event loop
    for name in ("one", "two"):
        with tracer.start_as_current_span(name):
            pass
    # THEN nothing is written at once, and both are written together once the delay has passed
    assert _written(path) == []
    await asyncio.sleep(0.2)
    assert sorted(_written(path)) == ["one", "two"]
    # ...and a later span schedules its own write
    with tracer.start_as_current_span("three"):
        pass
    await asyncio.sleep(0.2)
    assert sorted(_written(path)) == ["one", "three", "two"]


async def test_a_full_batch_and_a_shutdown_write_at_once_and_unsampled_spans_are_not_written(tmp_path: Path) -> None:
    tracer_provider, processor, path = _store(tmp_path, delay=60, max_pending=3)
    tracer = tracer_provider.get_tracer("t")
    # WHEN three spans end within the delay, the third fills the batch
    for i in range(3):
        with tracer.start_as_current_span(f"span {i}"):
            pass
    assert len(_written(path)) == 3
    # ...a span of an unsampled trace is left out, and a pending one is written at shutdown
    processor.on_end(ReadableSpan("unsampled", context=SpanContext(1, 2, is_remote=False)))
    with tracer.start_as_current_span("pending"):
        pass
    processor.shutdown()
    assert _written(path) == ["span 0", "span 1", "span 2", "pending"]


def test_a_span_ended_outside_an_event_loop_is_written_at_once(tmp_path: Path) -> None:
    tracer_provider, _, path = _store(tmp_path, delay=60)
    with tracer_provider.get_tracer("t").start_as_current_span("sync"):
        pass
    assert _written(path) == ["sync"]


@pytest.mark.parametrize(
    "traceparent",
    [
        VALID,
        VALID[:-2] + "00",  # not sampled
        f"  {VALID}\t",
        VALID + "\n",
        VALID + "-extra",  # version 00 takes no more fields
        "01" + VALID[2:] + "-future-fields",  # a later version may
        "ff" + VALID[2:],
        VALID.upper(),
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "01" + VALID[2:] + "-" + "x" * 600,  # longer than the propagator reads
        "",
    ],
)
def test_the_consumers_traceparent_parse_agrees_with_the_w3c_propagator(traceparent: str) -> None:
    # GIVEN an event whose trace context has a traceparent and no tracestate (what producers send)
    event = order_placed().model_copy(update={"trace_context": TraceContext(traceparent=traceparent)})
    # THEN the context it continues is the one OpenTelemetry's W3C propagator extracts
    expected = get_current_span(TraceContextTextMapPropagator().extract({"traceparent": traceparent}))
    assert get_current_span(context_of(event)).get_span_context() == expected.get_span_context()
    # ...and the handler span's parent is that context, or none where a new trace starts
    parent = expected.get_span_context()
    assert parent_of(event) == (parent if parent.is_valid else None)


@pytest.mark.parametrize("tracestate", ["a=b", "not a list entry", "k=" + "v" * 300])
def test_with_a_tracestate_the_w3c_propagator_parses(tracestate: str) -> None:
    event = order_placed().model_copy(update={"trace_context": TraceContext(traceparent=VALID, tracestate=tracestate)})
    carrier = {"traceparent": VALID, "tracestate": tracestate}
    expected = get_current_span(TraceContextTextMapPropagator().extract(carrier)).get_span_context()
    assert parent_of(event) == expected
    assert get_current_span(context_of(event)).get_span_context() == expected


def test_each_provider_s_spans_name_its_own_service_in_the_span_file(tmp_path: Path) -> None:
    # GIVEN two providers (two resources) writing to one file, one span at a time, alternately
    exporter = JsonlSpanExporter(tmp_path / "both-1.jsonl", max_bytes=1 << 20)
    providers = []
    for service in ("inventory", "payment"):
        tracer_provider = TracerProvider(resource=Resource.create({"service.name": service}))
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        providers.append(tracer_provider)
    for _ in range(2):
        for tracer_provider in providers:
            with tracer_provider.get_tracer("t").start_as_current_span("span", kind=SpanKind.CONSUMER) as span:
                span.set_status(Status(StatusCode.ERROR, "boom"))
    # THEN each record names the service of its own span, with kind and status spelled out
    records = [orjson.loads(line) for line in (tmp_path / "both-1.jsonl").read_bytes().splitlines()]
    assert [r["service"] for r in records] == ["inventory", "payment", "inventory", "payment"]
    assert {(r["kind"], r["status"], r["statusMessage"]) for r in records} == {("CONSUMER", "ERROR", "boom")}
