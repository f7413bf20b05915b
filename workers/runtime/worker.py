"""The consumer loop: concurrent long-poll receivers, bounded handlers, batched acks, graceful drain."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from orderflow.aws.publisher import EventPublisher
from orderflow.contracts import Event
from orderflow.contracts.events import InvalidEventError
from orderflow.errors import AwsError
from orderflow.failures import FailureRecord, append_failure, failures_path
from orderflow.observability import Metrics
from orderflow.settings import Settings
from orderflow.tracing import stamp
from orderflow.workerstatus import LatencyRecorder
from workers.runtime.backoff import redelivery_delay
from workers.runtime.errors import Retry
from workers.runtime.heartbeat import Heartbeat
from workers.runtime.messages import Received, decode
from workers.runtime.protection import TaskProtection
from workers.runtime.queue import Queue
from workers.runtime.service import ServiceDefinition
from workers.runtime.tracing import end_handler_span, start_handler_span

log = structlog.get_logger("orderflow.worker")
_TICK_SECONDS = 1.0  # heartbeat file, visibility extensions, task protection, metrics flush

PREFETCH = 10  # one receive's worth of messages may wait for a handler slot


@dataclass
class _Work:
    message: Received
    task: asyncio.Task[None]


class Worker:
    """Runs one service against one queue until `stop()`; then drains within the deadline."""

    def __init__(
        self,
        service: ServiceDefinition,
        deps: Any,
        *,
        queue: Queue,
        publisher: EventPublisher,
        settings: Settings,
        metrics: Metrics | None = None,
        heartbeat: Heartbeat | None = None,
        protection: TaskProtection | None = None,
    ) -> None:
        self.service = service
        self._deps = deps
        self._queue = queue
        self._queue_name = queue.url.rsplit("/", 1)[-1]
        self._publisher = publisher
        self._settings = settings
        self._metrics = metrics or Metrics(service.name)
        self._heartbeat = heartbeat
        self._protection = protection or TaskProtection()
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        self._limit = settings.max_in_flight + PREFETCH
        self._in_flight: dict[str, _Work] = {}
        self._requested = 0  # messages asked for by polls in progress
        self._capacity = asyncio.Event()
        self._capacity.set()
        # Set while receives come back full (a backlog): only then do receivers beyond the first
        # poll too. Several pollers sharing a trickle each get 1–2 messages: more receives and
        # smaller delete batches for the same work (B2).
        self._backlog = asyncio.Event()
        self._stopping = asyncio.Event()
        self.stats: Counter[str] = Counter()
        self.handler_latency = LatencyRecorder()
        self.message_age = LatencyRecorder()
        # Local mode: each failure's reason beside its message id, for the console's DLQ triage.
        self._failures = failures_path(settings.state_dir, service.name) if settings.local_mode else None

    # -- lifecycle ------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop receiving and begin the drain. Safe to call from a signal handler."""
        self._stopping.set()
        self._capacity.set()  # a receiver waiting for capacity wakes up and sees the stop
        self._backlog.set()  # so does a receiver parked until a backlog forms

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self) -> None:
        receivers = [
            asyncio.create_task(self._receive_loop(standby=i > 0), name=f"receiver-{i}")
            for i in range(self._settings.receivers)
        ]
        ticker = asyncio.create_task(self._tick_loop(), name="ticker")
        log.info(
            "worker_started", queue=self._queue.url, receivers=len(receivers), maxInFlight=self._settings.max_in_flight
        )
        try:
            await self._stopping.wait()
        finally:
            await self._drain(receivers)
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            self._metrics.flush()
            log.info("worker_stopped", **self.stats)

    async def _drain(self, receivers: list[asyncio.Task[None]]) -> None:
        started = time.monotonic()
        waiting = [w for w in self._in_flight.values() if not w.message.started]
        for work in waiting:
            work.task.cancel()
        await self._release([w.message for w in waiting], "not started")
        # Polls in progress are let finish, not cancelled: the server does not see a client
        # give up, so a cancelled long poll still takes messages — the ones just released
        # included — and hides them for a visibility timeout. What they return is released.
        _, polling = await asyncio.wait(receivers, timeout=self._settings.shutdown_deadline_seconds / 2)
        for task in polling:
            task.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)
        busy = self._handling()
        if busy:
            remaining = self._settings.shutdown_deadline_seconds - (time.monotonic() - started)
            log.info("draining", inFlight=len(busy), deadlineSeconds=round(remaining, 1))
            _, late = await asyncio.wait([w.task for w in busy], timeout=max(remaining, 0))
            unfinished = [w.message for w in busy if w.task in late]
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            await self._release(unfinished, "deadline passed")
        await self._publisher.drain()
        await self._queue.drain()
        await self._protection.release()

    async def _release(self, messages: list[Received], why: str) -> None:
        """Make messages visible again at once, so another worker takes them without waiting."""
        if not messages:
            return
        results = await asyncio.gather(*(self._queue.change_visibility(m, 0) for m in messages), return_exceptions=True)
        self.stats["released"] += len(messages)
        failed = [r for r in results if isinstance(r, BaseException)]
        log.info("messages_released", count=len(messages), reason=why, failed=len(failed))

    # -- receiving ------------------------------------------------------------------------------

    async def _receive_loop(self, *, standby: bool = False) -> None:
        failures = 0
        while not self._stopping.is_set():
            if standby and not self._backlog.is_set():
                await self._backlog.wait()
                continue
            want = min(self._settings.receive_batch_size, self._limit - len(self._in_flight) - self._requested)
            if want <= 0:
                self._capacity.clear()
                await self._capacity.wait()
                continue
            self._requested += want
            try:
                messages = await self._queue.receive(want)
                failures = 0
            except AwsError as exc:
                failures += 1
                delay = min(20.0, 0.5 * 2**failures)
                log.warning("receive_failed", error=str(exc), retryInSeconds=delay)
                await asyncio.sleep(delay)
                continue
            finally:
                self._requested -= want
            if len(messages) >= want:
                self._backlog.set()
            else:
                self._backlog.clear()
            # How receives are spent (logged with worker_stopped): each is billed however few it brought.
            self.stats[
                "receives_full" if len(messages) >= want else "receives_partial" if messages else "receives_empty"
            ] += 1
            if self._stopping.is_set():
                await self._release(messages, "received while stopping")
                return
            for message in messages:
                self._start(message)
            if 0 < len(messages) < want:
                await self._gather_window()

    async def _gather_window(self) -> None:
        """A partial receive means a trickle: polling again at once would answer with the next one or
        two messages each, one request apiece. Waiting a moment lets them gather into one receive
        (SQS bills per request; Lambda's batching window, applied to the poll). Empty receives
        are long polls that timed out, and full ones mean a backlog: neither waits."""
        window = self._settings.receive_window_seconds
        if window > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=window)

    def _start(self, message: Received) -> None:
        self.stats["received"] += 1
        if message.receive_count > 1:
            self.stats["redelivered"] += 1
        task = asyncio.create_task(self._process(message))
        self._in_flight[message.receipt_handle] = _Work(message, task)

    async def _process(self, message: Received) -> None:
        try:
            async with self._slots:
                if self._stopping.is_set():
                    return  # the drain releases it
                message.started = True
                await self._handle(message)
        finally:
            self._in_flight.pop(message.receipt_handle, None)
            self._capacity.set()

    # -- handling -------------------------------------------------------------------------------

    async def _handle(self, message: Received) -> None:
        began = time.perf_counter()
        if message.sent_at_ms:
            age_ms = time.time() * 1000 - message.sent_at_ms
            self._metrics.observe_ms("MessageAge", age_ms)
            self.message_age.record(age_ms)
        event: Event | InvalidEventError
        try:
            event = decode(message.body)
        except InvalidEventError as exc:
            event = exc
        decoded = event if isinstance(event, Event) else None
        # The message's log context, bound once (the handler's own lines carry it too).
        structlog.contextvars.clear_contextvars()
        ids = None
        if decoded is None:
            structlog.contextvars.bind_contextvars(service=self.service.name, messageId=message.message_id)
        else:
            order_id = decoded.order_id
            ids = str(decoded.event_id), str(order_id) if order_id is not None else None
            structlog.contextvars.bind_contextvars(
                service=self.service.name,
                messageId=message.message_id,
                eventId=ids[0],
                eventType=decoded.event_type,
                correlationId=str(decoded.correlation_id),
                orderId=ids[1] or "None",  # as str(None): the log's field since it was first bound
            )
        span = start_handler_span(self.service.name, self._queue_name, message, decoded, ids)
        try:
            outcome, detail = await self._dispatch(message, event)
        except BaseException:  # cancelled by the drain's deadline: the span ends without an outcome
            end_handler_span(span, None, None)
            raise
        trace_id = end_handler_span(span, outcome, detail.get("reason"))
        duration_ms = (time.perf_counter() - began) * 1000
        self.stats[outcome] += 1
        self._metrics.count("MessagesProcessed" if outcome == "handled" else "MessagesFailed")
        self._metrics.observe_ms("HandlerLatency", duration_ms)
        self.handler_latency.record(duration_ms)
        log.info(
            "message_handled",
            outcome=outcome,
            durationMs=round(duration_ms, 2),
            receiveCount=message.receive_count,
            **({"traceId": trace_id} if trace_id else {}),
            **detail,
        )

    async def _dispatch(self, message: Received, event: Event | InvalidEventError) -> tuple[str, dict[str, Any]]:
        """Runs the handler; answers the outcome and what the log line says about it."""
        try:
            if isinstance(event, InvalidEventError):
                raise event
            handler = self.service.handler_for(event)
            published = await handler(event, self._deps)
            if published:
                # Each outcome carries this handler's span on, so the next hop continues the trace.
                await self._publisher.publish([stamp(e) for e in published])
            await self._queue.delete(message)
            return "handled", {"published": [e.event_type for e in published]}
        except Retry as retry:
            return "retry", await self._retry_later(message, str(retry), retry.after)
        except InvalidEventError as exc:
            return "rejected", await self._retry_later(message, str(exc))
        except Exception as exc:  # a technical failure of any kind: retried, then the DLQ
            log.warning("handler_failed", exc_info=exc)
            return "failed", await self._retry_later(message, f"{type(exc).__name__}: {exc}")

    async def _retry_later(self, message: Received, reason: str, after: float | None = None) -> dict[str, Any]:
        settings = self._settings
        if self._failures is not None:
            record = FailureRecord(
                message_id=message.message_id, at=datetime.now(UTC), receive_count=message.receive_count, reason=reason
            )
            append_failure(self._failures, record)
        delay = (
            round(after)
            if after is not None
            else redelivery_delay(
                message.receive_count,
                base=settings.backoff_base_seconds,
                cap=settings.backoff_max_seconds,
                jitter=0.2,
            )
        )
        try:
            await self._queue.change_visibility(message, delay)
        except AwsError as exc:
            # The message comes back after its visibility timeout instead: slower, not lost.
            log.warning("backoff_not_applied", error=str(exc))
        return {"reason": reason, "retryInSeconds": delay}

    # -- periodic work --------------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        last_metrics = time.monotonic()
        received = 0
        self._beat()
        while True:
            await asyncio.sleep(_TICK_SECONDS)
            await self._extend_visibility()
            # Busy: holding messages now, or handled some since the last tick (between two ticks).
            busy = bool(self._in_flight) or self.stats["received"] != received
            received = self.stats["received"]
            await self._protection.update(busy=busy)
            self._beat()
            if time.monotonic() - last_metrics >= 10:
                self._metrics.flush()
                last_metrics = time.monotonic()

    def _handling(self) -> list[_Work]:
        """The held messages whose handler has started (the rest wait for a slot)."""
        return [w for w in self._in_flight.values() if w.message.started]

    def _beat(self) -> None:
        """The status file (orderflow.workerstatus.WorkerStatus): serialised once a tick."""
        if self._heartbeat is None:
            return
        stats = self.stats
        self._heartbeat.beat(
            in_flight=len(self._in_flight),
            handling=len(self._handling()),
            max_in_flight=self._settings.max_in_flight,
            protected=self._protection.holding,
            stopping=self.stopping,
            received=stats["received"],
            processed=stats["handled"],
            failed=stats["failed"] + stats["rejected"] + stats["retry"],
            retried=stats["redelivered"],
            released=stats["released"],
            handler_latency=self.handler_latency.snapshot(),
            message_age=self.message_age.snapshot(),
        )

    async def _extend_visibility(self) -> None:
        """A handler still running at half its visibility timeout keeps its message hidden.

        Checked once a tick, so "half" must also leave two ticks of margin: with a timeout of two
        ticks or less, a message could otherwise reach the next check already visible again.
        """
        now = time.monotonic()
        timeout = self._queue.visibility_timeout
        threshold = max(timeout / 2, 2 * _TICK_SECONDS)
        due = [w.message for w in self._handling() if w.message.visible_until - now < threshold]
        for message in due:
            message.visible_until = now + timeout
        if due:
            results = await asyncio.gather(
                *(self._queue.change_visibility(m, timeout) for m in due), return_exceptions=True
            )
            self.stats["visibility_extended"] += len(due)
            for result in results:
                if isinstance(result, BaseException):
                    log.warning("visibility_extension_failed", error=str(result))
