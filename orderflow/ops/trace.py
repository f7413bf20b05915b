"""An order's trace from the local span store, as a terminal waterfall of its hops.

The store is what `orderflow dev`'s processes write (orderflow.tracing.local): one JSONL file per
process under state_dir/traces. A hop is a span that starts work in a process — the API's request
span or a worker's handler span; the AWS calls and publishes under it are its children.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

HOP_KINDS = {"SERVER", "CONSUMER"}
BAR_WIDTH = 40


@dataclass(frozen=True)
class SpanRecord:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str
    service: str
    start_ns: int
    end_ns: int
    status: str
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SpanRecord:
        return cls(
            trace_id=raw["traceId"],
            span_id=raw["spanId"],
            parent_id=raw.get("parentId"),
            name=raw["name"],
            kind=raw.get("kind", "INTERNAL"),
            service=raw.get("service") or "?",
            start_ns=int(raw["start"]),
            end_ns=int(raw["end"]),
            status=raw.get("status", "UNSET"),
            attributes=raw.get("attributes") or {},
        )

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def wait_ms(self) -> float | None:
        wait = self.attributes.get("orderflow.queue_wait_ms")
        return float(wait) if wait is not None else None


def read_spans(folder: Path) -> Iterator[SpanRecord]:
    """Every span in the store; a torn last line (a process writing right now) is skipped."""
    for path in sorted(folder.glob("*.jsonl*")):
        try:
            lines = path.read_bytes().splitlines()
        except FileNotFoundError:  # rotated away between glob and read
            continue
        yield from _parsed(lines)


def read_order_spans(folder: Path, order_id: str) -> list[SpanRecord]:
    """The spans of every trace that touches the order, without parsing the rest of the store.

    Two passes over the files' bytes: the lines that mention the order id give its traces' ids,
    then the lines that mention one of those ids are the traces' spans. Only those lines are
    parsed, so a store of tens of MB after a chaos run costs a few substring searches.
    `order_traces` on the result selects what it selects on `read_spans` of the whole store."""
    contents = []
    for path in sorted(folder.glob("*.jsonl*")):
        try:
            contents.append(path.read_bytes())
        except FileNotFoundError:  # rotated away between glob and read
            continue
    trace_ids = {
        span.trace_id
        for span in _parsed(line for data in contents for line in _lines_with(data, order_id.encode()))
        if span.attributes.get("orderflow.order_id") == order_id
    }
    lines: dict[tuple[int, int], bytes] = {}  # by (file, line start): a line is parsed once
    for index, data in enumerate(contents):
        for trace_id in trace_ids:
            for start, line in _line_spans(data, trace_id.encode()):
                lines[index, start] = line
    return [span for span in _parsed(lines.values()) if span.trace_id in trace_ids]


def _line_spans(data: bytes, needle: bytes) -> Iterator[tuple[int, bytes]]:
    """(start, line) of each line of `data` that holds `needle`, once per line."""
    at = data.find(needle)
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end == -1 else end
        yield start, data[start:end]
        at = data.find(needle, end)


def _lines_with(data: bytes, needle: bytes) -> Iterator[bytes]:
    return (line for _, line in _line_spans(data, needle))


def _parsed(lines: Iterable[bytes]) -> Iterator[SpanRecord]:
    for line in lines:
        try:
            yield SpanRecord.from_json(orjson.loads(line))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue


def order_traces(spans: Iterable[SpanRecord], order_id: str) -> list[list[SpanRecord]]:
    """The traces that touch the order, each sorted by start, oldest trace first."""
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    ours: set[str] = set()
    for span in spans:
        by_trace[span.trace_id].append(span)
        if span.attributes.get("orderflow.order_id") == order_id:
            ours.add(span.trace_id)
    traces = [sorted(by_trace[t], key=lambda s: s.start_ns) for t in ours]
    return sorted(traces, key=lambda t: t[0].start_ns)


def hops(trace: list[SpanRecord], *, every_span: bool = False) -> list[tuple[int, SpanRecord]]:
    """(depth, span) of every hop in causal order, each hop under the hop whose span is its parent
    (with `every_span`, every span under its parent: the AWS calls and publishes too)."""
    by_id = {s.span_id: s for s in trace}

    def shown(span: SpanRecord) -> bool:
        return every_span or span.kind in HOP_KINDS

    def shown_parent(span: SpanRecord) -> str | None:
        parent = by_id.get(span.parent_id or "")
        while parent is not None and not shown(parent):
            parent = by_id.get(parent.parent_id or "")
        return parent.span_id if parent is not None else None

    children: dict[str | None, list[SpanRecord]] = defaultdict(list)
    for span in trace:
        if shown(span):
            children[shown_parent(span)].append(span)
    ordered: list[tuple[int, SpanRecord]] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: s.start_ns):
            ordered.append((depth, span))
            walk(span.span_id, depth + 1)

    walk(None, 0)
    return ordered


@dataclass(frozen=True)
class Hop:
    """One row of the waterfall: the span, its depth under its cause and its numbers (ms from the
    trace's first span; the queue wait is the message's, None for a span that took no message)."""

    depth: int
    span: SpanRecord
    label: str
    start_ms: float
    wait_ms: float | None
    work_ms: float


@dataclass(frozen=True)
class TraceSummary:
    trace_id: str
    hop_count: int  # request and handler spans (the rows without `every_span`)
    span_count: int
    total_ms: float  # first span's start to last span's end
    failed: int  # hops whose span has an error status
    rows: list[Hop]


def summarize(trace: list[SpanRecord], *, every_span: bool = False) -> TraceSummary:
    """The waterfall's numbers, for the terminal (`waterfall`) and the console alike."""
    origin = min(s.start_ns for s in trace)
    ordered = hops(trace, every_span=every_span)
    hop_spans = [s for _, s in ordered if s.kind in HOP_KINDS]
    rows = [
        Hop(depth, span, _label(span), (span.start_ns - origin) / 1e6, span.wait_ms, span.duration_ms)
        for depth, span in ordered
    ]
    return TraceSummary(
        trace_id=trace[0].trace_id,
        hop_count=len(hop_spans),
        span_count=len(trace),
        total_ms=(max(s.end_ns for s in trace) - origin) / 1e6,
        failed=sum(1 for s in hop_spans if s.status == "ERROR"),
        rows=rows,
    )


