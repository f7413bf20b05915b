"""The Worker's own CPU per message, without the SDK: B1's attribution tool, not a B1 figure.

The real `Worker` with B1's no-op handler, logging and metrics as in production, fed by a `Queue`
whose two AWS calls are replaced (receive answers prepared messages, a delete batch succeeds), so
what is timed is everything of ours between the SDK's answers: decode, validation, spans, logs,
metrics, tasks, the semaphore and the delete batcher. CPU by `time.process_time` over N messages,
so it resolves a few µs where B1's /proc ticks resolve ~20. The SDK's own cost per message is the
rest of B1's figure (bench/b1_consumers.py).

    python -m bench.worker_path [--messages 20000] [--repeat 5] [--tracing | --tracing-ab] [--uvloop]

`--tracing-ab` measures tracing's cost the way the machine's load cannot hide: off and on alternate
in one process (same bodies with trace context, same heap), and the answer is the median of the
pairwise differences.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence

from opentelemetry import trace

from bench.common import order_placed_body
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import OrderPlaced
from orderflow.observability import Metrics, configure_logging
from orderflow.settings import Settings
from workers.bootstrap import settle_heap
from workers.runtime.messages import Received
from workers.runtime.queue import Queue
from workers.runtime.service import Outcome, ServiceDefinition
from workers.runtime.worker import Worker

_GET_PROVIDER = trace.get_tracer_provider


async def noop(event: OrderPlaced, deps: object) -> Outcome:
    return []


class PreparedQueue(Queue):
    """The runtime's Queue and its delete batcher; the SQS calls answer at once, from memory."""

    def __init__(self, bodies: list[str], total: int) -> None:
        super().__init__(None, "http://memory/000000000000/worker-path", visibility_timeout=60, wait_seconds=1)  # type: ignore[arg-type]
        self._bodies = itertools.cycle(bodies)
        self._ids = itertools.count()
        self._left = total
        self.deleted = 0
        self.done = asyncio.Event()

    async def receive(self, max_messages: int) -> list[Received]:
        await asyncio.sleep(0)  # a real receive yields to the loop at least once
        n = min(max_messages, 10, self._left)
        self._left -= n
        if not n:
            await self.done.wait()
            return []
        sent = int(time.time() * 1000)
        messages = []
        for _ in range(n):
            i = next(self._ids)
            messages.append(
                Received.from_sqs(
                    {
                        "MessageId": f"m-{i}",
                        "ReceiptHandle": f"r-{i}",
                        "Body": next(self._bodies),
                        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(sent)},
                    },
                    self.visibility_timeout,
                )
            )
        return messages

    async def _delete_batch(self, handles: list[str]) -> Sequence[BaseException | None]:
        await asyncio.sleep(0)
        self.deleted += len(handles)
        if self.deleted >= self.total:
            self.done.set()
        return [None] * len(handles)

    total = 0


async def one_run(messages: int, bodies: list[str]) -> float:
    settings = Settings(local_mode=True, log_format="json", heartbeat_dir=tempfile.gettempdir())
    service = ServiceDefinition("bench", {OrderPlaced: noop}, build_deps=lambda ctx: asyncio.sleep(0))
    queue = PreparedQueue(bodies, messages)
    queue.total = messages
    worker = Worker(
        service,
        None,
        queue=queue,
        publisher=EventPublisher(None, "unused"),  # type: ignore[arg-type]
        settings=settings,
        metrics=Metrics("bench"),
    )
    before = time.process_time()
    running = asyncio.create_task(worker.run())
    await queue.done.wait()
    spent = time.process_time() - before
    worker.stop()
    await running
    return spent / messages * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tracing", action="store_true", help="install the tracer provider as `orderflow dev` does")
    parser.add_argument("--tracing-ab", action="store_true", help="alternate tracing off and on in one process")
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--no-settle", action="store_true", help="leave the collector as Python sets it")
    args = parser.parse_args(argv)
    settings = Settings(local_mode=True, log_format="json")
    configure_logging(settings, service="bench")
    if args.tracing or args.tracing_ab:
        from orderflow.tracing import configure_tracing  # noqa: PLC0415 - only when asked

        os.environ.setdefault("ORDERFLOW_STATE_DIR", tempfile.mkdtemp(prefix="bench-worker-path-"))
        configure_tracing(Settings(local_mode=True, tracing_enabled=True), service="bench")
    from bench.b1_tracing import traced_body  # noqa: PLC0415 - bodies as a traced producer sends them

    bodies = [traced_body() if args.tracing or args.tracing_ab else order_placed_body(5) for _ in range(50)]
    if not args.no_settle:
        settle_heap()  # as `orderflow worker` does before its first message
    if args.tracing_ab:
        _tracing_ab(args, bodies)
        return
    results = [_run(args, bodies) for _ in range(args.repeat)]
    print(
        f"worker path: median {statistics.median(results):.1f} µs/msg of CPU "
        f"(runs {', '.join(f'{r:.1f}' for r in results)})",
        file=sys.__stdout__,
        flush=True,
    )


def _run(args: argparse.Namespace, bodies: list[str]) -> float:
    if args.uvloop:
        import uvloop  # noqa: PLC0415 - only when asked

        return uvloop.run(one_run(args.messages, bodies))
    return asyncio.run(one_run(args.messages, bodies))


def _tracing_ab(args: argparse.Namespace, bodies: list[str]) -> None:
    """Off: the Worker sees no provider installed (OpenTelemetry's proxy), as with tracing off."""
    installed, proxy = trace.get_tracer_provider(), trace.ProxyTracerProvider()
    off, on = [], []
    try:
        for _ in range(args.repeat):
            trace.get_tracer_provider = lambda: proxy  # bench only: the process keeps its provider
            off.append(_run(args, bodies))
            trace.get_tracer_provider = lambda: installed
            on.append(_run(args, bodies))
    finally:
        trace.get_tracer_provider = _GET_PROVIDER
    diffs = [b - a for a, b in zip(off, on, strict=True)]
    print(
        f"worker path, tracing off / on: medians {statistics.median(off):.1f} / {statistics.median(on):.1f} µs/msg, "
        f"pairwise median {statistics.median(diffs):+.1f} µs/msg "
        f"(pairs {', '.join(f'{a:.1f}/{b:.1f}' for a, b in zip(off, on, strict=True))})",
        file=sys.__stdout__,
        flush=True,
    )


if __name__ == "__main__":
    main()
