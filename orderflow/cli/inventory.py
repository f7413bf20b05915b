"""orderflow inventory: stock levels."""

from __future__ import annotations

import orjson
import typer

from orderflow.cli.common import (
    EndpointOption,
    JsonOption,
    endpoint_url,
    load_settings,
    print_table,
)

app = typer.Typer(no_args_is_help=True, help="Stock levels.")


@app.command("list")
def inventory_list(as_json: JsonOption = False, endpoint: EndpointOption = None) -> None:
    """Each SKU with its price and the units that can still be reserved."""
    from orderflow.ops.inventory import stock_levels

    rows = stock_levels(load_settings(), endpoint_url(endpoint))
    if as_json:
        typer.echo(orjson.dumps(rows).decode())
        return
    print_table("inventory", ["sku", "price", "available"], [[r["sku"], r["price"], r["available"]] for r in rows])
