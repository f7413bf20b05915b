"""The console's trace of an order, from span files written by the real local exporter: the same
traces and hops as `orderflow trace`, each hop's numbers and its bar, read once until a file changes."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.trace import SpanKind

from orderflow.console.traces import IN_XRAY, NO_TRACE, LocalTraces, XRayTraces
from orderflow.ops.trace import order_traces, read_order_spans, read_spans, waterfall
from tests.support_spans import SpanWriter, write_order_trace


def test_only_the_order_s_traces_are_read_and_they_are_the_ones_orderflow_trace_selects(tmp_path: Path) -> None:
    # GIVEN a span folder with the order's trace (one of its hops without the order id) and another order's
    written = write_order_trace(tmp_path)
    # WHEN the order's spans are read by substring, parsing only the lines that name it or its trace
    spans = read_order_spans(tmp_path, written.order_id)
    # THEN they are the order's whole trace, no span of the other order's
    assert {s.trace_id for s in spans} == {written.trace_id}
    whole = order_traces(read_spans(tmp_path), written.order_id)
    assert order_traces(spans, written.order_id) == whole
    assert len(whole[0]) == 6  # the request, 4 handler spans, one AWS call
    assert [waterfall(t) for t in order_traces(spans, written.order_id)] == [waterfall(t) for t in whole]


async def test_the_console_s_trace_has_a_row_per_hop_with_wait_work_status_and_bars(tmp_path: Path) -> None:
    written = write_order_trace(tmp_path)
    found = await LocalTraces(tmp_path).of(written.order_id)
    assert (found["source"], found["message"]) == ("local", None)
    (trace,) = found["traces"]
    assert (trace["traceId"], trace["hops"], trace["spans"], trace["totalMs"], trace["failed"]) == (
        written.trace_id,
        5,
        6,
        360.0,
        1,
    )
    rows = trace["rows"]
    # one row per hop in causal order, each under its cause; the AWS call is not a hop
    assert [(r["depth"], r["label"]) for r in rows] == [
        (0, "api POST /orders"),
        (1, "inventory OrderPlaced handled"),
        (2, "payment InventoryReserved failed"),
        (2, "payment InventoryReserved handled (receive 2)"),
        (3, "shipping PaymentCompleted handled"),
    ]
    assert [r["service"] for r in rows] == ["api", "inventory", "payment", "payment", "shipping"]
    assert [(r["startMs"], r["waitMs"], r["workMs"]) for r in rows] == [
        (0.0, None, 12.0),
        (40.0, 25.0, 15.0),
        (70.0, 12.0, 20.0),
        (300.0, 205.0, 20.0),
        (340.0, 15.0, 20.0),
    ]
    assert [r["failed"] for r in rows] == [False, False, True, False, False]
    assert rows[3]["receiveCount"] == 2 and rows[2]["status"] == "ERROR"
    # the bars: wait from when the message was sent to the handler's start, then the work, in
    # percent of the trace's 360 ms
    assert rows[1]["bar"] == {"waitLeft": 4.17, "waitWidth": 6.94, "workLeft": 11.11, "workWidth": 4.17}
    assert rows[0]["bar"] == {"waitLeft": 0.0, "waitWidth": 0.0, "workLeft": 0.0, "workWidth": 3.33}
    for r in rows:
        bar = r["bar"]
        assert 0 <= bar["waitLeft"] <= bar["workLeft"] <= 100 and bar["workLeft"] + bar["workWidth"] <= 100.01


async def test_the_answer_is_kept_until_a_span_file_changes(tmp_path: Path) -> None:
    written = write_order_trace(tmp_path)
    traces = LocalTraces(tmp_path)
    first = await traces.of(written.order_id)
    assert await traces.of(written.order_id) is first  # nothing changed: not read again
    # WHEN a process appends a later hop of the order
    writer = SpanWriter(tmp_path)
    writer.span(
        "orders", "orders ShipmentCreated", SpanKind.CONSUMER, (400, 410), None, orderflow__order_id=written.order_id
    )
    # THEN the next answer has it
    again = await traces.of(written.order_id)
    assert again is not first
    assert sum(len(t["rows"]) for t in again["traces"]) == 6


async def test_without_spans_the_console_says_why_and_in_aws_where_they_are(tmp_path: Path) -> None:
    missing = await LocalTraces(tmp_path / "none-yet").of("6b4c3c1e-8a0f-4f51-9d7a-6f0e5c9e2a11")
    assert (missing["traces"], missing["message"]) == ([], NO_TRACE)
    write_order_trace(tmp_path)
    other = await LocalTraces(tmp_path).of("6b4c3c1e-8a0f-4f51-9d7a-6f0e5c9e2a11")
    assert other["message"].startswith("no trace recorded for this order")
    aws = await XRayTraces().of("6b4c3c1e-8a0f-4f51-9d7a-6f0e5c9e2a11")
    assert (aws["source"], aws["traces"], aws["message"]) == ("xray", [], IN_XRAY)
    assert "X-Ray" in aws["message"]
