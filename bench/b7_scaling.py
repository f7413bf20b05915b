"""B7 — the dev supervisor's reaction to a burst: from the burst's first message to the first extra
worker process, against the bound "scale-out cooldown + one tick" (issue 10).

`orderflow dev --services inventory` runs with the repository's topology (local section: target 20
per worker, scale-out cooldown 5 s, scale-in 20 s, tick 1 s). Each run waits until inventory is
back at its minimum and idle, notes the wall time, publishes a burst of OrderPlaced events (the
first PutEvents is the first message), and reads supervisor.json until a second inventory process
is running; the extra process's own start time (ProcessInfo.startedAt) is the figure. The scaling
decision's time (scaling.jsonl) is reported beside it. Reaction time is emulator-bound only through
the supervisor's GetQueueAttributes call; the bound itself is a property of the policy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Table, save
from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.local.emulator import LOCAL_CREDENTIALS, free_port
from orderflow.local.runstate import RunState, ServiceState
from orderflow.settings import Settings
from tests.support import order_placed

SERVICE = "inventory"


def _start(workdir: Path) -> tuple[subprocess.Popen[bytes], str, RunState]:
    emulator_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.update(
        LOCAL_CREDENTIALS,
        ORDERFLOW_LOG_FORMAT="json",
        ORDERFLOW_STATE_DIR=str(workdir / "state"),
        ORDERFLOW_DEV_STATE_FILE=str(workdir / "dev-state.json"),
    )
    argv = ["dev", "--emulator-port", str(emulator_port), "--api-port", str(api_port), "--services", SERVICE]
    with (workdir / "dev.log").open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "orderflow", *argv], env=env, stdout=out, stderr=out)
    return process, f"http://127.0.0.1:{emulator_port}", RunState(workdir / "state")


def _service(state: RunState) -> ServiceState | None:
    found = state.supervisor()
    return found.services.get(SERVICE) if found else None


def _wait(state: RunState, check: str, timeout: float) -> ServiceState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = _service(state)
        idle = s is not None and s.visible == 0 and s.in_flight == 0 and len(s.processes) == s.min_workers
        if s is not None and (check == "idle" and idle and s.desired == s.min_workers):
            return s
        time.sleep(0.2)
    raise TimeoutError(f"inventory not {check} within {timeout} s: {_service(state)}")


async def _burst(endpoint: str, count: int) -> datetime:
    os.environ.update({**LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint})
    settings = Settings(local_mode=True)
    aws = await AwsClients.open(settings)
    try:
        events = [order_placed((("MOUSE-002", 1),)) for _ in range(count)]
        began = datetime.now(UTC)
        await EventPublisher(aws.events, settings.bus).publish(events)
        return began
    finally:
        await aws.close()


def _first_extra(state: RunState, after: datetime, timeout: float) -> tuple[datetime, datetime | None]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = _service(state)
        extra = [p for p in (s.processes if s else []) if p.started_at > after and p.state == "running"]
        if s is not None and s.running > s.min_workers and extra:
            decided = [d.at for d in state.decisions(service=SERVICE, since=after) if d.to > d.from_]
            return min(p.started_at for p in extra), min(decided, default=None)
        time.sleep(0.05)
    raise TimeoutError(f"no extra {SERVICE} worker within {timeout} s")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-b7-"))
    process, endpoint, state = _start(workdir)
    table = Table(
        "B7 — burst to first extra worker (orderflow dev, inventory)",
        ["run", "burst", "to scaling decision (s)", "to extra worker started (s)", "bound (s)", "within bound"],
    )
    try:
        first = _wait(state, "idle", 90)
        settings = Settings(local_mode=True)
        supervisor = state.supervisor()
        tick = supervisor.tick_seconds if supervisor else 1.0
        bound = first.scale_out_cooldown_seconds + tick
        for run in range(1, args.runs + 1):
            _wait(state, "idle", 180)
            began = asyncio.run(_burst(endpoint, args.burst))
            started, decided = _first_extra(state, began, 60)
            reaction = (started - began).total_seconds()
            to_decision = (decided - began).total_seconds() if decided else None
            table.add(run, args.burst, to_decision, reaction, bound, "yes" if reaction <= bound else "NO")
        table.notes = [
            f"target {first.target_backlog_per_worker} per worker, min {first.min_workers}, max {first.max_workers}, "
            f"scale-out cooldown {first.scale_out_cooldown_seconds} s, tick {tick:g} s "
            f"(topology local section; queue {settings.queue_name(SERVICE)})",
            "Each run starts from the minimum, idle; the first PutEvents of the burst is t = 0.",
        ]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    save("b7", [table], {"runs": args.runs, "burst": args.burst})


if __name__ == "__main__":
    main(sys.argv[1:])
