"""What every benchmark shares: the emulator, OS CPU readings, medians, tables, and loud failure."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import psutil

from orderflow.contracts.events import OrderLine, OrderPlaced, OrderPlacedData
from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / ".bench"  # raw results per benchmark (JSON), gathered into docs/benchmarks.md


class BenchError(RuntimeError):
    """A run that did not do what it had to (messages lost, a process died): the benchmark fails."""


# How each emulator the benchmarks start serves connections: `keep-alive` is the emulator local
# mode and the tests use (waitress); `close` is moto's own werkzeug server, which answers
# `Connection: close` to every request, as every local figure before December 2026 was measured.
SERVERS: dict[str, Literal["waitress", "werkzeug"]] = {"keep-alive": "waitress", "close": "werkzeug"}


# The platform-level benchmarks (B3) run on both: "plain" is the emulator as it was before our SQS,
# DynamoDB-by-key, routing and JSONPath fixes, keep-alive and the split (one moto process on moto's
# server; DynamoDB isolation and transaction fixes kept). "improved" is local mode's: DynamoDB served
# by a second process (Emulator(split=True)). Each: (connections, patches left out, split).
EMULATORS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "improved": ("keep-alive", (), True),
    "plain": ("close", ("sqs_index", "query_by_partition", "routing", "events_delivery"), False),
}


def _endpoint_variable(key: str) -> bool:
    return key == "AWS_ENDPOINT_URL" or key.startswith("AWS_ENDPOINT_URL_")


def start_emulator(connections: str = "keep-alive", *, without: tuple[str, ...] = (), split: bool = False) -> Emulator:
    os.environ.update(LOCAL_CREDENTIALS)
    for key in [k for k in os.environ if _endpoint_variable(k)]:
        os.environ.pop(key)
    return Emulator(free_port(), server=SERVERS[connections], without=without, split=split).start()


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _endpoint_variable(k)}
    env.update(LOCAL_CREDENTIALS)
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def cpu_seconds(pid: int, *, tree: bool = False) -> float:
    """user + sys of a live process (and its live children when `tree`), read from /proc by psutil."""
    process = psutil.Process(pid)
    procs = [process, *(process.children(recursive=True) if tree else [])]
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def peak_rss_mb(pid: int, *, tree: bool = False) -> float:
    """VmHWM (peak resident set since exec) from /proc, summed over the tree when asked. Not wait4's
    ru_maxrss: that keeps the forking parent's pre-exec size as a floor."""
    process = psutil.Process(pid)
    total = 0
    for proc in [process, *(process.children(recursive=True) if tree else [])]:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return total / 1024


@dataclass
class Exited:
    code: int
    cpu_seconds: float  # whole process lifetime, including reaped children
    max_rss_mb: float


def wait_exit(process: subprocess.Popen[Any], timeout: float) -> Exited:
    """Reap a child with wait4, which answers its whole-life rusage (user, sys, peak RSS)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return Exited(process.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
        time.sleep(0.05)
    process.kill()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    raise BenchError(f"process {process.args!r} did not exit within {timeout:.0f} s (killed)")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *row: Any) -> None:
        self.rows.append(list(row))

    def markdown(self) -> str:
        def cell(value: Any) -> str:
            if isinstance(value, float):
                return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
            return str(value)

        lines = [f"| {' | '.join(self.columns)} |", f"|{'|'.join('---' for _ in self.columns)}|"]
        lines += [f"| {' | '.join(cell(v) for v in row)} |" for row in self.rows]
        return "\n".join([f"### {self.title}", "", *lines, "", *[f"- {n}" for n in self.notes]]).rstrip() + "\n"

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "notes": self.notes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        return cls(data["title"], data["columns"], data["rows"], data["notes"])


LOAD_AT_START = os.getloadavg()[0]


def save(name: str, tables: list[Table], meta: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    meta = {**meta, "load": [LOAD_AT_START, os.getloadavg()[0]]}
    payload = {"meta": meta, "tables": [t.to_json() for t in tables]}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=1, default=str))
    for table in tables:
        print("\n" + table.markdown(), flush=True)


def load_average() -> float:
    return os.getloadavg()[0]


def order_placed_body(lines: int = 4) -> str:
    """An EventBridge-delivered OrderPlaced (the full event JSON, envelope in `detail`), ≈ 1 KB."""
    order_id = uuid.uuid4()
    skus = ["LAPTOP-001", "MOUSE-002", "KEYBOARD-003", "MONITOR-004", "HEADSET-005"]
    items = tuple(OrderLine(sku=skus[i % 5], quantity=1 + i, unit_price=Decimal("25.50")) for i in range(lines))
    event = OrderPlaced.create(
        OrderPlacedData(
            order_id=order_id,
            customer_email="student@example.com",
            currency="USD",
            items=items,
            total=sum((i.unit_price * i.quantity for i in items), Decimal(0)),
        ),
        correlation_id=order_id,
    )
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": event.event_type,
            "source": event.source,
            "account": "123456789012",
            "time": event.occurred_at.isoformat(),
            "region": "us-east-1",
            "resources": [],
            "detail": event.model_dump(mode="json"),
        }
    )


def python() -> str:
    return sys.executable
