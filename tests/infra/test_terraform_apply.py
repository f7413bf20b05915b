"""`terraform apply` of environments/dev on the emulator, then the platform's own API and workers on
what Terraform made: an order reaches SHIPPED, its OrderPlaced event lands in exactly the queues
whose rules match it, and `terraform destroy` leaves nothing behind.

The whole environment is applied and each process runs with the environment its ECS task definition
gives it. (Applying only the messaging and data resources with -target was measured to cost as much:
the time goes to the provider's SQS attribute waits, ~26 s per queue resource on the critical path,
not to the number of resources.) docs/deploy.md says what this proves and what it cannot.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.events.models import EventPattern

from orderflow.local.emulator import LOCAL_CREDENTIALS
from orderflow.local.seed import seed
from orderflow.settings import Settings
from tests.infra.conftest import AppliedEnvironment
from tests.infra.emulated_apply import EmulatedRoot, aws_client, provider_missing
from tests.infra.hcl import load_module
from tests.infra.provider import required
from tests.infra.terraform_platform import (
    RunningPlatform,
    from_task_definitions,
    inventory,
    run_platform,
    wait_ready,
)

ROOT = "terraform/environments/dev"

# Where GitHub downloads the provider (ORDERFLOW_REQUIRE_TF_PROVIDER), a missing one fails at init.
pytestmark = pytest.mark.skipif(provider_missing() is not None and not required(), reason=str(provider_missing()))


def _place_order(platform: RunningPlatform, key: str) -> str:
    body = {"customerEmail": "apply@example.com", "currency": "USD", "items": [{"sku": "MOUSE-002", "quantity": 2}]}
    response = httpx.post(
        f"{platform.api_url}/orders", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert response.status_code == 202, response.text
    return str(response.json()["orderId"])


def _holding(root: EmulatedRoot, order_id: str, queue_urls: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Queues (by name) holding the order's OrderPlaced event, and the event as delivered. Received
    with visibility 0, so the messages stay for the workers."""
    sqs = aws_client(root.emulator, "sqs")
    found = {}
    for name, url in queue_urls.items():
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        for message in messages.get("Messages", []):
            event = json.loads(message["Body"])
            if event.get("detail-type") == "OrderPlaced" and order_id in message["Body"]:
                found[name] = event
    return found


def _routed(root: EmulatedRoot, order_id: str, queue_urls: dict[str, str]) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + 20  # the API's outbox relay publishes within its sweep interval
    while not (found := _holding(root, order_id, queue_urls)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def _wait_status(platform: RunningPlatform, key: str, order_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(
            f"{platform.api_url}/orders/{order_id}", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert response.status_code == 200, response.text
        order = dict(response.json())
        if order["status"] in ("SHIPPED", "CANCELLED") or time.monotonic() > deadline:
            return order
        time.sleep(0.3)


def _report(root: EmulatedRoot, applied: int, order_id: str, path: Path) -> None:
    """The figures of this run, for `make check-apply`'s output and docs/deploy.md."""
    figures = {
        "resources_applied": applied,
        "order_shipped": order_id,
        "steps": [vars(m) for m in root.measured],
    }
    path.write_text(json.dumps(figures, indent=2))
    print(f"\n[terraform apply] {applied} resources applied; order {order_id} SHIPPED")
    for measured in root.measured:
        if measured.command in ("apply", "destroy"):
            print(f"[terraform apply] {measured}")


@pytest.mark.terraform_apply
@pytest.mark.timeout(1200)  # the session's apply (applied_dev) is set up in this test's time if it runs alone
def test_terraform_made_platform_ships_an_order_and_destroy_leaves_nothing(
    applied_dev: AppliedEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in LOCAL_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # GIVEN the environment applied by Terraform on an empty emulator (the session's applied_dev)
    root, before = applied_dev.root, applied_dev.before
    prefix = load_module(root.path).variables["resource_prefix"]["default"]
    topology = root.tree / "topology.yaml"
    settings = Settings(resource_prefix=prefix, topology_path=topology)
    services = list(settings.topology.services)
    applied = len([a for a in root.state_list() if not a.startswith("data.") and ".data." not in a])
    made = inventory(root.emulator)
    queue_urls = {u.rsplit("/", 1)[-1]: u for u in made["sqs queues"]}
    assert set(queue_urls) == {f(s) for s in services for f in (settings.queue_name, settings.dlq_name)}
    assert made["dynamodb tables"] - before["dynamodb tables"] == {
        settings.table_name(t) for t in settings.topology.tables
    }
    components, key = from_task_definitions(root)
    seed(settings, endpoint_url=root.emulator.url)  # the catalogue: data, not provisioning

    with run_platform(components, root.emulator, topology, tmp_path / "api", only=lambda n: n == "api") as api:
        wait_ready(api)
        # WHEN an order is placed through the API, before any worker runs
        order_id = _place_order(api, key)
        routed = _routed(root, order_id, queue_urls)
        # THEN its OrderPlaced is in exactly the queues whose rules match it, and no DLQ
        assert routed, f"OrderPlaced of {order_id} reached no queue; API log:\n{api.log_tail('api')}"
        event = next(iter(routed.values()))
        expected = {
            settings.queue_name(s.name)
            for s in settings.topology.services.values()
            if any(EventPattern.load(json.dumps(p)).matches_event(event) for p in s.subscriptions.values())
        }
        assert set(routed) == expected

        # WHEN every worker runs on the Terraform-made queues and tables
        with run_platform(components, root.emulator, topology, tmp_path / "workers", only=lambda n: n != "api"):
            order = _wait_status(api, key, order_id)
        # THEN the order went all the way
        assert order["status"] == "SHIPPED", order

    # WHEN Terraform destroys what it made (and the operator's parameter goes first)
    ssm = aws_client(root.emulator, "ssm")
    for name in inventory(root.emulator)["ssm parameters"] - before["ssm parameters"]:
        ssm.delete_parameter(Name=name)
    root.destroy()
    applied_dev.destroyed = True
    # THEN nothing is left: no state, and nothing on the emulator that was not there before
    after = inventory(root.emulator)
    assert root.state_list() == []
    assert {kind: sorted(after[kind] - before[kind]) for kind in after if after[kind] - before[kind]} == {}
    with capsys.disabled():
        _report(root, applied, order_id, tmp_path / "figures.json")
