"""Local-mode span store: each process appends its spans to a JSONL file under the state folder.

No collector, no server: `orderflow trace` reads the files back. Each file is bounded (one
rotation: the current file and `.1`), and files of processes gone for a day are removed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import format_span_id, format_trace_id

STALE_SECONDS = 24 * 3600


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """One span as a JSON object: what the waterfall needs and nothing process-specific."""
    context = span.context
    assert context is not None  # ended SDK spans always have one
    return {
        "traceId": format_trace_id(context.trace_id),
        "spanId": format_span_id(context.span_id),
        "parentId": format_span_id(span.parent.span_id) if span.parent is not None else None,
        "name": span.name,
        "kind": span.kind.name,
        "service": span.resource.attributes.get("service.name"),
        "start": span.start_time,
        "end": span.end_time,
        "status": span.status.status_code.name,
        "statusMessage": span.status.description,
        "attributes": dict(span.attributes or {}),
    }


class JsonlSpanExporter(SpanExporter):
    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        payload = b"".join(orjson.dumps(span_record(span), default=str) + b"\n" for span in spans)
        with self._lock:
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size and size + len(payload) > self._max_bytes:
                self.path.replace(self.path.with_name(self.path.name + ".1"))
            with self.path.open("ab") as out:
                out.write(payload)
        return SpanExportResult.SUCCESS

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
