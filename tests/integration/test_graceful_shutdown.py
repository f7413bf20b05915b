"""Graceful shutdown of a real worker process under load: SIGTERM mid-batch finishes what is in
flight, releases what has not started at once, flushes its publishes and exits 0; a second SIGTERM
exits at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import boto3
import orjson
import pytest

from orderflow.contracts.events import PaymentCompleted
from orderflow.local.emulator import Emulator
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import eventbridge_body, one_of_each_event

MESSAGES = 12
IN_FLIGHT = 4


def _sqs(emulator: Emulator) -> Any:
    return boto3.session.Session(region_name="us-east-1").client("sqs", endpoint_url=emulator.url)


def _counts(sqs: Any, url: str) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def shipping_worker(emulator: Emulator, settings: Settings, provisioned: Provisioned) -> Iterator[Any]:
    """Factory: a real `orderflow worker shipping` process whose carrier takes `latency` seconds."""
    started: list[subprocess.Popen[bytes]] = []

    def start(latency: float) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "ORDERFLOW_LOCAL_MODE": "true",
            "ORDERFLOW_HEARTBEAT_DIR": str(settings.heartbeat_dir),
            "ORDERFLOW_LOG_FORMAT": "json",
            "ORDERFLOW_CARRIER_LATENCY_SECONDS": str(latency),
            "ORDERFLOW_MAX_IN_FLIGHT": str(IN_FLIGHT),
            "ORDERFLOW_RECEIVERS": "1",
            "ORDERFLOW_SHUTDOWN_DEADLINE_SECONDS": "45",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "orderflow", "worker", "shipping"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stderr:
            process.stderr.close()


def _paid_orders(sqs: Any, url: str) -> None:
    for _ in range(MESSAGES):
        paid = next(e for e in one_of_each_event() if isinstance(e, PaymentCompleted))
        sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(paid))


def _wait_received(sqs: Any, url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while _counts(sqs, url)[1] < MESSAGES:
        assert process.poll() is None and time.monotonic() < deadline, "the worker never took the batch"
        time.sleep(0.1)


@pytest.mark.timeout(90)
def test_sigterm_mid_batch_finishes_in_flight_releases_the_rest_and_flushes_publishes(
    emulator: Emulator, settings: Settings, shipping_worker: Any
) -> None:
    # GIVEN a shipping worker (4 handlers at a time, a 2 s carrier) holding a batch of 12 orders
    sqs = _sqs(emulator)
    url = sqs.get_queue_url(QueueName=settings.queue_name("shipping"))["QueueUrl"]
    orders_queue = sqs.get_queue_url(QueueName=settings.queue_name("orders"))["QueueUrl"]
    _paid_orders(sqs, url)
    process = shipping_worker(latency=2.0)
    _wait_received(sqs, url, process)
    time.sleep(0.5)  # the first handlers are with the carrier now
    # WHEN it gets SIGTERM
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=50)
    took = time.monotonic() - began
    log = [orjson.loads(line) for line in (process.stderr.read() if process.stderr else b"").splitlines()]
    # THEN it exits 0 within the deadline...
    assert code == 0 and took < 45, (code, took)
    handled = [e for e in log if e.get("event") == "message_handled" and e.get("outcome") == "handled"]
    released = sum(e["count"] for e in log if e.get("event") == "messages_released")
    # ...the handlers in flight finished and their ShipmentCreated events were published...
    assert len(handled) == IN_FLIGHT, log
    assert released >= MESSAGES - IN_FLIGHT, log  # a poll in progress may take some again: released too
    published = _counts(sqs, orders_queue)[0]
    assert published == IN_FLIGHT
    # ...and what it had not started is visible again at once, not after the 90 s timeout
    assert _counts(sqs, url) == (MESSAGES - IN_FLIGHT, 0)


@pytest.mark.timeout(60)
def test_second_sigterm_exits_at_once(emulator: Emulator, settings: Settings, shipping_worker: Any) -> None:
    # GIVEN a worker draining handlers that need 30 s more
    sqs = _sqs(emulator)
    url = sqs.get_queue_url(QueueName=settings.queue_name("shipping"))["QueueUrl"]
    _paid_orders(sqs, url)
    process = shipping_worker(latency=30.0)
    _wait_received(sqs, url, process)
    process.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    assert process.poll() is None  # still draining
    # WHEN a second SIGTERM arrives THEN it exits at once (non-zero: it did not drain)
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=5)
    assert time.monotonic() - began < 2
    assert code == 128 + signal.SIGTERM
