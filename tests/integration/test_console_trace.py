"""An order's trace through the console's JSON API (`GET /api/orders/{id}/trace`), the console built
as `orderflow console` builds it against the emulator, its spans written by the real local exporter
into the state folder's span files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from orderflow.console.app import create_app
from orderflow.console.build import build_console
from orderflow.console.context import Console
from orderflow.settings import Settings
from orderflow.tracing import trace_dir
from tests.support_spans import write_order_trace


@pytest.fixture
async def client(settings: Settings, provisioned: Any) -> AsyncIterator[httpx.AsyncClient]:
    console = await build_console(settings, read_only=True, aws=False)

    async def ready() -> Console:
        return console

    app = create_app(ready)
    app.state.console = console  # the ASGI transport runs no lifespan: no background sampler
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8081") as c:
        yield c
    await console.source.close()
    console.store.close()


async def test_the_trace_api_gives_the_order_s_hops_as_orderflow_trace_selects_them(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    # GIVEN the order's spans in the state folder, beside another order's
    written = write_order_trace(trace_dir(settings))
    # WHEN the console is asked for the order's trace
    answer = await client.get(f"/api/orders/{written.order_id}/trace")
    # THEN it has the one trace, a row per hop with its wait and work, the failed hop marked
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["orderId"], body["source"], body["message"]) == (written.order_id, "local", None)
    (trace,) = body["traces"]
    assert trace["traceId"] == written.trace_id
    assert [(r["service"], r["waitMs"], r["workMs"], r["failed"]) for r in trace["rows"]] == [
        ("api", None, 12.0, False),
        ("inventory", 25.0, 15.0, False),
        ("payment", 12.0, 20.0, True),
        ("payment", 205.0, 20.0, False),
        ("shipping", 15.0, 20.0, False),
    ]
    # AND the other order's trace is its own
    theirs = (await client.get(f"/api/orders/{written.other_order_id}/trace")).json()["traces"]
    assert [r["service"] for t in theirs for r in t["rows"]] == ["api", "inventory"]


async def test_an_order_without_spans_says_why_and_a_bad_id_is_a_404_problem(client: httpx.AsyncClient) -> None:
    none = await client.get("/api/orders/6b4c3c1e-8a0f-4f51-9d7a-6f0e5c9e2a11/trace")
    assert none.status_code == 200
    assert none.json()["traces"] == []
    assert none.json()["message"].startswith("no trace recorded for this order — tracing off, sampled out")
    bad = await client.get("/api/orders/not-an-order/trace")
    assert bad.status_code == 404
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "UUID" in bad.json()["detail"]
