"""Every consumer accepts events with and without trace context, and a malformed one never fails a
handler: each service's real worker, through the runtime, against the emulator, fed its subscribed
events' checked-in fixtures (tests/fixtures/events) in five variants, handles them alike."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from structlog.testing import capture_logs

from orderflow.aws.clients import AwsClients
from orderflow.contracts import EVENT_TYPES
from orderflow.settings import Settings
from orderflow.topology import load_topology
from tests.support import eventually, queue_url
from workers.runtime.worker import Worker

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "events"
TOPOLOGY = load_topology(REPO / "topology.yaml")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
VARIANTS: dict[str, Any] = {
    "without": None,
    "with": {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "tracestate": "orderflow=test"},
    "malformed traceparent": {"traceparent": "00-not-a-trace-context"},
    "zero trace id": {"traceparent": f"00-{'0' * 32}-{PARENT_ID}-01"},
    "not an object": "traceparent=garbage",
}


class Collected(SpanProcessor):
    """Keeps the spans that end while a test listens (the global provider outlives the test)."""

    def __init__(self) -> None:
        self.listening = False
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        if self.listening:
            self.spans.append(span)


_COLLECTED = Collected()


@pytest.fixture
def spans() -> Iterator[Collected]:
    """The process's tracer provider (installed once, as `orderflow worker` does) with a listener."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if not getattr(provider, "_orderflow_test_listener", False):
        provider.add_span_processor(_COLLECTED)
        provider._orderflow_test_listener = True  # type: ignore[attr-defined]
    _COLLECTED.spans, _COLLECTED.listening = [], True
    yield _COLLECTED
    _COLLECTED.listening = False


def subscribed_fixtures(service: str) -> list[dict[str, Any]]:
    """One fixture per event version the service subscribes to (a catch-all hears all of them)."""
    types: set[str] = set()
    for pattern in TOPOLOGY.services[service].subscriptions.values():
        named = [t for t in pattern.get("detail-type", []) if isinstance(t, str)]
        types |= set(named) if named else {t for t, _ in EVENT_TYPES}
    return [orjson.loads((FIXTURES / f"{t}.v{v}.json").read_bytes()) for t, v in sorted(EVENT_TYPES) if t in types]


def variant(fixture: dict[str, Any], trace_context: Any) -> dict[str, Any]:
    """The fixture as a new event with the given trace context. Its own event, order and SKU ids keep
    the variants apart: otherwise they race for one order's or one SKU's state (the audit stream's
    version, a SKU's stock) and their outcomes would differ for reasons that are not trace context."""
    detail = {**fixture, "eventId": str(uuid.uuid4()), "data": dict(fixture["data"])}
    if "orderId" in detail["data"]:
        detail["data"]["orderId"] = detail["correlationId"] = str(uuid.uuid4())
    if "sku" in detail["data"]:
        detail["data"]["sku"] = f"T{uuid.uuid4().hex[:12].upper()}"
    if trace_context is not None:
        detail["traceContext"] = trace_context
    return detail


def delivered(detail: dict[str, Any]) -> str:
    return orjson.dumps(
        {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail["eventType"], "source": detail["source"],
         "time": detail["occurredAt"], "region": "us-east-1", "resources": [], "detail": detail}
    ).decode()  # fmt: skip


@pytest.mark.parametrize("service", sorted(TOPOLOGY.services))
async def test_a_consumer_handles_its_events_alike_with_without_and_with_malformed_trace_context(
    service: str,
    settings: Settings,
    aws: AwsClients,
    start_worker: Callable[..., Awaitable[Worker]],
    spans: Collected,
) -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        # GIVEN the service's real worker
        await start_worker(service)
        url = await queue_url(aws, settings.queue_name(service))
        # WHEN each event it subscribes to arrives in every variant of trace context
        sent: dict[str, dict[str, str]] = {}
        for fixture in subscribed_fixtures(service):
            for name, trace_context in VARIANTS.items():
                detail = variant(fixture, trace_context)
                sent.setdefault(fixture["eventType"], {})[name] = detail["eventId"]
                await aws.sqs.send_message(QueueUrl=url, MessageBody=delivered(detail))

        def first_handled() -> dict[str, dict[str, Any]]:
            return {
                str(line.get("eventId")): line
                for line in reversed(logs)
                if line.get("event") == "message_handled" and line.get("service") == service
            }

        want = {event_id for ids in sent.values() for event_id in ids.values()}

        async def all_handled() -> dict[str, dict[str, Any]] | None:
            handled = first_handled()
            return handled if want <= set(handled) else None

        handled = await eventually(all_handled, timeout=30)

    # THEN every variant of an event has the outcome (and publishes the events) of the one without
    for event_type, ids in sent.items():
        outcomes = {
            name: (handled[event_id]["outcome"], tuple(sorted(handled[event_id].get("published", []))))
            for name, event_id in ids.items()
        }
        assert set(outcomes.values()) == {outcomes["without"]}, (event_type, outcomes)
        assert outcomes["without"][0] != "rejected", (event_type, handled[ids["without"]])
    # AND the handler span of a valid context continues that trace; the others start their own
    by_event = {s.attributes.get("orderflow.event_id"): s for s in spans.spans if s.attributes}
    for ids in sent.values():
        continued = by_event[ids["with"]]
        assert continued.context is not None and trace.format_trace_id(continued.context.trace_id) == TRACE_ID
        assert continued.parent is not None and trace.format_span_id(continued.parent.span_id) == PARENT_ID
        for name in ("without", "malformed traceparent", "zero trace id", "not an object"):
            assert by_event[ids[name]].parent is None, name
