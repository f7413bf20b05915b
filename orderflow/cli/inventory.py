"""orderflow inventory: stock levels, reorder settings, and operator adjustments (as events)."""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
import typer
from pydantic import ValidationError

from orderflow.cli.common import (
    EndpointOption,
    JsonOption,
    endpoint_url,
    load_settings,
    print_table,
)

app = typer.Typer(no_args_is_help=True, help="Stock levels, reorder settings and adjustments.")

QuantityArgument = Annotated[str, typer.Argument(help="Units (a whole number, 0 or more).", metavar="N")]
ReorderPoint = Annotated[int | None, typer.Option("--reorder-point", help="Also set the reorder point.")]
ReorderQuantity = Annotated[int | None, typer.Option("--reorder-quantity", help="Also set the reorder quantity.")]


@app.command("list")
def inventory_list(as_json: JsonOption = False, endpoint: EndpointOption = None) -> None:
    """Each SKU: price, units that can still be reserved, reorder settings, open purchase orders."""
    from orderflow.ops.inventory import stock_levels

    rows = stock_levels(load_settings(), endpoint_url(endpoint))
    if as_json:
        typer.echo(orjson.dumps(rows).decode())
        return
    columns = ["sku", "price", "available", "reorder point", "reorder qty", "open POs", "on order"]
    keys = ["sku", "price", "available", "reorderPoint", "reorderQuantity", "openPurchaseOrders", "onOrder"]
    print_table("inventory", columns, [[r[k] for k in keys] for r in rows])


# ignore_unknown_options: click would read "-5" as an option and answer "No such option"; this way a
# negative quantity reaches _adjust and is refused in one clear line.
@app.command("set", context_settings={"ignore_unknown_options": True})
def inventory_set(
    sku: str,
    quantity: QuantityArgument,
    reorder_point: ReorderPoint = None,
    reorder_quantity: ReorderQuantity = None,
    endpoint: EndpointOption = None,
) -> None:
    """Make N the SKU's available units (an event through the bus; inventory applies it)."""
    _adjust(sku, "set", quantity, reorder_point, reorder_quantity, endpoint)


@app.command("restock", context_settings={"ignore_unknown_options": True})
def inventory_restock(
    sku: str,
    quantity: QuantityArgument,
    reorder_point: ReorderPoint = None,
    reorder_quantity: ReorderQuantity = None,
    endpoint: EndpointOption = None,
) -> None:
    """Add N units to the SKU's available stock (an event through the bus; inventory applies it)."""
    _adjust(sku, "restock", quantity, reorder_point, reorder_quantity, endpoint)


_ARGUMENTS = {
    "sku": "SKU",
    "quantity": "N",
    "reorder_point": "--reorder-point",
    "reorder_quantity": "--reorder-quantity",
}


def _fail(message: str) -> None:
    typer.echo(f"orderflow: {message}", err=True)
    raise typer.Exit(2)


def _adjust(
    sku: str,
    mode: Literal["set", "restock"],
    raw_quantity: str,
    reorder_point: int | None,
    reorder_quantity: int | None,
    endpoint: str | None,
) -> None:
    from orderflow.ops.inventory import UnknownSku, request_adjustment

    try:
        quantity = int(raw_quantity)
    except ValueError:
        _fail(f"quantity must be a whole number, not {raw_quantity!r}")
    if quantity < 0 or (mode == "restock" and quantity == 0):
        _fail(f"quantity must be {'0 or more' if mode == 'set' else 'at least 1'}, not {quantity}")
    try:
        event = request_adjustment(
            load_settings(),
            endpoint_url(endpoint),
            sku,
            mode,
            quantity,
            reorder_point=reorder_point,
            reorder_quantity=reorder_quantity,
        )
    except UnknownSku as exc:
        _fail(str(exc))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        _fail(f"{_ARGUMENTS.get(field, field)}: {first['msg']}")
    typer.echo(f"{sku}: {mode} {quantity} requested (event {event.event_id}); inventory applies it in a moment")
