"""Every console action against the emulator, through the console's own HTTP API: redrive a group,
redrive all, discard one, pause and override a service; refused without the key, cross-origin, or
read-only; unknown service, order or group answer 404 problem+json."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest

from orderflow.aws.clients import AwsClients
from orderflow.console.app import create_app
from orderflow.console.build import build_console
from orderflow.console.context import Console
from orderflow.failures import FailureRecord, append_failure, failures_path
from orderflow.local.runstate import RunState
from orderflow.settings import Settings
from tests.support import eventbridge_body, eventually, one_of_each_event, queue_url, with_dev_key

KEY = "console-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
Client = Callable[..., Awaitable[tuple[httpx.AsyncClient, Console]]]


@pytest.fixture
async def console_client(settings: Settings, provisioned: Any) -> AsyncIterator[Client]:
    made: list[tuple[httpx.AsyncClient, Console]] = []

    async def make(*, read_only: bool = False) -> tuple[httpx.AsyncClient, Console]:
        console = await build_console(with_dev_key(settings, KEY), read_only=read_only, aws=False)
        app = create_app(lambda: _ready(console))
        app.state.console = console  # the ASGI transport runs no lifespan: no background sampler
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8081")
        made.append((client, console))
        return client, console

    yield make
    for client, console in made:
        await client.aclose()
        await console.source.close()
        console.store.close()


async def _ready(console: Console) -> Console:
    return console


async def _dead(aws: AwsClients, settings: Settings, service: str, reasons: list[str]) -> list[str]:
    """Put messages straight into a service's DLQ, with the failure reasons a worker would have recorded."""
    dlq = await queue_url(aws, settings.dlq_name(service))
    ids = []
    for reason in reasons:
        event = one_of_each_event()[4]  # PaymentCompleted: what shipping hears
        sent = await aws.sqs.send_message(QueueUrl=dlq, MessageBody=eventbridge_body(event))
        ids.append(sent["MessageId"])
        append_failure(
            failures_path(settings.state_dir, service),
            FailureRecord(message_id=sent["MessageId"], at=event.occurred_at, receive_count=3, reason=reason),
        )
    return ids


