"""Composition root of a worker process: settings -> clients -> service deps -> Worker, and signals."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import os
import signal
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import structlog

from orderflow.aws.clients import AwsClients
from orderflow.aws.idempotency import ProcessedEvents
from orderflow.aws.publisher import EventPublisher
from orderflow.observability import Metrics
from orderflow.settings import Settings
from workers.runtime.heartbeat import Heartbeat
from workers.runtime.queue import Queue
from workers.runtime.service import ServiceContext
from workers.runtime.worker import Worker
from workers.services import load_service

log = structlog.get_logger("orderflow.worker")
T = TypeVar("T")


def run_loop(main: Coroutine[Any, Any, T], settings: Settings) -> T:
    """Run a worker process's coroutine on the configured event loop.

    uvloop (libuv, in C) schedules callbacks and moves socket bytes for less CPU than asyncio's
    pure-Python selector loop; aiohttp under aiobotocore does a loop round-trip per read and write,
    so it shows per AWS call (docs/benchmarks.md, B1). `asyncio` stays available as a switch.
    """
    choice = settings.event_loop
    if choice == "auto":
        choice = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    if choice == "uvloop":
        import uvloop  # noqa: PLC0415 - optional at import time: only where installed

        return uvloop.run(main)
    return asyncio.run(main)


@asynccontextmanager
async def build_worker(service_name: str, settings: Settings) -> AsyncIterator[Worker]:
    """The same object graph for production, local mode and tests."""
    service = load_service(service_name)
    spec = settings.topology.service(service_name)
    aws = await AwsClients.open(settings, max_pool_connections=settings.max_in_flight + settings.receivers + 8)
    try:
        deps = await service.build_deps(ServiceContext(service_name, settings, aws))
        url = (await aws.sqs.get_queue_url(QueueName=settings.queue_name(service_name)))["QueueUrl"]
        queue = Queue(
            aws.sqs,
            url,
            visibility_timeout=spec.queue.visibility_timeout_seconds,
            wait_seconds=spec.queue.wait_time_seconds,
            batch_deletes=settings.batch_deletes,
            linger=settings.delete_linger_seconds,
        )
        publisher = EventPublisher(
            aws.events, settings.bus, linger=settings.publish_linger_seconds, max_batch=settings.publish_batch_size
        )
        processed = getattr(deps, "processed", None)
        if isinstance(processed, ProcessedEvents):
            processed.separate_record = not settings.idempotency_in_transaction
        heartbeat = Heartbeat(settings.heartbeat_file(service_name), service=service_name, worker_id=settings.worker_id)
        yield Worker(
            service,
            deps,
            queue=queue,
            publisher=publisher,
            settings=settings,
            metrics=Metrics(service_name),
            heartbeat=heartbeat,
        )
        heartbeat.clear()
    finally:
        await aws.close()


# Young-generation collections every 50,000 container allocations instead of 700: a handled
# message allocates a few hundred (more with its span), nearly all freed by reference counting.
GC_GEN0_THRESHOLD = 50_000


def settle_heap() -> None:
    """After start-up, before the first message: the start-up heap (botocore's service models,
    pydantic's validators, ~120,000 objects) is moved out of the collector's sight with
    `gc.freeze()`, and young collections run less often. Without it every full collection walks
    that heap again; measured on B1's worker path with tracing on, the collector took ~45 µs per
    message (27 of them in full collections), ~12 with tracing off (docs/benchmarks.md, B1).
    Objects frozen here are never collected: start-up objects live as long as the process anyway.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


async def run_worker(service_name: str, settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; a second signal exits at once."""
    async with build_worker(service_name, settings) as worker:
        settle_heap()
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            if worker.stopping:
                log.warning("second_signal_exiting_now", signal=signal.Signals(signum).name)
                os._exit(128 + signum)
            log.info("shutdown_requested", signal=signal.Signals(signum).name)
            worker.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, signum)
        await worker.run()
