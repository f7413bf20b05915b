"""orderflow audit: the event store's history of an order or of a SKU's stock."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
import typer

from orderflow.cli.common import EndpointOption, JsonOption, endpoint_url, load_settings, print_table

app = typer.Typer(no_args_is_help=True, help="The audit trail: every event of an order, in order, with causes.")


def _fail(message: str) -> None:
    typer.echo(f"orderflow: {message}", err=True)
    raise typer.Exit(2)


@app.command("trail")
def audit_trail(
    order_id: Annotated[str, typer.Argument(help="The order's id (a UUID).")],
    as_json: JsonOption = False,
    endpoint: EndpointOption = None,
) -> None:
    """Every event of one order, in stream order, each with the event that caused it."""
    try:
        parsed = uuid.UUID(order_id)
    except ValueError:
        _fail(f"{order_id!r} is not an order id (a UUID)")
    _show(f"order:{parsed}", f"order {parsed}", as_json, endpoint)


@app.command("stock")
def audit_stock(
    sku: Annotated[str, typer.Argument(help="A catalogue SKU.")],
    as_json: JsonOption = False,
    endpoint: EndpointOption = None,
) -> None:
    """Every stock event of one SKU (adjustments, StockLow, replenishments), in stream order."""
    _show(f"sku:{sku}", f"SKU {sku}", as_json, endpoint)


def _show(stream: str, what: str, as_json: bool, endpoint: str | None) -> None:
    from orderflow.ops.audit import trail

    entries = trail(load_settings(), endpoint_url(endpoint), stream)
    if as_json:
        typer.echo(orjson.dumps(entries).decode())
        return
    if not entries:
        typer.echo(f"orderflow: no audit trail for {what}", err=True)
        raise typer.Exit(1)
    columns = ["#", "occurred at (UTC)", "event", "event id", "caused by"]
    print_table(f"audit trail of {what}", columns, _rows(entries))


def _rows(entries: list[dict[str, Any]]) -> list[list[Any]]:
    types = {e["version"]: e["eventType"] for e in entries}
    rows = []
    for e in entries:
        cause = e["causedBy"]
        caused_by: str | None
        if cause is not None:
            caused_by = f"#{cause} {types[cause]}"
        else:
            caused_by = f"{str(e['causationId'])[:8]} (another stream)" if e["causationId"] else None
        at = str(e["occurredAt"])[11:23]  # HH:MM:SS.mmm: a table narrow enough for 80 columns
        rows.append([e["version"], at, e["eventType"], str(e["eventId"])[:8], caused_by])
    return rows
