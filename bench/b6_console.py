"""B6 — the operator console: idle CPU, live-stream tick, page load and AWS requests per tick with
100,000 orders in the tables.

The console runs as its own process (`orderflow console --read-only`, as `orderflow dev` starts it)
against an emulator holding the platform's queues and tables and no workers (the platform idle).
100,000 orders are seeded straight into the analytics and orders tables in the item layout their
writers use (orderflow.analytics_table, orderflow.orders_table) — 5,000 a day over 20 days — not
through 100,000 API calls. AWS requests per tick come from the console's own botocore hooks
(GET /api/requests: every HTTP request and every operation by name), so a Scan would show by name.
The same figures are taken with 1,000 orders in the same run, on a fresh emulator: the in-run
baseline that shows what the table size changes (a page's reads do not grow with it).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import os
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx

from bench.common import BenchError, Table, child_env, cpu_seconds, median, python, save, start_emulator
from orderflow.analytics_table import CANCELLED, FUNNEL, RECENT_TTL, TOTAL_KEY, expires, recent_key
from orderflow.aws.dynamo import to_attrs
from orderflow.local.emulator import free_port
from orderflow.local.provision import provision
from orderflow.orders_table import order_key
from orderflow.settings import Settings

ORDERS = 100_000
BASELINE = 1_000  # the same figures with 100 times fewer orders, in the same run
DAYS = 20
PREFIX = "bench-console"


def _seed(url: str, settings: Settings, orders: int) -> float:
    """Write `orders` orders (recent-orders index + order status) and the stage totals; seconds taken."""
    started = time.monotonic()
    analytics, orders_table = settings.table_name("analytics"), settings.table_name("orders")
    now = datetime.now(UTC)
    per_day = max(1, orders // DAYS)

    def items(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
        order_id = str(uuid.UUID(int=i + 1))
        placed = now - timedelta(days=i // per_day, seconds=(i % per_day) * (86_400 / per_day))
        recent = {
            **recent_key(placed, order_id),
            **{"orderId": order_id, "placedAt": placed.isoformat(), "total": "42.00", "currency": "EUR"},
            **{"lines": 2, "expiresAt": expires(placed, RECENT_TTL)},
        }
        order = {**order_key(order_id), "status": "SHIPPED", "orderId": order_id}
        return recent, order

    def write(chunk: range) -> None:
        client = boto3.client("dynamodb", endpoint_url=url, region_name=settings.region)
        for start in range(chunk.start, chunk.stop, 12):
            requests: dict[str, list[dict[str, Any]]] = {analytics: [], orders_table: []}
            for i in range(start, min(start + 12, chunk.stop)):
                recent, order = items(i)
                requests[analytics].append({"PutRequest": {"Item": to_attrs(recent)}})
                requests[orders_table].append({"PutRequest": {"Item": to_attrs(order)}})
            pending: Any = requests
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or None

    step = orders // 8 + 1
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [range(s, min(s + step, orders)) for s in range(0, orders, step)]))
    client = boto3.client("dynamodb", endpoint_url=url, region_name=settings.region)
    totals = {stage: orders if stage in FUNNEL else 0 for stage in (*FUNNEL, *CANCELLED)}
    client.put_item(TableName=analytics, Item=to_attrs({**TOTAL_KEY, **totals}))
    return time.monotonic() - started


def _start_console(url: str, state: Path, port: int) -> subprocess.Popen[bytes]:
    env = child_env(AWS_ENDPOINT_URL=url, ORDERFLOW_RESOURCE_PREFIX=PREFIX, ORDERFLOW_STATE_DIR=str(state),
                    ORDERFLOW_LOCAL_MODE="true")  # fmt: skip
    command = [python(), "-m", "orderflow", "console", "--read-only", "--port", str(port), "--tick", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/requests", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise BenchError("the console did not answer within 30 s")


def _stream_intervals(base: str, seconds: float) -> list[float]:
    """Seconds between consecutive snapshot events of one live stream at the page's 1 s rate."""
    seen: list[float] = []
    with httpx.stream("GET", f"{base}/api/stream?every=1", timeout=seconds + 5) as response:
        started = time.monotonic()
        for line in response.iter_lines():
            if line.startswith("event: snapshot"):
                seen.append(time.monotonic())
            if time.monotonic() - started > seconds:
                break
    return [b - a for a, b in itertools.pairwise(seen)]


def _page_load(base: str) -> float:
    """What the overview page fetches when it opens: the page, a snapshot, the funnel, 25 recent orders."""
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=10) as client:
        for path in ("/", "/api/snapshot", "/api/funnel?window=24h", "/api/orders?limit=25"):
            client.get(path).raise_for_status()
    return time.monotonic() - started


def _requests(base: str) -> dict[str, Any]:
    return dict(httpx.get(f"{base}/api/requests", timeout=10).json())


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    return {k: v - before["aws"].get(k, 0) for k, v in after["aws"].items() if v - before["aws"].get(k, 0)}


