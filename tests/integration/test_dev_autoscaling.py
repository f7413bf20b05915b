"""The dev supervisor scales worker processes by the production policy, against the real emulator.

`orderflow dev --services inventory` runs in a subprocess with the repository's topology, its
cooldowns shortened (1 s out, 4 s in) so a test sees a whole cycle in seconds. The supervisor's
own files (supervisor.json, scaling.jsonl) are what the test reads, as the console does.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
import yaml

from orderflow.aws.publisher import EventPublisher
from orderflow.local.emulator import LOCAL_CREDENTIALS, free_port
from orderflow.local.runstate import RunState, ServiceState
from orderflow.settings import Settings
from tests.support import order_placed

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


@dataclass
class DevStack:
    endpoint: str
    state: RunState
    process: subprocess.Popen[bytes]
    log: Path

    def service(self, name: str) -> ServiceState | None:
        found = self.state.supervisor()
        return found.services.get(name) if found else None

    def wait(self, what: str, check: Callable[[], T | None], timeout: float) -> T:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (value := check()) is not None:
                return value
            if self.process.poll() is not None:
                pytest.fail(f"orderflow dev exited:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; last state: {self.service('inventory')}")


def _fast_topology(tmp_path: Path) -> Path:
    raw: dict[str, Any] = yaml.safe_load((REPO / "topology.yaml").read_text())
    raw["local"]["scaling"].update(scaleOutCooldownSeconds=1, scaleInCooldownSeconds=4)
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevStack]:
    emulator_port, api_port = free_port(), free_port()
    state_dir, log = tmp_path / "state", tmp_path / "dev.log"
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.update(
        LOCAL_CREDENTIALS,
        ORDERFLOW_LOG_FORMAT="json",
        ORDERFLOW_STATE_DIR=str(state_dir),
        ORDERFLOW_TOPOLOGY_PATH=str(_fast_topology(tmp_path)),
        ORDERFLOW_DEV_STATE_FILE=str(tmp_path / "dev-state.json"),
        ORDERFLOW_SHUTDOWN_DEADLINE_SECONDS="6",
        # Two messages at a time per worker: one worker at the default 40 drains the 120-order
        # backlog in about 2 s, before the second tick can scale it out (CI saw no scale-out at all).
        ORDERFLOW_MAX_IN_FLIGHT="2",
    )
    argv = ["dev", "--emulator-port", str(emulator_port), "--api-port", str(api_port), "--services", "inventory"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "orderflow", *argv], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    stack = DevStack(f"http://127.0.0.1:{emulator_port}", RunState(state_dir), process, log)
    try:
        stack.wait("the first tick", lambda: stack.service("inventory"), timeout=60)
        yield stack
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0, log.read_text()[-3000:]
    assert not list(stack.state.workers_dir.glob("inventory.*.json")), "every worker drained and removed its file"


async def _publish_orders(stack: DevStack, count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from orderflow.aws.clients import AwsClients

    for key, value in {**LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": stack.endpoint}.items():
        monkeypatch.setenv(key, value)
    settings = Settings(local_mode=True)
    aws = await AwsClients.open(settings)
    try:
        publisher = EventPublisher(aws.events, settings.bus)
        await publisher.publish([order_placed((("MOUSE-002", 1),)) for _ in range(count)])
    finally:
        await aws.close()


async def test_a_backlog_scales_inventory_out_and_back_in(dev: DevStack, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN inventory at its minimum, paused from the console so a backlog can build
    assert dev.wait("min workers", lambda: s if (s := dev.service("inventory")) and s.running == 1 else None, 20)
    dev.state.set_control("inventory", paused=True)
    dev.wait("paused", lambda: s if (s := dev.service("inventory")) and s.running == 0 else None, 20)
    # WHEN 120 orders wait (needs 6 at 20 per worker, local max 3) and consumption resumes
    await _publish_orders(dev, 120, monkeypatch)
    dev.wait("backlog seen", lambda: s if (s := dev.service("inventory")) and (s.visible or 0) >= 100 else None, 20)
    dev.state.set_control("inventory", paused=False)
    # THEN it scales out to its max with the reason, and the processes follow
    out = dev.wait("3 running", lambda: s if (s := dev.service("inventory")) and s.running == 3 else None, 30)
    assert {p.worker_id for p in out.processes if p.state == "running"} == {f"inventory-{n}" for n in range(3)}

    # AND once the queue is drained it scales back in to its minimum after the scale-in cooldown
    def drained() -> ServiceState | None:
        s = dev.service("inventory")
        return s if s and s.visible == s.in_flight == 0 and len(s.processes) == 1 else None

    back = dev.wait("scaled in and drained", drained, 90)
    assert (back.desired, back.running, [p.state for p in back.processes]) == (1, 1, ["running"])
    assert back.last_decision is not None
    decisions = [(d.action, d.from_, d.to) for d in dev.state.decisions(service="inventory")]
    assert ("scale_in", 1, 0) in decisions, "the pause"
    assert any(a == "scale_out" and to == 3 for a, _, to in decisions), decisions
    assert any(a == "scale_in" and to == 1 for a, _, to in decisions), decisions
    reasons = [d.reason for d in dev.state.decisions(service="inventory")]
    # "needs N": N is 6 for the full backlog, less if the resumed worker took some before the tick
    assert any(re.search(r"needs [4-6], capped at 3", r) for r in reasons), reasons
    # AND every order was handled: nothing stranded by the scale-in's drains
    sqs = boto3.client("sqs", endpoint_url=dev.endpoint, region_name="us-east-1", **_credentials())
    url = sqs.get_queue_url(QueueName="orderflow-inventory")["QueueUrl"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
    workers = dev.state.workers("inventory")
    assert sum(w.processed for w in workers) >= 1


def test_a_worker_killed_by_hand_is_replaced_under_its_name(dev: DevStack) -> None:
    # GIVEN inventory's one worker running
    first = dev.wait("a worker", lambda: _running_pid(dev), timeout=20)
    # WHEN it is killed with SIGKILL
    os.kill(first, signal.SIGKILL)
    # THEN a new process takes its place, named inventory-0 again, within a second or two
    began = time.monotonic()
    second = dev.wait("a replacement", lambda: p if (p := _running_pid(dev)) and p != first else None, timeout=10)
    assert second != first and time.monotonic() - began < 5
    state = dev.service("inventory")
    assert state is not None and [(p.worker_id, p.restarts) for p in state.processes] == [("inventory-0", 1)]


def _running_pid(stack: DevStack) -> int | None:
    state = stack.service("inventory")
    running = [p for p in state.processes if p.state == "running" and p.pid] if state else []
    return running[0].pid if len(running) == 1 else None


def _credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }
