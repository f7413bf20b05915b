"""B2 (billed AWS units per order) and B5 (CPU per order): the same runs, optimised vs naive runtime.

Each configuration gets a fresh platform. Gentle: orders one per second (batches stay small).
Bursty: a burst placed at once, so queues hold a backlog of ≥ 10. Requests are counted in every
process (bench.instrument); CPU is read from /proc per process; the emulator is excluded.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import httpx

from bench.common import Table, load_average, save
from bench.stack import Snapshot, Stack, item_sizes, place, wait_shipped
from bench.units import PRICING_SOURCE, dollars_per_million, settle_updates

SERVICES = ("api", "inventory", "payment", "shipping", "notification", "orders")


async def _gentle(api_url: str, count: int, rate: float) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(count):
            began = time.monotonic()
            await place(client, api_url)
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - began)))


async def _burst(api_url: str, count: int) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        slots = asyncio.Semaphore(20)

        async def one() -> None:
            async with slots:
                await place(client, api_url)

        await asyncio.gather(*(one() for _ in range(count)))


SIZES: dict[str, dict[str, int]] = {}  # config -> "table kind" -> largest item (bytes), after its last run
BURST_SECONDS: dict[str, list[float]] = {"optimised": [], "naive": []}  # wall time of each bursty phase
IDLE_SECONDS = 10
NET = "bursty net of idle"


def run_config(naive: bool, gentle: int, burst: int) -> dict[str, Snapshot]:
    """One fresh platform: the gentle phase, 10 s idle, the bursty phase; each phase's snapshot, and
    the bursty one's CPU net of idle (each process's idle CPU per second times the burst's wall time:
    idle polling and heartbeats cost per second, not per order, and a loaded machine stretches the burst)."""
    cfg = "naive" if naive else "optimised"
    with Stack(naive=naive).start() as stack:
        phases: dict[str, Snapshot] = {}
        before = stack.snapshot()
        asyncio.run(_gentle(stack.api_url, gentle, rate=1.0))
        wait_shipped(stack, gentle, 180)
        time.sleep(3)  # notifications and projections settle
        middle = stack.snapshot()
        phases["gentle"] = middle.minus(before)
        began = time.monotonic()
        time.sleep(IDLE_SECONDS)
        idle = stack.snapshot()
        idle_rate = {k: v / (time.monotonic() - began) for k, v in idle.minus(middle).cpu.items()}
        began = time.monotonic()
        asyncio.run(_burst(stack.api_url, burst))
        wait_shipped(stack, gentle + burst, 400)
        time.sleep(3)
        phases["bursty"] = stack.snapshot().minus(idle)
        seconds = time.monotonic() - began
        BURST_SECONDS[cfg].append(seconds)
        net = {k: v - idle_rate.get(k, 0.0) * seconds for k, v in phases["bursty"].cpu.items()}
        phases[NET] = replace(phases["bursty"], cpu=net)
        SIZES[cfg] = item_sizes(stack)
        for snap in phases.values():  # updates bill the item's size, known only now
            snap.units = {name: Counter(settle_updates(units, SIZES[cfg])) for name, units in snap.units.items()}
        return phases


def run_pairs(pairs: int, gentle: int, burst: int) -> tuple[dict[str, dict[str, Snapshot]], Table]:
    """`pairs` optimised/naive pairs, alternating which goes first (a machine's load drifts); each
    phase summed over the runs, and a table of each pair's B5 ratio and their median."""
    runs: dict[str, list[dict[str, Snapshot]]] = {"optimised": [], "naive": []}
    table = Table(
        "B5 — each optimised/naive pair (bursty, CPU ms per order net of idle, all processes)",
        ["pair", "first", "load at start", "optimised", "naive", "optimised ÷ naive", "control: API optimised ÷ naive"],
    )
    ratios = []
    for pair in range(pairs):
        order = ("optimised", "naive") if pair % 2 == 0 else ("naive", "optimised")
        load = load_average()
        for cfg in order:
            runs[cfg].append(run_config(cfg == "naive", gentle, burst))
        ms = {cfg: sum(runs[cfg][-1][NET].cpu.values()) / burst * 1000 for cfg in order}
        api = {cfg: runs[cfg][-1][NET].cpu.get("api", 0.0) for cfg in order}
        ratios.append(ms["optimised"] / ms["naive"])
        control = f"{api['optimised'] / api['naive']:.1%}" if api["naive"] else "–"
        table.add(pair + 1, order[0], f"{load:.1f}", ms["optimised"], ms["naive"], f"{ratios[-1]:.1%}", control)
    table.notes.append(
        f"Median of the {pairs} pairs' ratios: **{statistics.median(ratios):.1%}** (the issue's B5 target: ≤ 50 %). "
        "Single runs of one commit have ranged widely on this shared 2-core machine (49.7 % and 95.1 % minutes "
        "apart, 3 December 2026); the other B2/B5 tables sum every run."
    )
    table.notes.append(
        "Control: the API does the same work in both shapes (the runtime switches do not reach it), so its "
        "ratio should read ≈ 100 %; far from it, what the same work costs moved between the pair's two runs "
        "(the shared machine's speed, or how hard the burst's other processes contended with it), and the "
        "pair's ratio with it."
    )
    summed = {cfg: {phase: _sum(r[phase] for r in cfg_runs) for phase in cfg_runs[0]} for cfg, cfg_runs in runs.items()}
    return summed, table


def _sum(snapshots: Iterable[Snapshot]) -> Snapshot:
    total, *rest = snapshots
    for snap in rest:
        total = total.plus(snap)
    return total


def _by_operation(snap: Snapshot) -> tuple[Counter[str], Counter[str]]:
    requests: Counter[str] = Counter()
    units: Counter[str] = Counter()
    for name in snap.requests:
        requests.update(snap.requests[name])
        units.update(snap.units[name])
    return requests, units


def main(argv: list[str] | None = None) -> list[Table]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gentle", type=int, default=20, help="orders at 1/s")
    parser.add_argument("--burst", type=int, default=40, help="orders placed at once")
    parser.add_argument("--pairs", type=int, default=3, help="optimised/naive runs, alternating which goes first")
    args = parser.parse_args(argv)
    results, pairs = run_pairs(args.pairs, args.gentle, args.burst)
    counts = {"gentle": args.gentle * args.pairs, "bursty": args.burst * args.pairs}
    tables = [
        _units_table(results, counts),
        _process_table(results, counts),
        _detail_table(results, counts),
        _cpu_table(results, counts),
        pairs,
    ]
    raw = {cfg: {ph: s.__dict__ for ph, s in phases.items()} for cfg, phases in results.items()}
    save("b2_b5", tables, {"gentle": args.gentle, "burst": args.burst, "pairs": args.pairs, "raw": raw})
    return tables


def _service_units(units: Counter[str], orders: int) -> dict[str, float]:
    out: Counter[str] = Counter()
    for key, n in units.items():
        service, _, unit = key.split(".")
        label = {"sqs": "SQS requests", "events": "EventBridge events", "dynamodb": f"DynamoDB {unit}"}.get(service)
        out[label or f"{service} {unit}"] += n
    return {k: v / orders for k, v in out.items()}


def _units_table(results: dict[str, dict[str, Snapshot]], counts: dict[str, int]) -> Table:
    table = Table(
        "B2 — billed AWS units per completed order (client-side counts, all processes)",
        ["load", "runtime", "SQS requests", "EventBridge events", "DynamoDB WRU", "DynamoDB RRU", "AWS requests",
         "$ per million orders"],
    )  # fmt: skip
    for phase, orders in counts.items():
        for cfg in ("optimised", "naive"):
            requests, units = _by_operation(results[cfg][phase])
            per = _service_units(units, orders)
            table.add(
                f"{phase} ({orders} orders)", cfg, per.get("SQS requests", 0.0), per.get("EventBridge events", 0.0),
                per.get("DynamoDB WRU", 0.0), per.get("DynamoDB RRU", 0.0), sum(requests.values()) / orders,
                dollars_per_million(per),
            )  # fmt: skip
    table.notes += [
        f"$ per million orders: the billed units above at {PRICING_SOURCE}.",
        "Not in the $ column: EventBridge's own SendMessage to each subscribed queue (billed to SQS, invisible "
        "client-side: 17 per shipped order with today's topology, $6.80 per million orders, equal in both shapes), "
        "SES email (3 per shipped order, $0.10 per 1,000: $300 per million orders), Fargate, storage, data transfer.",
    ]
    return table


def _process_table(results: dict[str, dict[str, Snapshot]], counts: dict[str, int]) -> Table:
    table = Table(
        "B2 — DynamoDB units and $ per order, by process (bursty)",
        ["process", "optimised WRU", "optimised RRU", "optimised $/M orders", "naive WRU", "naive RRU",
         "naive $/M orders"],
    )  # fmt: skip
    orders = counts["bursty"]
    for name in results["optimised"]["bursty"].units:
        row: list[Any] = [name]
        for cfg in ("optimised", "naive"):
            per = _service_units(results[cfg]["bursty"].units.get(name, Counter()), orders)
            row += [per.get("DynamoDB WRU", 0.0), per.get("DynamoDB RRU", 0.0), dollars_per_million(per)]
        table.add(*row)
    for cfg, sizes in SIZES.items():
        largest = ", ".join(f"{kind} {size:,}" for kind, size in sorted(sizes.items()))
        table.notes.append(f"Largest item per table and kind after the {cfg} run (bytes, as billed): {largest}.")
    return table


def _detail_table(results: dict[str, dict[str, Snapshot]], counts: dict[str, int]) -> Table:
    table = Table("B2 — per operation, units per order", ["operation · unit", *[
        f"{cfg} {phase}" for phase in counts for cfg in ("optimised", "naive")]])  # fmt: skip
    keys: set[str] = set()
    for phases in results.values():
        for snap in phases.values():
            keys.update(_by_operation(snap)[1])
    for key in sorted(keys):
        row: list[Any] = [key]
        for phase, orders in counts.items():
            for cfg in ("optimised", "naive"):
                row.append(_by_operation(results[cfg][phase])[1].get(key, 0) / orders)
        table.add(*row)
    return table


def _cpu_table(results: dict[str, dict[str, Snapshot]], counts: dict[str, int]) -> Table:
    table = Table(
        "B5 — CPU ms per completed order, by process (user+sys from /proc; emulator excluded; every run summed)",
        ["load", "runtime", *SERVICES, "total (all processes)", "optimised ÷ naive", "six above", "optimised ÷ naive"],
    )
    for phase, orders in (*counts.items(), (NET, counts["bursty"])):
        cpu = {cfg: results[cfg][phase].cpu for cfg in ("optimised", "naive")}
        _cpu_rows(table, f"{phase} ({orders} orders)", cpu, orders)
    walls = {cfg: ", ".join(f"{s:.0f}" for s in seconds) for cfg, seconds in BURST_SECONDS.items()}
    table.notes.append(
        f"Net of idle: each process's CPU per second while idle (measured for {IDLE_SECONDS} s before each burst) "
        f"times that burst's wall time (optimised {walls['optimised']} s, naive {walls['naive']} s) taken off: idle "
        "polling and heartbeats cost per second, not per order, and a loaded machine stretches the burst."
    )
    table.notes.append("The issue's B5 target reads optimised ÷ naive ≤ 50 %; 'six above' is the API and the five "
                       "saga workers (the processes B5 had when the target was set).")  # fmt: skip
    return table


def _cpu_rows(table: Table, label: str, cpu: dict[str, dict[str, float]], orders: int) -> None:
    totals = {cfg: sum(cpu[cfg].values()) / orders * 1000 for cfg in cpu}
    six = {cfg: sum(cpu[cfg].get(s, 0.0) for s in SERVICES) / orders * 1000 for cfg in cpu}
    for cfg in ("optimised", "naive"):
        share = f"{totals['optimised'] / totals['naive']:.1%}" if cfg == "optimised" else ""
        share_six = f"{six['optimised'] / six['naive']:.1%}" if cfg == "optimised" else ""
        table.add(label, cfg, *[cpu[cfg].get(s, 0.0) / orders * 1000 for s in SERVICES],
                  totals[cfg], share, six[cfg], share_six)  # fmt: skip


if __name__ == "__main__":
    main()
