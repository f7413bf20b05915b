"""B3 — latency and throughput of the local platform under open-loop load at fixed rates.

Orders are placed on a fixed schedule (not waiting for answers), each rate for a fixed time; then
the stack drains. Latency is acceptance -> ShipmentCreated from each order's own timeline.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import boto3
import httpx
import psutil

from bench.common import EMULATORS, BenchError, Table, peak_rss_mb, percentile, save
from bench.stack import Stack, order, place, shipped_after, status_counts


def _depths(stack: Stack, sqs: Any) -> dict[str, int]:
    assert stack.settings is not None
    out = {}
    for service in stack.settings.topology.services:
        url = sqs.get_queue_url(QueueName=stack.settings.queue_name(service))["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        out[service] = int(attrs["ApproximateNumberOfMessages"])
    return out


async def _try_place(client: httpx.AsyncClient, api_url: str) -> tuple[str, float] | None:
    """An open loop does not stop for a slow answer: a request that fails or times out is counted."""
    try:
        return await place(client, api_url)
    except (httpx.HTTPError, BenchError):
        return None


async def _open_loop(api_url: str, rate: float, seconds: float, progress: str) -> tuple[list[str], int]:
    ids: list[str] = []
    tasks: list[asyncio.Task[tuple[str, float] | None]] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200)) as client:
        began = time.monotonic()
        total = int(rate * seconds)
        for i in range(total):
            await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
            tasks.append(asyncio.create_task(_try_place(client, api_url)))
            if i % max(1, int(rate)) == 0:
                done = int(30 * (i + 1) / total)
                print(f"\r{progress} [{'#' * done}{'.' * (30 - done)}] {i + 1}/{total}", end="", flush=True)
        results = await asyncio.gather(*tasks)
    ids = [r[0] for r in results if r is not None]
    print(flush=True)
    return ids, len(results) - len(ids)


async def _latencies(api_url: str, ids: list[str]) -> list[float]:
    async with httpx.AsyncClient(timeout=30) as client:
        views = await asyncio.gather(*(order(client, api_url, i) for i in ids))
    return [s for v in views if (s := shipped_after(v)) is not None]


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    out = {}
    for name, pid in pids.items():
        t = psutil.Process(pid).cpu_times()
        out[name] = t.user + t.system
    return out


def main(argv: list[str] | None = None) -> list[Table]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[5, 10, 20, 30, 40])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--drain", type=float, default=60, help="seconds allowed for the backlog to clear")
    parser.add_argument("--emulator", nargs="+", choices=list(EMULATORS), default=list(EMULATORS))
    args = parser.parse_args(argv)
    tables = [_rates(kind, args) for kind in args.emulator]
    save("b3", tables, {"rates": args.rates, "seconds": args.seconds, "emulators": args.emulator})
    return tables


def _rates(kind: str, args: argparse.Namespace) -> Table:
    table = Table(
        f"B3 — open-loop load, {args.seconds:.0f} s per rate, {kind} emulator: acceptance -> shipped",
        ["offered orders/s", "shipped orders/s (during step)", "p50 s", "p95 s", "p99 s",
         "max queue depth (step end → drained)", "depth at end of step", "bounded", "CPU % emulator",
         "CPU % API", "CPU % busiest worker", "peak RSS MB API / largest worker"],
    )  # fmt: skip
    with Stack(emulator_kind=kind).start() as stack:
        for rate in args.rates:
            bounded = _step(stack, table, rate, args)
            print(table.markdown(), flush=True)
            if not bounded:
                break  # saturated well past the knee: higher rates only pile up more backlog
    bounded_rates = [row[0] for row in table.rows if row[7] == "yes"]
    if not table.rows:
        raise BenchError("no rate completed")
    table.notes = [
        f"highest rate with bounded backlogs: {max(bounded_rates) if bounded_rates else 'none'} orders/s",
        "bounded = every order shipped within the drain allowance and < 10 s of offered load queued at step end.",
        "CPU % is of one core over the step (100 % = a core saturated); each emulator process (moto) uses at most"
        " ~1 core. Split emulator (improved): main process (EventBridge, SQS, SES) + DynamoDB's process.",
        "One process per service (no scaling); the whole platform and the load generator share the machine's 2 cores.",
        "Wall-time figures are emulator-bound where the emulator's CPU % nears 100.",
    ]
    return table


def _step(stack: Stack, table: Table, rate: float, args: argparse.Namespace) -> bool:
    assert stack.emulator is not None and stack.emulator.process is not None
    sqs = boto3.client("sqs", endpoint_url=stack.emulator.url)
    emulators = {n: p.pid for n, p in stack.emulator.processes().items()}  # "emulator-dynamodb" when split
    pids = {**emulators, **{n: p.pid for n, p in stack.processes.items()}}
    shipped_before = status_counts(stack)["SHIPPED"]
    cpu0, t0 = _cpu(pids), time.monotonic()

    async def step() -> tuple[list[str], int]:
        return await _open_loop(stack.api_url, rate, args.seconds, f"B3 {rate:>4.0f}/s")

    ids, refused = asyncio.run(step())
    cpu1, t1 = _cpu(pids), time.monotonic()
    shipped_in_step = status_counts(stack)["SHIPPED"] - shipped_before
    end_depth = depth_max = sum(_depths(stack, sqs).values())
    deadline = time.monotonic() + args.drain
    while time.monotonic() < deadline and status_counts(stack)["SHIPPED"] < shipped_before + len(ids):
        depth_max = max(depth_max, sum(_depths(stack, sqs).values()))
        time.sleep(1)
    lat = asyncio.run(_latencies(stack.api_url, ids))
    util = {n: (cpu1[n] - cpu0[n]) / (t1 - t0) * 100 for n in pids}
    workers = {n: u for n, u in util.items() if n not in emulators and n != "api"}
    busiest = max(workers, key=lambda n: workers[n])
    rss = {n: peak_rss_mb(p) for n, p in pids.items() if n not in emulators}
    largest = max((n for n in rss if n != "api"), key=lambda n: rss[n])
    bounded = not refused and len(lat) == len(ids) and end_depth < 10 * rate
    table.add(
        rate, shipped_in_step / (t1 - t0), percentile(lat, 50), percentile(lat, 95), percentile(lat, 99),
        depth_max, end_depth,
        "yes" if bounded else f"no ({refused} POSTs failed, {len(ids) - len(lat)} unshipped after drain)",
        " + ".join(f"{util[n]:.0f}" for n in emulators), util["api"], f"{util[busiest]:.0f} ({busiest})",
        f"{rss['api']:.0f} / {rss[largest]:.0f} ({largest})",
    )  # fmt: skip
    return bounded


if __name__ == "__main__":
    main()
