"""The console's AWS source against what Terraform made: environments/dev applied to a fresh
emulator (the session's applied_dev, tests/infra/conftest.py, shared with test_terraform_apply.py),
then read the way `orderflow console --aws` reads a deployed environment — SQS, ECS, Application
Auto Scaling, CloudWatch — through the console's own HTTP API, read-only.

What the emulator cannot fill (docs/console.md): ECS runs no tasks (running 0, no processes),
Application Auto Scaling has no DescribeScalingActivities (the page notes the error; no decisions),
and metric math is empty (the console computes backlog per task and the forecast itself)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from orderflow.console.app import create_app
from orderflow.console.build import build_console
from orderflow.console.context import Console
from orderflow.local.emulator import LOCAL_CREDENTIALS
from orderflow.settings import Settings
from orderflow.topology import load_topology
from tests.infra import emulated_apply
from tests.infra.conftest import AppliedEnvironment
from tests.infra.hcl import REPO

PREFIX = "orderflow-dev"  # environments/dev's default resource_prefix
TOPOLOGY = load_topology(REPO / "topology.yaml")


@pytest.fixture
def applied(applied_dev: AppliedEnvironment) -> emulated_apply.EmulatedRoot:
    """What Terraform made: the session's environments/dev (tests/infra/conftest.py), read before
    test_terraform_apply.py runs an order through it and destroys it."""
    assert not applied_dev.destroyed, "environments/dev was destroyed before the console read it (test order)"
    return applied_dev.root


@pytest.fixture
def aws_environment(applied: emulated_apply.EmulatedRoot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """The environment `orderflow console --aws` gets: credentials, region, endpoint, the prefix."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.setenv(key, LOCAL_CREDENTIALS[key])
    monkeypatch.setenv("AWS_ENDPOINT_URL", applied.emulator.url)
    return Settings(resource_prefix=PREFIX, state_dir=tmp_path / "state", heartbeat_dir=tmp_path / "hb")


def _seed(applied: emulated_apply.EmulatedRoot) -> None:
    """Work in the queues Terraform made, and one minute of the workers' EMF metrics as CloudWatch
    holds them in AWS (namespace Orderflow, dimension Service)."""
    sqs = emulated_apply.aws_client(applied.emulator, "sqs")
    payment = sqs.get_queue_url(QueueName=f"{PREFIX}-payment")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=payment, MessageBody=f'{{"n": {i}}}')
    dead = sqs.get_queue_url(QueueName=f"{PREFIX}-shipping-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dead, MessageBody="not an event")
    emulated_apply.aws_client(applied.emulator, "cloudwatch").put_metric_data(
        Namespace="Orderflow",
        MetricData=[
            {
                "MetricName": "MessagesProcessed",
                "Dimensions": [{"Name": "Service", "Value": "payment"}],
                "Timestamp": datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=2),
                "Value": 120.0,
                "Unit": "Count",
            }
        ],
    )


@pytest.mark.timeout(1200)  # includes the session's apply (applied_dev), a few minutes
async def test_the_aws_source_reads_what_terraform_made_read_only(
    applied: emulated_apply.EmulatedRoot, aws_environment: Settings
) -> None:
    # GIVEN environments/dev applied to the emulator, with messages waiting and a dead letter
    _seed(applied)
    console = await build_console(aws_environment, read_only=False, aws=True)
    app = create_app(lambda: _ready(console))
    app.state.console = console  # the ASGI transport runs no lifespan: ticks are taken by hand
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8081")
    try:
        # WHEN the console takes two ticks and a page asks for them
        started = time.monotonic()
        await console.sampler.tick()
        first_tick = time.monotonic() - started
        await console.sampler.tick()
        snapshot = (await client.get("/api/snapshot")).json()
        page = await client.get("/")
        funnel = await client.get("/api/funnel?window=15m")
        redrive = await client.post("/api/dlq/shipping/redrive", json={"group": "all"})
    finally:
        await client.aclose()
        await console.source.close()
        console.store.close()
        _unseed(applied)

    # THEN every topology service is shown, in topology order, from the AWS source
    assert snapshot["source"] == "aws"
    views = {v["service"]: v for v in snapshot["services"]}
    assert list(views) == list(TOPOLOGY.services)
    # queues: from GetQueueAttributes of the queues Terraform named
    assert views["payment"]["visible"] == 3
    assert views["shipping"]["dlq"] == 1
    assert views["inventory"]["visible"] == 0
    for name, view in views.items():
        spec = TOPOLOGY.service(name).scaling
        # ECS DescribeServices: the desired count Terraform set; the emulator runs no task
        assert view["desired"] == spec.min_tasks, name
        assert view["running"] == 0, name
        # Application Auto Scaling DescribeScalableTargets: the limits Terraform registered
        assert (view["min_workers"], view["max_workers"]) == (spec.min_tasks, spec.max_tasks), name
        assert view["target_backlog_per_worker"] == spec.target_backlog_per_task
    # CloudWatch GetMetricData: 120 processed in a minute is 2 per second
    assert views["payment"]["processed_per_second"] == 2.0
    assert views["inventory"]["processed_per_second"] is None
    # what the emulator cannot answer is said on the page, not hidden
    assert any("DescribeScalingActivities" in note for note in snapshot["notes"])
    assert page.status_code == 200 and 'data-source="aws"' in page.text and "read-only" in page.text
    # the funnel reads the analytics table Terraform made (no order has been placed)
    assert funnel.status_code == 200, funnel.text
    # and nothing can be changed
    assert redrive.status_code == 403
    assert first_tick < 30, f"first tick took {first_tick:.1f} s"


def _unseed(applied: emulated_apply.EmulatedRoot) -> None:
    """Take back the seeded messages: test_terraform_apply.py runs the workers on these queues next."""
    sqs = emulated_apply.aws_client(applied.emulator, "sqs")
    for name in (f"{PREFIX}-payment", f"{PREFIX}-shipping-dlq"):
        sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])


async def _ready(console: Console) -> Console:
    return console
