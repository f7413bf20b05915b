"""ECS task scale-in protection: taken while the worker holds messages, dropped when idle.

The ECS agent's endpoint is not an AWS API (moto has no emulation of it), so a small HTTP server
on 127.0.0.1 stands in for the agent and records what it was asked.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import FastAPI, Request

from orderflow.aws.clients import AwsClients
from orderflow.contracts.events import OrderPlaced
from orderflow.settings import Settings
from tests.support import ApiServer, eventbridge_body, eventually, order_placed, order_placed_worker, queue_url
from workers.runtime.protection import TaskProtection


def _agent(calls: list[dict[str, Any]]) -> FastAPI:
    agent = FastAPI()

    @agent.put("/task-protection/v1/state")
    async def state(request: Request) -> dict[str, Any]:
        calls.append(await request.json())
        return {"protection": {"ProtectionEnabled": calls[-1]["ProtectionEnabled"]}}

    return agent


async def test_busy_worker_holds_protection_and_releases_it_when_idle(aws: AwsClients, settings: Settings) -> None:
    calls: list[dict[str, Any]] = []

    async def slow(event: OrderPlaced, deps: Any) -> list[Any]:
        await asyncio.sleep(2)
        return []

    url = await queue_url(aws, settings.queue_name("inventory"))
    with ApiServer(_agent(calls)) as agent:
        protection = TaskProtection(agent.url, idle_seconds=1)
        worker = order_placed_worker(aws, settings, url, slow, protection=protection)
        running = asyncio.create_task(worker.run())
        # WHEN a message is being handled THEN protection is on, with an expiry
        await aws.sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(order_placed()))
        await eventually(lambda: _value(bool(calls)), timeout=10)
        assert calls[0] == {"ProtectionEnabled": True, "ExpiresInMinutes": 5}
        # WHEN the worker has been idle for a while THEN it is released
        await eventually(lambda: _value(len(calls) >= 2), timeout=10)
        assert calls[1] == {"ProtectionEnabled": False}
        worker.stop()
        await running
    assert not protection.protected


def test_outside_ecs_it_calls_nothing_but_says_when_it_would_hold_protection() -> None:
    # GIVEN no ECS agent (local mode): no request is ever made
    protection = TaskProtection(agent_uri="", idle_seconds=0.2)
    asyncio.run(protection.update(busy=True))
    assert (protection.enabled, protection.calls) == (False, 0)
    # THEN it still follows ECS's rule, which the dev supervisor honours when scaling in:
    # held while busy and for the idle spell after, then dropped
    assert protection.holding
    asyncio.run(protection.update(busy=False))
    assert protection.holding
    time.sleep(0.25)
    asyncio.run(protection.update(busy=False))
    assert not protection.holding


async def _value(value: bool) -> bool:
    return value
