"""Local-mode span store: each process appends its spans to a JSONL file under the state folder.

No collector, no server: `orderflow trace` reads the files back. Each file is bounded (one
rotation: the current file and `.1`), and files of processes gone for a day are removed.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, StatusCode

STALE_SECONDS = 24 * 3600
_get_running_loop = asyncio._get_running_loop  # in asyncio.events.__all__: the loop or None, never raises


# By the member's id: an enum's .name is a descriptor call and hashing a member calls Enum.__hash__
# (Python); members are singletons, so their ids are stable keys.
_KIND_NAMES = {id(kind): kind.name for kind in SpanKind}
_STATUS_NAMES = {id(code): code.name for code in StatusCode}


class FlatSpan(ReadableSpan):
    """A `ReadableSpan` that knows its ids in hex and keeps its attributes in a plain dict, unchanged
    once it has ended (the worker's handler span, workers/runtime/consumer_span.py): `span_record`
    takes both as they are. For any other span it formats the ids and copies the attributes out of
    the SDK's read-only view, ≈ 1.2 µs of a handler span's 4 µs record (bench/findings.md,
    "Tracing overhead")."""

    hex_ids: tuple[str, str, str | None]  # trace id, span id, parent span id: format_trace_id / format_span_id
    attribute_dict: dict[str, Any]


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """One span as a JSON object: what the waterfall needs and nothing process-specific."""
    if isinstance(span, FlatSpan):
        trace_id, span_id, parent_id = span.hex_ids
        attributes = span.attribute_dict
    else:
        context = span.context
        assert context is not None  # ended SDK spans always have one
        parent = span.parent
        trace_id = format(context.trace_id, "032x")  # format_trace_id / format_span_id, inlined
        span_id = format(context.span_id, "016x")
        parent_id = format(parent.span_id, "016x") if parent is not None else None
        attributes = dict(span.attributes or {})
    status = span.status
    return {
        "traceId": trace_id,
        "spanId": span_id,
        "parentId": parent_id,
        "name": span.name,
        "kind": _KIND_NAMES[id(span.kind)],
        "service": _service_name(span.resource),
        "start": span.start_time,
        "end": span.end_time,
        "status": _STATUS_NAMES[id(status.status_code)],
        "statusMessage": status.description,
        "attributes": attributes,
    }


_SERVICE: list[tuple[Resource, Any]] = []  # the last resource seen and its service name


def _service_name(resource: Resource) -> Any:
    """A process has one resource: its `service.name`, read once (a resource's attributes are a
    locked mapping)."""
    if not _SERVICE or _SERVICE[0][0] is not resource:
        _SERVICE[:] = [(resource, resource.attributes.get("service.name"))]
    return _SERVICE[0][1]


def encode(span: ReadableSpan) -> bytes:
    """One line of the span file."""
    return orjson.dumps(span_record(span), default=str, option=orjson.OPT_APPEND_NEWLINE)


class LoopSpanProcessor(SpanProcessor):
    """Sampled spans encoded where they end and appended to the span file in batches, from the
    event loop that ended them: no exporter thread.

    The SDK's BatchSpanProcessor queues each span for a thread that wakes, takes the GIL from the
    event loop, encodes and writes; in a worker that thread's hand-offs and the spans it keeps
    alive cost more than the encoding itself (docs/benchmarks.md, "The Worker's CPU on the
    keep-alive emulator"). Here a span is encoded at once and its line appended to one buffer (a
    list of the lines cost ~2 µs more per span: each line an object kept until the write), and the first span
    after a write schedules the next write `delay` seconds later on the running loop, so
    `orderflow trace` sees a handled order's spans within the delay. A span ended outside an event
    loop is written at once. Shutdown (at exit) and `force_flush` write what is pending.
    """

    def __init__(self, exporter: JsonlSpanExporter, *, delay: float, max_pending: int = 512) -> None:
        self._exporter = exporter
        self._delay = delay
        self._max_pending = max_pending
        self._pending = bytearray()
        self._count = 0  # spans in `_pending`
        self._lock = threading.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    starts_nothing = True  # orderflow.tracing.chain.ProcessorChain: on_start is a no-op

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Nothing to do until a span ends."""

    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        if context is None or not context.trace_flags.sampled:
            return  # as the SDK's processors: unsampled spans are not exported
        line = encode(span)
        loop = _get_running_loop()  # None outside a loop
        with self._lock:
            self._pending += line
            self._count += 1
            full = self._count >= self._max_pending
            schedule = loop is not None and not full and (self._timer is None or self._timer_loop is not loop)
            if schedule:
                assert loop is not None  # checked above; for the type checker
                self._timer, self._timer_loop = loop.call_later(self._delay, self.flush), loop
        if loop is None or full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending, self._count = self._pending, bytearray(), 0
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._timer_loop = None
        if pending:
            self._exporter.append(pending)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self.flush()
        return True

    def shutdown(self) -> None:
        self.flush()


class JsonlSpanExporter(SpanExporter):
    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.append(b"".join(encode(span) for span in spans))
        return SpanExportResult.SUCCESS

    def append(self, payload: bytes | bytearray) -> None:
        """Encoded spans (`encode`) appended to the file, rotated first if they would not fit."""
        with self._lock:
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size and size + len(payload) > self._max_bytes:
                self.path.replace(self.path.with_name(self.path.name + ".1"))
            with self.path.open("ab") as out:
                out.write(payload)

    def shutdown(self) -> None:
        """Nothing held open: every export appends and closes."""


def remove_stale(folder: Path, older_than: float = STALE_SECONDS) -> None:
    """Span files not written for a day belong to processes long gone."""
    cutoff = time.time() - older_than
    for path in folder.glob("*.jsonl*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue


def span_file(folder: Path, service: str) -> Path:
    return folder / f"{service}-{os.getpid()}.jsonl"
