"""B1 consumer: orderflow's real Worker with a registered no-op handler, validation and logging as in production."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from typing import Any

from pyinstrument import Profiler

from orderflow.aws import clients
from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import OrderPlaced
from orderflow.observability import Metrics, configure_logging
from orderflow.settings import Settings
from workers.bootstrap import run_loop, settle_heap
from workers.runtime import messages
from workers.runtime import worker as worker_module
from workers.runtime.messages import Received
from workers.runtime.queue import Queue
from workers.runtime.service import Outcome, ServiceDefinition
from workers.runtime.worker import Worker

SEEN: set[str] = set()  # distinct messages deleted: the emulator may deliver one twice under load


async def noop(event: OrderPlaced, deps: object) -> Outcome:
    return []


class CountingQueue(Queue):
    """The runtime's Queue; a message counts once its (batched) delete has succeeded."""

    async def delete(self, message: Received) -> None:
        await super().delete(message)
        SEEN.add(message.message_id)


def _profiler() -> Any:
    """pyinstrument over the measured window when BENCH_PYINSTRUMENT names an output file; yappi with
    a CPU clock (all threads, coroutines attributed to their own frames) when BENCH_YAPPI does."""
    if os.environ.get("BENCH_YAPPI"):
        import yappi  # noqa: PLC0415 - profiling runs only

        yappi.set_clock_type("cpu")
        yappi.start(builtins=True)
        return yappi
    if not os.environ.get("BENCH_PYINSTRUMENT"):
        return None
    profiler = Profiler(interval=0.0002, async_mode="disabled")
    profiler.start()
    return profiler


def _apply_experiment(experiment: str) -> None:
    """Attribution runs only (BENCH_EXPERIMENT): switch one cost off to see what it weighs in situ."""
    if "noval" in experiment:  # botocore's client-side parameter validation
        real = clients.AioConfig
        clients.AioConfig = lambda **kw: real(**kw, parameter_validation=False)  # type: ignore[misc,assignment]
    if "nodecode" in experiment:  # decode + pydantic validation: every message reuses the first result
        cache: dict[str, Any] = {}

        def decode_once(body: str) -> Any:
            if "event" not in cache:
                cache["event"] = messages.decode(body)
            return cache["event"]

        worker_module.decode = decode_once


def _write_profile(profiler: Any) -> None:
    if os.environ.get("BENCH_YAPPI"):
        profiler.stop()
        stats = profiler.get_func_stats()
        stats.save(os.environ["BENCH_YAPPI"], type="pstat")
        return
    with open(os.environ["BENCH_PYINSTRUMENT"], "w") as out:
        out.write(profiler.output_text(unicode=False, show_all=True, timeline=False))


async def main() -> None:
    url, k = os.environ["BENCH_QUEUE_URL"], int(os.environ["BENCH_K"])
    experiment = os.environ.get("BENCH_EXPERIMENT", "")
    settings = Settings(
        local_mode=True,
        log_format="json",
        heartbeat_dir=tempfile.gettempdir(),
        log_level="WARNING" if "nolog" in experiment else "INFO",
    )
    _apply_experiment(experiment)
    configure_logging(settings, service="bench")
    service = ServiceDefinition("bench", {OrderPlaced: noop}, build_deps=lambda ctx: asyncio.sleep(0))
    aws = await AwsClients.open(settings, max_pool_connections=settings.max_in_flight + settings.receivers + 8)
    queue = CountingQueue(aws.sqs, url, visibility_timeout=60, wait_seconds=1)
    worker = Worker(
        service,
        None,
        queue=queue,
        publisher=EventPublisher(aws.events, "unused", linger=settings.publish_linger_seconds),
        settings=settings,
        metrics=Metrics("bench"),
    )
    if "nowarm" not in experiment:
        # As workers/bootstrap.py does before its Worker starts: the client's first call (~23 ms of
        # CPU: aiobotocore builds its HTTP session and TLS context) is start-up, not per message.
        await aws.sqs.get_queue_url(QueueName=url.rsplit("/", 1)[-1])
    if "nogc" not in experiment:
        settle_heap()  # as workers/bootstrap.py run_worker does once the worker is built
    profiler = _profiler()
    print("READY", flush=True)
    t0 = os.times()
    running = asyncio.create_task(worker.run())
    while len(SEEN) < k:
        await asyncio.sleep(0.05)
        if running.done():
            break
    t1 = os.times()
    if profiler is not None:
        if not os.environ.get("BENCH_YAPPI"):
            profiler.stop()
        _write_profile(profiler)
    times = {"user": t1.user - t0.user, "sys": t1.system - t0.system}
    print(
        "DONE "
        + json.dumps(
            {"handled": len(SEEN), "deliveries": worker.stats["handled"], "calls": queue.calls, "times": times}
        ),
        flush=True,
    )
    worker.stop()
    await running
    await aws.close()


if __name__ == "__main__":
    # The event loop as `orderflow worker` picks it (ORDERFLOW_EVENT_LOOP: auto, uvloop, asyncio).
    run_loop(main(), Settings())
    sys.exit(0)
