"""Publishing events to the bus: batched PutEvents that retries exactly the entries that failed."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

import structlog
from botocore.exceptions import BotoCoreError, ClientError
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from orderflow.aws.batcher import MicroBatcher
from orderflow.errors import PublishError

if TYPE_CHECKING:
    from types_aiobotocore_events import EventBridgeClient
    from types_aiobotocore_events.type_defs import PutEventsRequestEntryTypeDef

    from orderflow.contracts import Event

log = structlog.get_logger(__name__)
_TRACER = trace.get_tracer("orderflow.publisher")

MAX_ENTRY_BYTES = 256 * 1024  # EventBridge's limit per event
_ATTEMPTS = 5


class EventPublisher:
    """`await publish(events)` returns once the bus has accepted every event, or raises PublishError.

    Concurrent callers share PutEvents calls of up to 10 entries. FailedEntryCount is never
    ignored: the failed entries alone are retried with jittered backoff.
    """

    def __init__(self, client: EventBridgeClient, bus_name: str, *, linger: float = 0.005, max_batch: int = 10) -> None:
        self._client = client
        self._bus = bus_name
        # max_batch=1 is the naive shape (one PutEvents per event), kept for the benchmarks.
        self._batcher: MicroBatcher[PutEventsRequestEntryTypeDef, None] = MicroBatcher(
            self._put, max_size=max_batch, linger=linger if max_batch > 1 else 0.0
        )
        self.calls = 0  # PutEvents calls made, for metrics and benchmarks

    async def publish(self, events: Sequence[Event]) -> None:
        entries = [self._entry(event) for event in events]
        if not trace.get_current_span().is_recording():
            await asyncio.gather(*(self._batcher.submit(entry) for entry in entries))
            return
        # The PutEvents call is shared with other callers (and traced by none); this span is the
        # caller's wait for it.
        attributes: dict[str, str | int] = {
            "messaging.system": "aws.eventbridge",
            "messaging.batch.message_count": len(entries),
        }
        with _TRACER.start_as_current_span(
            "EventBridge publish",
            kind=SpanKind.PRODUCER,
            attributes=attributes,
        ) as span:
            span.set_attribute("orderflow.event_types", [event.event_type for event in events])
            await asyncio.gather(*(self._batcher.submit(entry) for entry in entries))

    def _entry(self, event: Event) -> PutEventsRequestEntryTypeDef:
        detail = event.to_json().decode()
        if len(detail) > MAX_ENTRY_BYTES:
            raise PublishError(f"{event.event_type} {event.event_id} is {len(detail)} bytes; the bus takes 256 KiB")
        return {
            "EventBusName": self._bus,
            "Source": event.source,
            "DetailType": event.event_type,
            "Detail": detail,
            "Time": event.occurred_at,
        }

    async def _put(self, entries: list[PutEventsRequestEntryTypeDef]) -> list[BaseException | None]:
        results: list[BaseException | None] = [None] * len(entries)
        todo = list(range(len(entries)))
        error = "no attempt made"
        for attempt in range(_ATTEMPTS):
            if attempt:
                await asyncio.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))
            try:
                self.calls += 1
                response = await self._client.put_events(Entries=[entries[i] for i in todo])
            except (ClientError, BotoCoreError) as exc:
                error = f"PutEvents failed: {exc}"
                continue
            failed = [
                (i, result) for i, result in zip(todo, response["Entries"], strict=True) if result.get("ErrorCode")
            ]
            if not failed:
                return results
            error = "; ".join(sorted({f"{r.get('ErrorCode')}: {r.get('ErrorMessage')}" for _, r in failed}))
            log.warning("put_events_partial_failure", failed=len(failed), of=len(todo), error=error)
            todo = [i for i, _ in failed]
        for i in todo:
            results[i] = PublishError(f"the bus refused the event after {_ATTEMPTS} attempts: {error}")
        return results

    async def drain(self) -> None:
        await self._batcher.drain()
