"""structlog configured once per process, and CloudWatch Embedded Metric Format lines."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from typing import Any

import orjson
import structlog

from orderflow.settings import Settings


def configure_logging(settings: Settings, *, service: str) -> None:
    """JSON lines (with dict tracebacks) off a TTY, readable console output on one."""
    use_json = settings.log_format == "json" or (settings.log_format == "auto" and not sys.stderr.isatty())
    renderer: structlog.types.Processor
    factory: Any
    if use_json:
        # orjson's bytes go straight to the binary stream: no decode, no text-layer encode (B1).
        renderer = structlog.processors.JSONRenderer(serializer=orjson.dumps)
        factory = structlog.BytesLoggerFactory(file=sys.stderr.buffer)
    else:
        renderer = structlog.dev.ConsoleRenderer()
        factory = structlog.WriteLoggerFactory(file=sys.stderr)
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if use_json:
        processors.append(structlog.processors.dict_tracebacks)
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, settings.log_level)),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries that use stdlib logging (uvicorn, botocore) stay at WARNING unless asked.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")


class Metrics:
    """Counters and latencies aggregated in memory and flushed as one EMF line at a time.

    EMF (a JSON log line CloudWatch turns into metrics) costs no API calls; flushing an
    aggregate every few seconds keeps the log volume independent of throughput.
    """

    NAMESPACE = "Orderflow"
    MAX_VALUES = 100

    def __init__(self, service: str) -> None:
        self.service = service
        self.counts: Counter[str] = Counter()
        self._latencies: dict[str, list[float]] = {}

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] += value

    def observe_ms(self, name: str, value: float) -> None:
        values = self._latencies.setdefault(name, [])
        values.append(value)
        if len(values) >= self.MAX_VALUES:
            self.flush()  # EMF takes at most 100 values per metric: flush rather than drop

    def emf_record(self) -> dict[str, Any] | None:
        """The pending aggregate as an EMF document, or None when nothing happened."""
        if not self.counts and not self._latencies:
            return None
        metrics: list[dict[str, str]] = [{"Name": n, "Unit": "Count"} for n in self.counts]
        record: dict[str, Any] = {"Service": self.service, **self.counts}
        for name, values in self._latencies.items():
            metrics.append({"Name": name, "Unit": "Milliseconds"})
            # EMF accepts a StatisticSet-like Values/Counts pair; a plain list is simplest and exact.
            record[name] = [round(v, 3) for v in values]
        record["_aws"] = {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{"Namespace": self.NAMESPACE, "Dimensions": [["Service"]], "Metrics": metrics}],
        }
        self.counts = Counter()
        self._latencies = {}
        return record

    def flush(self) -> None:
        record = self.emf_record()
        if record is not None:
            sys.stdout.buffer.write(orjson.dumps(record) + b"\n")
            sys.stdout.flush()
