"""An order's trace for the console: the same hops, numbers and selection as `orderflow trace`
(orderflow.ops.trace), as JSON the order page draws as a waterfall of HTML bars.

Locally the spans come from the span files under the state folder, read in a thread, only the lines
that name the order or its traces parsed, and the answer kept until a span file changes. In AWS the
spans are in X-Ray, which this console does not read: the section says so."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from orderflow.ops.trace import Hop, SpanRecord, order_traces, read_order_spans, summarize

NO_TRACE = "no trace recorded for this order — tracing off, sampled out, or older than the span files"
IN_XRAY = (
    "traces of a deployed environment are in AWS X-Ray; this console reads none. The order's trace id "
    "is not stored with the order: the workers' message_handled log lines carry it (traceId, by orderId)"
)
MIN_BAR_PERCENT = 0.4  # a handler of a few µs still shows as a sliver
CACHED_ORDERS = 64


class Traces(Protocol):
    async def of(self, order_id: str) -> dict[str, Any]:
        """The order's traces: {"orderId", "source", "traces": [...], "message"} (message: why none)."""
        ...


class LocalTraces:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: OrderedDict[str, tuple[tuple[tuple[str, int, int], ...], dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    async def of(self, order_id: str) -> dict[str, Any]:
        return await asyncio.to_thread(self._read, order_id)

    def _read(self, order_id: str) -> dict[str, Any]:
        files = self._files()
        with self._lock:
            cached = self._cache.get(order_id)
            if cached is not None and cached[0] == files:
                self._cache.move_to_end(order_id)
                return cached[1]
        traces = order_traces(read_order_spans(self.folder, order_id), order_id)
        found = {
            "orderId": order_id,
            "source": "local",
            "traces": [trace_json(t) for t in traces],
            "message": None if traces else NO_TRACE,
        }
        with self._lock:
            self._cache[order_id] = (files, found)
            while len(self._cache) > CACHED_ORDERS:
                self._cache.popitem(last=False)
        return found

    def _files(self) -> tuple[tuple[str, int, int], ...]:
        """What the answer depends on: every span file's name, size and modification time."""
        seen = []
        for path in sorted(self.folder.glob("*.jsonl*")):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            seen.append((path.name, stat.st_size, stat.st_mtime_ns))
        return tuple(seen)


class XRayTraces:
    """AWS: no span files and no X-Ray calls, only where to look."""

    async def of(self, order_id: str) -> dict[str, Any]:
        return {"orderId": order_id, "source": "xray", "traces": [], "message": IN_XRAY}


def trace_json(trace: list[SpanRecord]) -> dict[str, Any]:
    """One trace's waterfall: its hops in causal order, each with its numbers (ms) and its bar's
    place on the trace's time axis (percent of the trace's duration: wait, then work)."""
    summary = summarize(trace)
    return {
        "traceId": summary.trace_id,
        "hops": summary.hop_count,
        "spans": summary.span_count,
        "totalMs": round(summary.total_ms, 1),
        "failed": summary.failed,
        "rows": [_row(hop, summary.total_ms) for hop in summary.rows],
    }


def _row(hop: Hop, total_ms: float) -> dict[str, Any]:
    span = hop.span

    def percent(ms: float) -> float:
        return round(min(100.0, max(0.0, 100 * ms / total_ms)), 2) if total_ms > 0 else 0.0

    waited_from = max(0.0, hop.start_ms - (hop.wait_ms or 0.0))
    work_left = percent(hop.start_ms)
    receives = span.attributes.get("orderflow.receive_count")
    return {
        "depth": hop.depth,
        "label": hop.label,
        "service": span.service,
        "name": span.name,
        "kind": span.kind,
        "spanId": span.span_id,
        "eventType": span.attributes.get("orderflow.event_type"),
        "outcome": span.attributes.get("orderflow.outcome"),
        "receiveCount": receives if isinstance(receives, int) else None,
        "status": span.status,
        "failed": span.status == "ERROR",
        "startMs": round(hop.start_ms, 1),
        "waitMs": round(hop.wait_ms, 1) if hop.wait_ms is not None else None,
        "workMs": round(hop.work_ms, 1),
        "bar": {
            "waitLeft": percent(waited_from),
            "waitWidth": round(work_left - percent(waited_from), 2),
            "workLeft": min(work_left, 100 - MIN_BAR_PERCENT),
            "workWidth": max(MIN_BAR_PERCENT, percent(hop.work_ms)),
        },
    }
