"""`orderflow chaos`: start a stack, load it while killing workers and injecting faults, heal,
wait for quiescence, then account for every order."""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import structlog
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orderflow.chaos.accounting import Findings, Tables, account, emails
from orderflow.chaos.analytics import Analytics, check_analytics
from orderflow.chaos.config import ChaosConfig
from orderflow.chaos.load import Load
from orderflow.chaos.monkey import Monkey
from orderflow.chaos.stack import ChaosStack
from orderflow.local.stopsignal import StopSignal
from orderflow.ops.dlq import DeadLetters
from orderflow.ops.mail import mailbox

log = structlog.get_logger("orderflow.chaos")

# Invariants: the report fails if any of these counts is not zero.
INVARIANTS = (
    "lost",
    "stuck",
    "double-charged",
    "stock drift",
    "duplicate notifications",
    "missing notifications",
    "timeline duplicates",
    "timeline wrong",
    "charge wrong",
    "shipments wrong",
    "reservation wrong",
    "wrong outcome",
    "api disagrees",
    "replay mismatch",
    "outbox pending",
    "money drift",
    "shipped and cancelled",
    "analytics miscounted",
)


@dataclass
class ChaosReport:
    config: ChaosConfig
    findings: Findings = field(default_factory=Findings)
    accepted: int = 0
    failed_submissions: int = 0
    cancels: Counter[int] = field(default_factory=Counter)  # API answer to each cancel: 202 or 409
    signals: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    faults: Counter[str] = field(default_factory=Counter)  # by flavour
    redriven: int = 0
    dlq_after: int = 0
    quiesced: bool = False
    wall_seconds: float = 0.0
    emulator_peak_mib: float = 0.0  # the emulator process's VmHWM at the end of the run
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)  # 1/5/15 min, at the end of the run

    @property
    def ok(self) -> bool:
        return self.quiesced and self.dlq_after == 0 and not any(self.findings.counts[k] for k in INVARIANTS)

    def rows(self) -> list[tuple[str, str, bool]]:
        c = self.findings.counts
        other = sum(c[k] for k in INVARIANTS if k not in _SHOWN)
        injected = self.faults["before"] + self.faults["after"]
        dups = self.faults["duplicate"] + self.faults["partial"]
        return [
            ("submitted", f"{self.config.orders} ({self.failed_submissions} not accepted)", True),
            ("accepted", str(self.accepted), True),
            ("terminal", str(c["terminal"]), c["terminal"] >= self.accepted),
            *((label, str(c[key]), c[key] == 0) for label, key in _SHOWN.items()),
            ("other violations", str(other), other == 0),
            *self._cancel_rows(),
            ("DLQ after redrive", f"{self.dlq_after} (redrove {self.redriven})", self.dlq_after == 0),
            ("kills (SIGKILL)", str(self.signals["SIGKILL"]), True),
            ("graceful stops (SIGTERM)", str(self.signals["SIGTERM"]), True),
            ("restarts", str(self.restarts), True),
            ("faults injected", f"{injected} (before {self.faults['before']}, after {self.faults['after']})", True),
            (
                "duplicates injected",
                f"{dups} (redelivered {self.faults['duplicate']}, partial {self.faults['partial']})",
                True,
            ),
            ("quiescent", "yes" if self.quiesced else "NO", self.quiesced),
            ("wall time", f"{self.wall_seconds:.0f} s", True),
            ("emulator peak RSS", f"{self.emulator_peak_mib:.0f} MiB", True),
            ("load average at the end", " / ".join(f"{x:.1f}" for x in self.load_average), True),
        ]

    def _cancel_rows(self) -> list[tuple[str, str, bool]]:
        c, money = self.findings.counts, self.findings.figures
        net = money.get("charged", 0) - money.get("refunded", 0)
        return [
            (
                "cancels sent",
                f"{sum(self.cancels.values())} (202: {self.cancels[202]}, 409: {self.cancels[409]})",
                True,
            ),
            ("cancelled by customer", f"{c['cancelled by customer']} ({c['refunded']} refunded)", True),
            ("cancel refused, shipped", str(c["cancel refused (shipped)"]), True),
            (
                "cancels racing out of stock / decline",
                f"{c['cancel raced a failure']} (both cancellations published: {c['both cancellations published']})",
                True,
            ),
            ("emails (sent again by a retry)", f"{c['emails']} ({c['emails re-sent']})", True),
            (
                "charges − refunds",
                f"{net} (shipped totals {money.get('shipped totals', 0)})",
                c["money drift"] == 0,
            ),
        ]

    def table(self) -> Table:
        table = Table(title=f"chaos run: {self.config.orders} orders — {'PASS' if self.ok else 'FAIL'}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for label, value, good in self.rows():
            table.add_row(label, value if good else f"[bold red]{value}[/]")
        return table


_SHOWN = {
    "lost": "lost",
    "double-charged": "double-charged",
    "stock drift": "stock drift",
    "duplicate notifications": "duplicate notifications",
    "stuck": "stuck",
    "timeline duplicates": "timeline duplicates",
    "replay mismatches": "replay mismatch",
    "analytics miscounted": "analytics miscounted",
}


def run_chaos(
    config: ChaosConfig, workdir: Path, *, console: Console | None = None, stop_signal: StopSignal | None = None
) -> ChaosReport:
    console = console or Console(stderr=True)
    began, report = time.monotonic(), ChaosReport(config)
    stack = ChaosStack(config, workdir, stop_signal or StopSignal(SystemExit)).start()
    try:
        load = Load(config, stack.api_url)
        monkey = Monkey(config, stack.supervisor, stack.workers)
        monkey.start()
        try:
            _submit(load, monkey, stack, console)
        finally:
            monkey.halt()
        report.signals, report.accepted, report.failed_submissions = monkey.sent, load.accepted, load.failed
        report.cancels = Counter(s.cancel_status for s in load.submissions if s.cancel_status is not None)
        console.print("healing: faults off, workers restarted; waiting for quiescence")
        stack.heal()
        _quiesce(stack, config.quiesce_timeout)
        dead = DeadLetters(stack.settings, stack.emulator.url)
        report.redriven = sum(dead.redrive(service) for service in stack.settings.topology.services)
        report.quiesced = _quiesce(stack, config.quiesce_timeout)
        report.dlq_after = sum(row.dlq for row in dead.status())
        report.restarts = sum(child.restarts for child in stack.supervisor.children.values())
        report.faults = ledger_counts(stack.ledger)
        tables = Tables.read(stack.settings, stack.emulator.dynamodb_url)
        report.findings = account(
            load.submissions,
            tables,
            order_views(stack.api_url, config.api_key, [s.order_id for s in load.submissions if s.order_id]),
            {sku: units for sku, (_, _, units) in config.catalogue().items()},
        )
        check_analytics(Analytics.read(stack.settings, stack.emulator.dynamodb_url), tables, report.findings)
        emails(mailbox(stack.emulator.url), report.findings)
        # Both processes (DynamoDB is served apart), added up.
        report.emulator_peak_mib = sum(peak_rss_mib(p.pid) for p in stack.emulator.processes().values())
    finally:
        stack.stop()
        report.wall_seconds = time.monotonic() - began
        report.load_average = os.getloadavg()
    return report


def peak_rss_mib(pid: int | None) -> float:
    """A live process's peak resident set (VmHWM), from /proc (0 where there is none)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, TypeError):
        return 0.0
    return kib / 1024


def _submit(load: Load, monkey: Monkey, stack: ChaosStack, console: Console) -> None:
    columns = (
        TextColumn("[bold]orders"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("orders", total=load.config.orders, status="")

        def advance() -> None:
            stack.stop_signal.check()
            faults = ledger_counts(stack.ledger)
            status = (
                f"accepted {load.accepted} · kills {monkey.sent['SIGKILL']} · stops {monkey.sent['SIGTERM']}"
                f" · faults {faults['before'] + faults['after']} · dups {faults['duplicate'] + faults['partial']}"
            )
            bar.update(task, advance=1, status=status)

        load.run(advance)


def _quiesce(stack: ChaosStack, timeout: float) -> bool:
    """Every main queue empty (nothing visible, nothing in flight) for 5 readings in a row."""
    dead = DeadLetters(stack.settings, stack.emulator.url)
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 5:
        stack.stop_signal.check()
        stack.supervisor.check()
        busy = sum(row.visible + row.inFlight for row in dead.status())
        quiet = quiet + 1 if busy == 0 else 0
        if time.monotonic() > deadline:
            log.warning("not_quiescent", busy=busy)
            return False
        time.sleep(1)
    return True


def order_views(api_url: str, api_key: str, order_ids: list[str]) -> dict[str, dict[str, Any] | None]:
    """GET /orders/{id} of every order (None where the API does not answer 200). A 429 is waited
    out as its Retry-After says: 8 readers of a fast table exceed the API's per-key rate limit."""
    with httpx.Client(base_url=api_url, timeout=30, headers={"X-Api-Key": api_key}) as http:

        def view(order_id: str) -> tuple[str, dict[str, Any] | None]:
            for _ in range(60):
                response = http.get(f"/orders/{order_id}")
                if response.status_code != 429:
                    break
                time.sleep(float(response.headers.get("retry-after", "1")))
            if response.status_code != 200:
                log.warning("order_view_failed", orderId=order_id, status=response.status_code)
            return order_id, (response.json() if response.status_code == 200 else None)

        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(pool.map(view, order_ids))


def ledger_counts(path: Path) -> Counter[str]:
    """Injected faults by flavour, from every process's ledger lines."""
    counts: Counter[str] = Counter()
    if path.exists():
        for line in path.read_bytes().splitlines():
            if line.strip():
                counts[orjson.loads(line)["flavour"]] += 1
    return counts
