"""The console's JSON API and its one live stream per page; the pages (pages.py) call only these."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Request
from sse_starlette.sse import EventSourceResponse

from orderflow.console.context import Console
from orderflow.console.grouping import Group
from orderflow.console.orders import PAGE_SIZES
from orderflow.console.problems import BadRequest, NotFound
from orderflow.console.store import AuditEntry
from orderflow.console.triage import Progress

router = APIRouter(prefix="/api")


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


@router.get("/snapshot")
async def snapshot(request: Request) -> dict[str, Any]:
    console = _console(request)
    latest = console.sampler.latest or await console.sampler.tick()
    return latest.as_json()


@router.get("/stream")
async def stream(request: Request, every: Annotated[float, Query(ge=1, le=60)] = 1.0) -> EventSourceResponse:
    """Server-sent events: a snapshot every `every` seconds (the page's rate control) and redrive progress."""
    console = _console(request)

    async def events() -> AsyncIterator[dict[str, str]]:
        async for latest in console.sampler.every(every):
            if await request.is_disconnected():
                return
            if latest is None:
                continue
            payload = {**latest.as_json(), "jobs": console.sampler.shown_jobs()}
            yield {"event": "snapshot", "data": orjson.dumps(payload).decode()}

    return EventSourceResponse(events(), ping=15)


@router.get("/requests")
async def requests(request: Request) -> dict[str, Any]:
    """AWS requests this console has made, in total and per operation, and its ticks so far."""
    console = _console(request)
    return {"ticks": console.sampler.ticks, "aws": await console.source.aws_requests()}


@router.get("/history/{service}")
async def history(
    request: Request, service: str, minutes: Annotated[float, Query(ge=1, le=360)] = 30
) -> dict[str, Any]:
    console = _console(request)
    console.known(service)
    since = time.time() - minutes * 60
    return {
        "series": console.store.history(service, minutes * 60),
        "decisions": [asdict(d) for d in await console.source.decisions(service, since)],
    }


@router.get("/funnel")
async def funnel(request: Request, window: str = "15m") -> dict[str, Any]:
    return (await _console(request).funnel(window)).as_json()


@router.get("/orders")
async def orders(request: Request, limit: int = 25, cursor: str | None = None) -> dict[str, Any]:
    if limit not in PAGE_SIZES:
        raise BadRequest(f"page size {limit} is not one of {PAGE_SIZES}")
    page = await _console(request).recent(limit, cursor)
    return {"orders": page.orders, "next": page.next_cursor}


@router.get("/orders/{order_id}")
async def order(request: Request, order_id: str) -> dict[str, Any]:
    return await _console(request).order(order_id)


@router.get("/orders/{order_id}/trace")
async def order_trace(request: Request, order_id: str) -> dict[str, Any]:
    """The order's trace as `orderflow trace` draws it: one row per hop, queue wait and handler time."""
    return await _console(request).trace(order_id)


@router.get("/dlq/{service}")
async def dead_letters(request: Request, service: str) -> dict[str, Any]:
    console = _console(request)
    console.known(service)
    groups = await console.source.triage.groups(service)
    return {"service": service, "groups": [_group_json(g) for g in groups], "limit": console.source.triage.max_messages}


def _group_json(g: Group) -> dict[str, Any]:
    return {
        "key": g.key,
        "eventType": g.event_type,
        "reason": g.reason,
        "example": g.example,
        "count": g.count,
        "messages": [{**asdict(m), "preview": m.preview, "body": None} for m in g.messages[:20]],
    }


@router.get("/audit")
async def audit(request: Request) -> list[dict[str, Any]]:
    return [asdict(e) for e in _console(request).store.audit_log()]


# -- actions ----------------------------------------------------------------------------------


@router.post("/dlq/{service}/redrive", status_code=202)
async def redrive(
    request: Request,
    service: str,
    group: Annotated[str, Body(embed=True)] = "all",
    rate: Annotated[float, Body(embed=True, ge=1, le=1000)] = 10,
) -> dict[str, Any]:
    console = _console(request)
    console.guard.check(request)
    console.known(service)
    triage = console.source.triage
    key = None if group == "all" else group
    if key is not None and key not in {g.key for g in await triage.groups(service)}:
        raise NotFound(f"{service}'s DLQ has no group {group}")
    total = await triage.depth(service)
    if total == 0:
        console.record(AuditEntry(time.time(), "redrive", service, group, 0, "nothing to redrive", _origin(request)))
        return {"job": None, "moved": 0, "message": f"nothing to redrive: {service}'s DLQ is empty"}
    job_id = uuid.uuid4().hex[:12]
    progress = Progress(total=total)
    console.sampler.jobs[job_id] = {"id": job_id, "service": service, "group": group, "moved": 0, "done": False}
    task = asyncio.create_task(
        console.run_redrive(job_id, service, key=key, rate=rate, progress=progress, origin=_origin(request))
    )
    console.tasks.add(task)
    task.add_done_callback(console.tasks.discard)
    return {"job": job_id, "message": f"redriving {group} of {service} at {rate:g}/s"}


@router.post("/dlq/{service}/discard")
async def discard(
    request: Request,
    service: str,
    message_id: Annotated[str, Body(embed=True, alias="messageId")],
    confirm: Annotated[bool, Body(embed=True)] = False,
) -> dict[str, Any]:
    console = _console(request)
    console.guard.check(request)
    console.known(service)
    if not confirm:
        raise BadRequest("discard needs confirm: true (the message is deleted for good)")
    found = await console.source.triage.discard(service, message_id)
    result = "discarded" if found else "not found"
    console.record(AuditEntry(time.time(), "discard", service, message_id, int(found), result, _origin(request)))
    if not found:
        raise NotFound(f"{service}'s DLQ holds no message {message_id}")
    return {"discarded": message_id}


@router.post("/services/{service}/control")
async def control(
    request: Request,
    service: str,
    paused: Annotated[bool | None, Body(embed=True)] = None,
    desired_override: Annotated[int | None, Body(embed=True, alias="desiredOverride", ge=0)] = None,
    clear_override: Annotated[bool, Body(embed=True, alias="clearOverride")] = False,
) -> dict[str, Any]:
    console = _console(request)
    console.guard.check(request)
    console.known(service)
    return console.control(service, paused=paused, desired_override=desired_override, clear_override=clear_override)


def _origin(request: Request) -> str:
    return request.client.host if request.client else "?"
