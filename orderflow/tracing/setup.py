"""The process's tracer provider: sampler, exporter (local JSONL file or OTLP to the collector)."""

from __future__ import annotations

from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from orderflow.settings import Settings
from orderflow.tracing.chain import ProcessorChain
from orderflow.tracing.local import JsonlSpanExporter, LoopSpanProcessor, span_file
from orderflow.tracing.sampling import KeepFailedSpans, RatioKeepingFailures

LOCAL_EXPORT_DELAY_MS = 500  # `orderflow trace` right after an order sees its spans


def trace_dir(settings: Settings) -> Path:
    return settings.state_dir / "traces"


def configure_tracing(
    settings: Settings, *, service: str, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """Install the global tracer provider once per process; None when tracing is off (then every
    tracer is OpenTelemetry's no-op and events carry no trace context)."""
    if not settings.tracing_enabled:
        return None
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current  # a second call in one process (tests) keeps the first provider
    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "service.namespace": settings.resource_prefix}),
        sampler=RatioKeepingFailures(settings.trace_sample_ratio),
        active_span_processor=ProcessorChain(),
    )
    provider.add_span_processor(_processor(settings, service, exporter))
    trace.set_tracer_provider(provider)
    return provider


def _processor(settings: Settings, service: str, exporter: SpanExporter | None) -> SpanProcessor:
    local = settings.trace_exporter == "local" or (settings.trace_exporter == "auto" and settings.local_mode)
    if exporter is None and local:
        store = JsonlSpanExporter(span_file(trace_dir(settings), service), max_bytes=settings.trace_file_max_bytes)
        return KeepFailedSpans(LoopSpanProcessor(store, delay=LOCAL_EXPORT_DELAY_MS / 1000))
    if exporter is None:
        # OTLP over HTTP to the collector sidecar; OTEL_EXPORTER_OTLP_ENDPOINT (default
        # http://localhost:4318) is the SDK's own variable.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415 - AWS only

        exporter = OTLPSpanExporter()
    return KeepFailedSpans(BatchSpanProcessor(exporter, schedule_delay_millis=LOCAL_EXPORT_DELAY_MS if local else None))
