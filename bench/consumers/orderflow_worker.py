"""B1 consumer: orderflow's real Worker with a registered no-op handler, validation and logging as in production."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import OrderPlaced
from orderflow.observability import Metrics, configure_logging
from orderflow.settings import Settings
from workers.runtime.queue import Queue
from workers.runtime.service import Outcome, ServiceDefinition
from workers.runtime.worker import Worker


async def noop(event: OrderPlaced, deps: object) -> Outcome:
    return []


async def main() -> None:
    url, k = os.environ["BENCH_QUEUE_URL"], int(os.environ["BENCH_K"])
    settings = Settings(local_mode=True, log_format="json", heartbeat_dir=tempfile.gettempdir())
    configure_logging(settings, service="bench")
    service = ServiceDefinition("bench", {OrderPlaced: noop}, build_deps=lambda ctx: asyncio.sleep(0))
    aws = await AwsClients.open(settings, max_pool_connections=settings.max_in_flight + settings.receivers + 8)
    queue = Queue(aws.sqs, url, visibility_timeout=60, wait_seconds=1)
    worker = Worker(
        service,
        None,
        queue=queue,
        publisher=EventPublisher(aws.events, "unused", linger=settings.publish_linger_seconds),
        settings=settings,
        metrics=Metrics("bench"),
    )
    print("READY", flush=True)
    running = asyncio.create_task(worker.run())
    while worker.stats["handled"] + worker.stats["failed"] + worker.stats["rejected"] < k:
        await asyncio.sleep(0.01)
        if running.done():
            break
    print("DONE " + json.dumps({"handled": worker.stats["handled"], "calls": queue.calls}), flush=True)
    worker.stop()
    await running
    await aws.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
