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
    """pyinstrument over the measured window when BENCH_PYINSTRUMENT names an output file."""
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
    asyncio.run(main())
    sys.exit(0)
