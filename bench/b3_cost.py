"""B3's cost per order: the CPU each emulator process and the platform spend per shipped order at a
fixed, sustainable rate, and the AWS requests behind it — what bounds B3 on a small machine.

`python -m bench.b3_cost [--rate 3] [--orders 60] [--emulator improved plain]`. Prints one line per
emulator (not part of docs/benchmarks.md; bench/findings.md quotes it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import Counter

from bench.b3_latency import _latencies, _open_loop
from bench.common import EMULATORS, cpu_seconds, percentile
from bench.stack import Stack, status_counts


def measure(kind: str, rate: float, orders: int, drain: float) -> None:
    with Stack(emulator_kind=kind).start() as stack:
        assert stack.emulator is not None
        emulators = {name: p.pid for name, p in stack.emulator.processes().items()}
        time.sleep(3)
        before, cpu0 = stack.snapshot(), {n: cpu_seconds(p) for n, p in emulators.items()}
        ids, refused = asyncio.run(_open_loop(stack.api_url, rate, orders / rate, kind))
        time.sleep(drain)  # no polling meanwhile: the harness's own Scans would count as the emulator's
        cpu1, after = {n: cpu_seconds(p) for n, p in emulators.items()}, stack.snapshot()
        shipped = status_counts(stack)["SHIPPED"]
        spent = after.minus(before)
        requests: Counter[str] = Counter()
        for counter in spent.requests.values():
            for operation, count in counter.items():
                requests[operation.split(".")[0]] += count
        latencies = asyncio.run(_latencies(stack.api_url, ids))
        n = len(ids)
        emulator_ms = {name: round((cpu1[name] - cpu0[name]) * 1000 / n, 1) for name in emulators}
        print(
            f"{kind}: {n} orders at {rate}/s, {shipped} shipped, {refused} refused; accepted -> SHIPPED "
            f"p50 {percentile(latencies, 50):.3f} s, p99 {percentile(latencies, 99):.3f} s\n"
            f"  emulator CPU ms/order {emulator_ms}; platform CPU ms/order "
            f"{sum(spent.cpu.values()) * 1000 / n:.1f}; requests/order "
            f"{ {k: round(v / n, 1) for k, v in requests.items()} }; load {os.getloadavg()[0]:.2f}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=3)
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--drain", type=float, default=8, help="seconds after the last order before reading")
    parser.add_argument("--emulator", nargs="+", choices=list(EMULATORS), default=list(EMULATORS))
    args = parser.parse_args(argv)
    for kind in args.emulator:
        measure(kind, args.rate, args.orders, args.drain)


if __name__ == "__main__":
    main()
