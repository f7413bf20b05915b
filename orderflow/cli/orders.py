"""orderflow orders: place and look up orders through the API."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import httpx
import orjson
import typer

from orderflow.cli.common import (
    ApiKeyOption,
    ApiOption,
    api_headers,
    api_url,
)

app = typer.Typer(no_args_is_help=True, help="Place and look up orders through the API.")


@app.command("submit")
def orders_submit(
    body: Annotated[str | None, typer.Option("--json", help="Request body (JSON); '-' reads stdin.")] = None,
    item: Annotated[list[str] | None, typer.Option("--item", help="SKU:QUANTITY, repeatable.")] = None,
    email: Annotated[str, typer.Option(help="customerEmail")] = "student@example.com",
    currency: str = "USD",
    idempotency_key: Annotated[str | None, typer.Option(help="Idempotency-Key header")] = None,
    wait: Annotated[bool, typer.Option(help="Wait for a terminal or given status.")] = False,
    url: ApiOption = None,
    key: ApiKeyOption = None,
) -> None:
    """Place an order (default: the seed article's laptop and two mice)."""
    if body == "-":
        body = sys.stdin.read()
    if body:
        payload = orjson.loads(body)
    else:
        lines = item or ["LAPTOP-001:1", "MOUSE-002:2"]
        payload = {
            "customerEmail": email,
            "currency": currency,
            "items": [{"sku": s, "quantity": int(q)} for s, q in (line.split(":", 1) for line in lines)],
        }
    headers = api_headers(key, **({"Idempotency-Key": idempotency_key} if idempotency_key else {}))
    response = httpx.post(f"{api_url(url)}/orders", json=payload, headers=headers, timeout=10)
    typer.echo(orjson.dumps(response.json(), option=orjson.OPT_INDENT_2).decode())
    if response.status_code >= 400:
        raise typer.Exit(1)
    if wait:
        _wait_for(api_url(url), api_headers(key), response.json()["orderId"], None, 60)


@app.command("get")
def orders_get(
    order_id: str,
    wait_for: Annotated[
        str | None, typer.Option("--wait-for", help="Poll until this status (or any terminal).")
    ] = None,
    timeout: float = 60,
    url: ApiOption = None,
    key: ApiKeyOption = None,
) -> None:
    """Show an order's status and timeline."""
    if wait_for:
        _wait_for(api_url(url), api_headers(key), order_id, wait_for, timeout)
        return
    response = httpx.get(f"{api_url(url)}/orders/{order_id}", headers=api_headers(key), timeout=10)
    typer.echo(orjson.dumps(response.json(), option=orjson.OPT_INDENT_2).decode())
    if response.status_code >= 400:
        raise typer.Exit(1)


def _wait_for(base: str, headers: dict[str, str], order_id: str, status: str | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    view: dict[str, Any] = {}
    while time.monotonic() < deadline:
        view = httpx.get(f"{base}/orders/{order_id}", headers=headers, timeout=10).json()
        if view.get("status") == status or (status is None and view.get("status") in ("SHIPPED", "CANCELLED")):
            break
        time.sleep(0.2)
    typer.echo(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode())
    if status and view.get("status") != status:
        raise typer.Exit(1)
