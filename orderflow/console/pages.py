"""The console's server-rendered pages: overview, DLQ triage, orders, one order's timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from orderflow.console.context import Console
from orderflow.console.orders import PAGE_SIZES, WINDOWS
from orderflow.console.panels import service_panels

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    console: Console = request.app.state.console
    return templates.TemplateResponse(
        request,
        name,
        {
            "services": console.services,
            "source": console.source.name,
            "read_only": console.source.read_only,
            "tick": console.sampler.tick_seconds,
            **context,
        },
    )


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request) -> HTMLResponse:
    return _page(request, "overview.html", panels=service_panels(), windows=list(WINDOWS))


@router.get("/dlq", response_class=HTMLResponse)
async def dlq_index(request: Request) -> Response:
    console: Console = request.app.state.console
    return RedirectResponse(f"/dlq/{console.services[0]}", status_code=303)


@router.get("/dlq/{service}", response_class=HTMLResponse)
async def dlq(request: Request, service: str) -> HTMLResponse:
    console: Console = request.app.state.console
    console.known(service)
    return _page(request, "dlq.html", service=service)


@router.get("/orders", response_class=HTMLResponse)
async def orders(request: Request, limit: int = 25, cursor: str | None = None, find: str | None = None) -> Response:
    if find:
        return RedirectResponse(f"/orders/{find.strip()}", status_code=303)
    console: Console = request.app.state.console
    limit = limit if limit in PAGE_SIZES else PAGE_SIZES[0]
    page = await console.recent(limit, cursor)
    return _page(request, "orders.html", page=page, limit=limit, sizes=PAGE_SIZES)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order(request: Request, order_id: str) -> HTMLResponse:
    console: Console = request.app.state.console
    found = await console.order(order_id)
    return _page(request, "order.html", order=found, trace=await console.trace(order_id))
