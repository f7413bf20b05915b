"""B4 — API overhead: POST /orders at a fixed concurrency; total latency, and the part spent outside
AWS calls (the API process's own time inside botocore requests, counted by bench.instrument)."""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from bench.common import Table, percentile, save
from bench.stack import Stack, place


async def _load(api_url: str, total: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                latencies.append((await place(client, api_url))[1])

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - began


def main(argv: list[str] | None = None) -> list[Table]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args(argv)
    table = Table(
        "B4 — POST /orders: API latency and its own overhead (workers stopped; the API and emulator only)",
        ["concurrency", "requests/s", "p50 ms", "p99 ms", "mean ms", "inside AWS calls ms/req", "AWS calls/req",
         "API overhead ms/req (mean − AWS)", "API CPU ms/req"],
    )  # fmt: skip
    with Stack().start(workers=False) as stack:
        asyncio.run(_load(stack.api_url, 20, 4))  # warm-up
        for concurrency in args.concurrency:
            before = stack.snapshot()
            latencies, seconds = asyncio.run(_load(stack.api_url, args.requests, concurrency))
            delta = stack.snapshot().minus(before)
            n = len(latencies)
            mean_ms = sum(latencies) / n * 1000
            aws_ms = delta.botocore_seconds["api"] / n * 1000
            table.add(
                concurrency, n / seconds, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000,
                mean_ms, aws_ms, delta.calls["api"] / n, mean_ms - aws_ms, delta.cpu["api"] / n * 1000,
            )  # fmt: skip
    table.notes = [
        "Inside AWS calls = wall time between botocore's before-call and after-call in the API process, summed",
        "and divided by requests. The outbox publish runs after the response and concurrent calls overlap, so",
        "mean − AWS can go negative: then read the API's CPU per request instead (its own cost, AWS calls included).",
        "Latency is emulator-bound: each AWS call pays moto's ~10–80 ms; the overhead column is the API's own.",
    ]
    save("b4", [table], {"requests": args.requests, "concurrency": args.concurrency})
    return [table]


if __name__ == "__main__":
    main()
