"""Graceful shutdown: in-flight handlers finish, received-but-not-started messages are released at
once, nothing is lost; and the real process exits 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import OrderPlaced
from orderflow.local.emulator import Emulator
from orderflow.settings import Settings
from orderflow.workerstatus import WorkerStatus
from tests.support import eventbridge_body, eventually, order_placed, order_placed_worker, queue_depth, queue_url
from workers.runtime import ServiceContext, ServiceDefinition
from workers.runtime.queue import Queue
from workers.runtime.worker import Worker


async def test_sigterm_mid_batch_finishes_in_flight_and_releases_the_rest(aws: AwsClients, settings: Settings) -> None:
    # GIVEN a slow service that can run 2 handlers at a time, and 8 messages waiting
    started: list[str] = []
    finished: list[str] = []

    async def slow(event: OrderPlaced, deps: Any) -> list[Any]:
        started.append(str(event.event_id))
        await asyncio.sleep(1.5)
        finished.append(str(event.event_id))
        return []

    async def no_deps(ctx: ServiceContext) -> None:
        return None

    service = ServiceDefinition("slow", {OrderPlaced: slow}, no_deps)
    url = await queue_url(aws, settings.queue_name("inventory"))
    for _ in range(8):
        await aws.sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(order_placed()))
    tuned = settings.model_copy(update={"max_in_flight": 2, "receivers": 1})
    worker = Worker(
        service,
        None,
        queue=Queue(aws.sqs, url, visibility_timeout=30, wait_seconds=1),
        publisher=EventPublisher(aws.events, settings.bus),
        settings=tuned,
    )
    running = asyncio.create_task(worker.run())
    await eventually(lambda: _true(len(started) == 2))
    # WHEN the worker is told to stop mid-batch
    began = time.monotonic()
    worker.stop()
    await asyncio.wait_for(running, timeout=15)
    # THEN the two in flight finished (and were deleted), the rest came back at once
    assert sorted(finished) == sorted(started) and len(finished) == 2
    # Every one not started was released; a long poll still parked may take released ones straight
    # back (SQS hands a message made visible to a waiting poll at once) and release them again.
    assert worker.stats["released"] >= worker.stats["received"] - 2
    assert time.monotonic() - began < 5
    response = await aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    assert len(response.get("Messages", [])) == 6  # visible now, not after the 30 s timeout


async def _true(value: bool) -> bool:
    return value


async def test_slow_handler_keeps_its_message_hidden_past_the_visibility_timeout(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN a handler slower than the queue's visibility timeout (2 s)
    calls = 0

    async def slow(event: OrderPlaced, deps: Any) -> list[Any]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(4)
        return []

    url = await queue_url(aws, settings.queue_name("inventory"))
    await aws.sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(order_placed()))
    worker = order_placed_worker(aws, settings, url, slow, visibility_timeout=2)
    running = asyncio.create_task(worker.run())
    await eventually(lambda: _true(worker.stats["handled"] == 1), timeout=10)
    worker.stop()
    await running
    # THEN the heartbeat extended it, so no second worker (or receiver) got it meanwhile
    assert calls == 1
    assert worker.stats["visibility_extended"] >= 2
    assert await queue_depth(aws, url) == 0


@pytest.mark.parametrize("worker_id", [None, "inventory-1"], ids=["container", "supervised"])
def test_worker_process_exits_zero_on_sigterm_and_reports_health(
    emulator: Emulator, settings: Settings, provisioned: object, worker_id: str | None
) -> None:
    # A container's worker has no id: its heartbeat is in ORDERFLOW_HEARTBEAT_DIR. The supervisor
    # names its workers: the heartbeat is then the status file under the state folder.
    env = {
        **os.environ,
        "ORDERFLOW_LOCAL_MODE": "true",
        "ORDERFLOW_HEARTBEAT_DIR": str(settings.heartbeat_dir),
        "ORDERFLOW_STATE_DIR": str(settings.state_dir),
        "ORDERFLOW_LOG_FORMAT": "json",
        **({"ORDERFLOW_WORKER_ID": worker_id} if worker_id else {}),
    }
    status_file = settings.model_copy(update={"worker_id": worker_id}).heartbeat_file("inventory")
    health = [sys.executable, "-m", "orderflow", "health", "inventory"]
    with subprocess.Popen(
        [sys.executable, "-m", "orderflow", "worker", "inventory"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            deadline = time.monotonic() + 20
            while subprocess.run(health, env=env, capture_output=True, check=False).returncode != 0:
                assert time.monotonic() < deadline, "worker never reported healthy"
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                time.sleep(0.3)
            assert WorkerStatus.model_validate_json(status_file.read_bytes()).pid == process.pid
            # WHEN it gets SIGTERM, THEN it drains and exits 0, and health then fails
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
            assert subprocess.run(health, env=env, capture_output=True, check=False).returncode == 1
            assert not status_file.exists()
        finally:
            if process.poll() is None:
                process.kill()