async def _depth(aws: AwsClients, settings: Settings, name: str) -> int:
    attrs = await aws.sqs.get_queue_attributes(
        QueueUrl=await queue_url(aws, name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    return sum(int(v) for v in attrs["Attributes"].values())


async def test_a_group_is_redriven_alone_and_written_to_the_audit_log(
    aws: AwsClients, settings: Settings, console_client: Client
) -> None:
    # GIVEN shipping's DLQ with two carrier timeouts (two orders) and one other failure
    await _dead(aws, settings, "shipping", [f"TimeoutError: carrier timed out for order {i}" for i in (1, 2)])
    await _dead(aws, settings, "shipping", ["KeyError: 'tracking'"])
    client, _ = await console_client()
    groups = (await client.get("/api/dlq/shipping")).json()["groups"]
    assert [(g["count"], g["reason"]) for g in groups] == [
        (2, "TimeoutError: carrier timed out for order <n>"),
        (1, "KeyError: <value>"),
    ]
    # WHEN the timeouts' group is redriven at 50 messages a second
    answer = await client.post("/api/dlq/shipping/redrive", json={"group": groups[0]["key"], "rate": 50}, headers=AUTH)
    assert answer.status_code == 202, answer.text
    # THEN its two messages are back on shipping's queue, the other stays dead, and the log says so
    await eventually(lambda: _audited(client, "redrive"), timeout=15)
    assert await _depth(aws, settings, settings.queue_name("shipping")) == 2
    assert await _depth(aws, settings, settings.dlq_name("shipping")) == 1
    [entry] = (await client.get("/api/audit")).json()
    assert (entry["action"], entry["service"], entry["target"], entry["count"]) == (
        "redrive",
        "shipping",
        groups[0]["key"],
        2,
    )
    assert entry["result"] == "redrove 2"


async def _audited(client: httpx.AsyncClient, action: str) -> list[Any] | None:
    rows = [r for r in (await client.get("/api/audit")).json() if r["action"] == action]
    return rows or None


async def test_redrive_all_moves_everything_and_an_empty_dlq_is_a_clear_no_op(
    aws: AwsClients, settings: Settings, console_client: Client
) -> None:
    await _dead(aws, settings, "payment", ["boom 1", "other 2", "third"])
    client, _ = await console_client()
    assert (await client.post("/api/dlq/payment/redrive", json={"group": "all"}, headers=AUTH)).status_code == 202
    await eventually(lambda: _audited(client, "redrive"), timeout=15)
    assert await _depth(aws, settings, settings.dlq_name("payment")) == 0
    assert await _depth(aws, settings, settings.queue_name("payment")) == 3
    # WHEN redriven again THEN nothing happens, and the answer says why
    again = await client.post("/api/dlq/payment/redrive", json={"group": "all"}, headers=AUTH)
    assert again.status_code == 202
    assert again.json() == {"job": None, "moved": 0, "message": "nothing to redrive: payment's DLQ is empty"}


async def test_discard_deletes_one_message_only_when_confirmed(
    aws: AwsClients, settings: Settings, console_client: Client
) -> None:
    first, second = await _dead(aws, settings, "orders", ["x", "y"])
    client, _ = await console_client()
    unconfirmed = await client.post("/api/dlq/orders/discard", json={"messageId": first}, headers=AUTH)
    assert unconfirmed.status_code == 400
    assert await _depth(aws, settings, settings.dlq_name("orders")) == 2
    done = await client.post("/api/dlq/orders/discard", json={"messageId": first, "confirm": True}, headers=AUTH)
    assert done.json() == {"discarded": first}
    assert await _depth(aws, settings, settings.dlq_name("orders")) == 1
    missing = await client.post("/api/dlq/orders/discard", json={"messageId": first, "confirm": True}, headers=AUTH)
    assert missing.status_code == 404
    assert [r["result"] for r in (await client.get("/api/audit")).json()] == ["not found", "discarded"]
    groups = (await client.get("/api/dlq/orders")).json()["groups"]
    assert [m["message_id"] for g in groups for m in g["messages"]] == [second]


async def test_pause_and_desired_override_are_written_for_the_supervisor(
    settings: Settings, console_client: Client
) -> None:
    client, _ = await console_client()
    url = "/api/services/payment/control"
    assert (await client.post(url, json={"paused": True}, headers=AUTH)).json()["paused"] is True
    assert (await client.post(url, json={"desiredOverride": 3}, headers=AUTH)).json()["desiredOverride"] == 3
    control = RunState.of(settings).control()["payment"]
    assert (control.paused, control.desired_override) == (True, 3)
    await client.post(url, json={"paused": False, "clearOverride": True}, headers=AUTH)
    control = RunState.of(settings).control()["payment"]
    assert (control.paused, control.desired_override) == (False, None)


@pytest.mark.parametrize(
    ("headers", "status", "title"),
    [
        ({}, 401, "API key required"),
        ({"Authorization": "Bearer wrong"}, 401, "API key required"),
        ({**AUTH, "Origin": "http://evil.example"}, 403, "Cross-origin request refused"),
        ({**AUTH, "Sec-Fetch-Site": "cross-site"}, 403, "Cross-origin request refused"),
    ],
)
async def test_actions_without_the_key_or_from_another_origin_are_refused(
    aws: AwsClients, settings: Settings, console_client: Client, *, headers: dict[str, str], status: int, title: str
) -> None:
    await _dead(aws, settings, "payment", ["boom"])
    client, _ = await console_client()
    for url, body in [
        ("/api/dlq/payment/redrive", {"group": "all"}),
        ("/api/dlq/payment/discard", {"messageId": "x", "confirm": True}),
        ("/api/services/payment/control", {"paused": True}),
    ]:
        answer = await client.post(url, json=body, headers=headers)
        assert (answer.status_code, answer.json()["title"]) == (status, title), url
        assert answer.headers["content-type"] == "application/problem+json"
    # THEN nothing moved and nothing was written
    assert await _depth(aws, settings, settings.dlq_name("payment")) == 1
    assert RunState.of(settings).control() == {}
    # AND reading needs no key
    assert (await client.get("/api/dlq/payment")).status_code == 200


async def test_a_read_only_console_refuses_every_action_even_with_the_key(console_client: Client) -> None:
    client, _ = await console_client(read_only=True)
    answer = await client.post("/api/services/payment/control", json={"paused": True}, headers=AUTH)
    assert (answer.status_code, answer.json()["title"]) == (403, "Read-only console")


@pytest.mark.parametrize(
    "url",
    [
        "/api/dlq/nosuch",
        "/api/history/nosuch",
        "/dlq/nosuch",
        "/api/orders/6d4a4c3e-0000-4000-8000-000000000000",
        "/orders/not-a-uuid",
        "/api/funnel?window=7y",
    ],
)
async def test_unknown_service_order_or_window_answer_404_problem(console_client: Client, url: str) -> None:
    client, _ = await console_client()
    answer = await client.get(url)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert orjson.loads(answer.content)["detail"]


async def test_redriving_an_unknown_group_answers_404(console_client: Client) -> None:
    client, _ = await console_client()
    answer = await client.post("/api/dlq/shipping/redrive", json={"group": "0123456789ab"}, headers=AUTH)
    assert (answer.status_code, answer.json()["detail"]) == (404, "shipping's DLQ has no group 0123456789ab")


async def test_the_snapshot_shows_a_backlog_read_from_the_queues(
    aws: AwsClients, settings: Settings, console_client: Client
) -> None:
    url = await queue_url(aws, settings.queue_name("inventory"))
    for _ in range(3):
        await aws.sqs.send_message(QueueUrl=url, MessageBody="{}")
    client, console = await console_client()
    await console.sampler.tick()
    await asyncio.sleep(0.2)
    snapshot = (await client.get("/api/snapshot")).json()
    inventory = next(s for s in snapshot["services"] if s["service"] == "inventory")
    assert inventory["visible"] == 3
    assert inventory["forecast"]["text"] == "measuring…"
    history = (await client.get("/api/history/inventory?minutes=5")).json()
    assert history["series"]["visible"] == [3.0]