def _page_loads(base: str, times: int) -> tuple[list[float], dict[str, float]]:
    """Page loads a funnel-cache period apart (each one reads the tables), and AWS calls per load."""
    loads, before = [], _requests(base)
    for _ in range(times):
        time.sleep(2.2)  # past the console's 2 s funnel cache: every load pays its own queries
        loads.append(_page_load(base))
    calls = _delta(before, _requests(base))
    calls.pop("GetQueueAttributes", None)  # the live tick's queue depths, not the page's reads
    calls.pop("total", None)
    return loads, {k: round(v / times, 2) for k, v in sorted(calls.items())}


@dataclass
class Measured:
    orders: int
    seeded_seconds: float
    idle_seconds: float
    idle_cpu: float
    ticks: int
    per_tick: dict[str, float]
    intervals: list[float]
    loads: list[float]
    per_load: dict[str, float]
    scans: int


def _measure(orders: int, idle_seconds: float) -> Measured:
    """A fresh emulator holding `orders` orders, the console against it, idle then loaded by pages."""
    emulator = start_emulator()
    try:
        os.environ["ORDERFLOW_RESOURCE_PREFIX"] = PREFIX
        settings = Settings(resource_prefix=PREFIX)
        provision(settings, endpoint_url=emulator.url)
        seeded = _seed(emulator.url, settings, orders)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as state:
            console = _start_console(emulator.url, Path(state), port)
            try:
                time.sleep(5)  # start-up and the first ticks
                first = _requests(base)
                before_cpu, before_req = cpu_seconds(console.pid), first
                time.sleep(idle_seconds)
                after_cpu, after_req = cpu_seconds(console.pid), _requests(base)
                intervals = _stream_intervals(base, 10)
                loads, per_load = _page_loads(base, 5)
                last = _requests(base)
            finally:
                console.terminate()
                console.wait(10)
    finally:
        emulator.stop()
    ticks = after_req["ticks"] - before_req["ticks"]
    ops = _delta(before_req, after_req)
    ops.pop("total", None)
    per_tick = {k: round(v / max(1, ticks), 2) for k, v in sorted(ops.items())}
    cpu = 100 * (after_cpu - before_cpu) / idle_seconds
    scans = _delta(first, last).get("Scan", 0)
    return Measured(orders, seeded, idle_seconds, cpu, ticks, per_tick, intervals, loads, per_load, scans)


def run(sizes: list[int], idle_seconds: float) -> list[Table]:
    runs = [_measure(n, idle_seconds) for n in sizes]
    table = Table(
        f"B6 — operator console with {' and '.join(f'{r.orders:,}' for r in runs)} orders in the tables, platform idle",
        ["figure", *[f"{r.orders:,} orders" for r in runs], "target"],
    )
    table.add("idle CPU, % of one core", *[round(r.idle_cpu, 2) for r in runs], "≤ 2")
    table.add(
        "live stream: longest gap between snapshots (s)", *[round(max(r.intervals), 2) for r in runs], "≤ 1 (+ jitter)"
    )
    table.add("live stream: median gap (s)", *[round(median(r.intervals), 2) for r in runs], "1")
    table.add(
        "page load: page + snapshot + funnel + 25 orders, median of 5 (s)",
        *[round(median(r.loads), 3) for r in runs],
        "< 1",
    )
    table.add("page load, slowest of 5 (s)", *[round(max(r.loads), 3) for r in runs], "< 1")
    table.add("AWS requests per tick (live stream, idle)", *[sum(r.per_tick.values()) for r in runs], "")
    table.add(
        "DynamoDB requests per page load (funnel + orders)",
        *[round(sum(r.per_load.values()), 2) for r in runs],
        "same at every size",
    )
    table.add("Scan calls during the run", *[r.scans for r in runs], "0")
    for r in runs:
        table.notes.append(
            f"{r.orders:,} orders: seeded in {r.seeded_seconds:.0f} s (BatchWriteItem, 8 threads); {r.ticks} ticks "
            f"in {r.idle_seconds:.0f} s idle, per tick: {_calls(r.per_tick)}; per page load: {_calls(r.per_load)}"
        )
    table.notes += [
        "Command: `make bench BENCH_ARGS=b6` (`python -m bench b6`; `--orders N [N ...]` for other sizes). Each size "
        "runs on a fresh emulator; the console process is started as `orderflow dev` starts it, `--read-only`, "
        "without a dev supervisor (so the tick reads every queue's depth itself: GetQueueAttributes).",
        "A page load is the page, a snapshot, the funnel over 24 h (one range query on the hour buckets, which "
        "hold every stage) and 25 orders (a Query of the day's index, one more per earlier day while today "
        "holds fewer than 25, and a BatchGetItem of their statuses), 2.2 s apart (past the console's 2 s "
        "funnel cache); the emulator answers them.",
    ]
    if any(r.scans for r in runs):
        raise BenchError(f"the console scanned a table: {[r.scans for r in runs]}")
    return [table]


def _calls(calls: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in calls.items()) or "none"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench b6", description=__doc__)
    parser.add_argument("--orders", type=int, nargs="+", default=[BASELINE, ORDERS])
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    save("b6_console", run(args.orders, args.idle_seconds), {"orders": args.orders})