def _label(span: SpanRecord) -> str:
    if span.kind not in HOP_KINDS:
        return span.name
    if span.kind == "SERVER":
        return f"{span.service} {span.name}"
    outcome = span.attributes.get("orderflow.outcome", "")
    receives = span.attributes.get("orderflow.receive_count", 1)
    retry = f" (receive {receives})" if isinstance(receives, int) and receives > 1 else ""
    return f"{span.name} {outcome}{retry}".rstrip()


def _bar(hop: Hop, scale: float) -> str:
    wait = hop.wait_ms or 0.0
    first = max(0, round((hop.start_ms - wait) * scale))
    begin = max(first, round(hop.start_ms * scale))
    end = max(begin + 1, round((hop.start_ms + hop.work_ms) * scale))
    return " " * first + "░" * (begin - first) + "█" * (end - begin)


def waterfall(trace: list[SpanRecord], *, every_span: bool = False) -> list[str]:
    """The trace's hops: start offset, queue wait, handler time, a bar (░ wait, █ work)."""
    summary = summarize(trace, every_span=every_span)
    total_ms = summary.total_ms
    scale = BAR_WIDTH / total_ms if total_ms > 0 else 0.0
    lines = [
        f"trace {summary.trace_id}: {summary.hop_count} hops, {summary.span_count} spans, {total_ms:.1f} ms end to end"
        + (f", {summary.failed} failed" if summary.failed else ""),
        f"{'start ms':>9} {'wait ms':>8} {'work ms':>8}  {'hop':<52} 0 … {total_ms:.0f} ms",
    ]
    for row in summary.rows:
        wait = f"{row.wait_ms:8.1f}" if row.wait_ms is not None else f"{'-':>8}"
        label = ("  " * row.depth + row.label)[:52]
        lines.append(f"{row.start_ms:9.1f} {wait} {row.work_ms:8.1f}  {label:<52} {_bar(row, scale)}")
    return lines
