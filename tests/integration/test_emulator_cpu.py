"""The emulator's CPU per request is not spent on moto's own overheads
(orderflow/local/moto_patches/routing.py and events_delivery.py).

On plain moto 5.2.5 every request first lists moto's package directory to find its service
(≈ 580 µs of CPU, under a process-wide lock), and every event delivered to an SQS target rebuilds
eight JSONPath parsers (≈ 2.2 ms): a `GetQueueUrl` cost the emulator ≈ 1,300 µs of CPU against
≈ 650 with the fixes, a one-entry `PutEvents` to one SQS target ≈ 3,650 against ≈ 750.

Each case compares the emulator with all our fixes to one started with exactly the fix under test
left out (`--without`), measured turn about so the machine's load weighs on both alike: plain
moto's behaviour makes the ratio ≈ 1 and the test fail.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import psutil
import pytest

from orderflow.local.emulator import Emulator, free_port

CALLS = 100
ROUNDS = 5


@pytest.fixture(scope="module")
def unrouted(emulator: Emulator) -> Iterator[Emulator]:
    """The same emulator without the routing and JSONPath fixes (the session's `emulator` sets
    the local credentials its clients use)."""
    server = Emulator(free_port(), threads=8, without=("routing", "events_delivery")).start()
    yield server
    server.stop()


def _cpu_seconds(server: Emulator) -> float:
    assert server.process is not None
    times = psutil.Process(server.process.pid).cpu_times()
    return float(times.user + times.system)


def _platform(server: Emulator, name: str) -> dict[str, Callable[[], Any]]:
    """A queue fed by a bus rule; the calls to measure against it."""
    sqs = boto3.client("sqs", endpoint_url=server.url)
    events = boto3.client("events", endpoint_url=server.url)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.create_event_bus(Name=name)
    events.put_rule(Name=name, EventBusName=name, EventPattern=json.dumps({"source": ["cpu.test"]}))
    events.put_targets(Rule=name, EventBusName=name, Targets=[{"Id": "queue", "Arn": arn}])
    entry = {"Source": "cpu.test", "DetailType": "Probe", "Detail": '{"n": 1}', "EventBusName": name}
    return {
        "GetQueueUrl": lambda: sqs.get_queue_url(QueueName=name),
        "PutEvents": lambda: events.put_events(Entries=[entry]),
        "purge": lambda: sqs.purge_queue(QueueUrl=url),
    }


def _cpu_per_call(server: Emulator, call: Callable[[], Any]) -> float:
    before = _cpu_seconds(server)
    for _ in range(CALLS):
        call()
    return (_cpu_seconds(server) - before) / CALLS


@pytest.mark.timeout(300)
def test_requests_and_deliveries_cost_the_emulator_far_less_cpu_than_plain_moto(
    emulator: Emulator, unrouted: Emulator
) -> None:
    # GIVEN the emulator with every fix and one without the routing and JSONPath fixes,
    # each with a queue that a bus rule delivers to
    name = "cpu-probe"
    fixed, plain = _platform(emulator, f"{name}-fixed"), _platform(unrouted, f"{name}-plain")
    for calls in (fixed, plain):
        calls["GetQueueUrl"]()
        calls["PutEvents"]()  # first calls build moto's apps and backends
    ratios: dict[str, list[float]] = {"GetQueueUrl": [], "PutEvents": []}
    # WHEN each makes the same calls, turn about
    for _ in range(ROUNDS):
        for action, found in ratios.items():
            ours = _cpu_per_call(emulator, fixed[action])
            theirs = _cpu_per_call(unrouted, plain[action])
            found.append(ours / theirs)
    fixed["purge"]()
    plain["purge"]()
    # THEN routing a request costs the emulator well under plain moto's price (≈ 0.5), and an event
    # delivered to an SQS target a fraction of it (≈ 0.2)
    assert statistics.median(ratios["GetQueueUrl"]) < 0.75, ratios
    assert statistics.median(ratios["PutEvents"]) < 0.5, ratios
