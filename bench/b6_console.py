"""B6 — the operator console: idle CPU, live-stream tick, page load and AWS requests per tick with
100,000 orders in the tables.

The console runs as its own process (`orderflow console --read-only`, as `orderflow dev` starts it)
against an emulator holding the platform's queues and tables and no workers (the platform idle).
100,000 orders are seeded straight into the analytics and orders tables in the item layout their
writers use (orderflow.analytics_table, orderflow.orders_table) — 5,000 a day over 20 days — not
through 100,000 API calls. AWS requests per tick come from the console's own botocore hooks
(GET /api/requests: every HTTP request and every operation by name), so a Scan would show by name.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx

from bench.common import BenchError, Table, child_env, cpu_seconds, median, python, save, start_emulator
from orderflow.analytics_table import CANCELLED, FUNNEL, RECENT_TTL, count_pk, expires, recent_key, total_key
from orderflow.aws.dynamo import to_attrs
from orderflow.local.emulator import free_port
from orderflow.local.provision import provision
from orderflow.orders_table import order_key
from orderflow.settings import Settings

ORDERS = 100_000
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
    for stage in (*FUNNEL, *CANCELLED):
        n = orders if stage in FUNNEL else 0
        client.put_item(TableName=analytics, Item=to_attrs({**total_key(stage), "n": n}))
    assert count_pk("placed")  # the layout's key helpers are the ones the console reads
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


def run(orders: int, idle_seconds: float) -> list[Table]:
    emulator = start_emulator()
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
            before_cpu, before_req = cpu_seconds(console.pid), httpx.get(f"{base}/api/requests").json()
            time.sleep(idle_seconds)
            after_cpu, after_req = cpu_seconds(console.pid), httpx.get(f"{base}/api/requests").json()
            intervals = _stream_intervals(base, 10)
            loads = [_page_load(base) for _ in range(5)]
        finally:
            console.terminate()
            console.wait(10)
    emulator.stop()
    ticks = after_req["ticks"] - before_req["ticks"]
    ops = {k: after_req["aws"].get(k, 0) - before_req["aws"].get(k, 0) for k in after_req["aws"]}
    per_tick = {k: round(v / max(1, ticks), 2) for k, v in sorted(ops.items()) if v}
    table = Table(
        f"B6 — operator console, {orders:,} orders in the tables, platform idle",
        ["figure", "measured", "target"],
    )
    table.add("idle CPU, % of one core", round(100 * (after_cpu - before_cpu) / idle_seconds, 2), "≤ 2")
    table.add("live stream: longest gap between snapshots (s)", round(max(intervals), 2), "≤ 1 (+ jitter)")
    table.add("live stream: median gap (s)", round(median(intervals), 2), "1")
    table.add("page load: page + snapshot + funnel + 25 orders, median of 5 (s)", round(median(loads), 3), "< 1")
    table.add("page load, slowest of 5 (s)", round(max(loads), 3), "< 1")
    table.add("AWS requests per tick (HTTP)", per_tick.pop("total", 0), "")
    table.add("Scan calls during the run", ops.get("Scan", 0), "0")
    table.notes += [
        f"{ticks} ticks in {idle_seconds:.0f} s idle; calls per tick: "
        + ", ".join(f"{k} {v}" for k, v in per_tick.items()),
        f"seeded {orders:,} orders into the analytics and orders tables in {seeded:.0f} s (BatchWriteItem).",
        "Page load includes the funnel over 24 h (7 key lookups and range queries) and 25 orders "
        "(one Query of the day's index, one BatchGetItem of statuses); the emulator answers them.",
    ]
    if ops.get("Scan", 0):
        raise BenchError(f"the console scanned a table: {ops}")
    return [table]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench b6", description=__doc__)
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    save("b6_console", run(args.orders, args.idle_seconds), {"orders": args.orders})
