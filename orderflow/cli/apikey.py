"""orderflow apikey: create an API key for a client."""

from __future__ import annotations

from typing import Annotated

import typer

from orderflow.errors import OrderflowError

app = typer.Typer(no_args_is_help=True, help="API keys: create one for a client.")


@app.command("create")
def apikey_create(
    client_id: Annotated[str, typer.Argument(help="Who the key is for; orders are theirs alone.")],
) -> None:
    """Make a new API key: the key is printed once (give it to the client); configure the entry."""
    from orderflow.auth import create_key

    try:
        key, entry = create_key(client_id)
    except OrderflowError as exc:
        typer.echo(f"orderflow apikey create: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"API key for {client_id} (shown once; store it in the client's secret store):\n  {key}")
    typer.echo(f"Add this entry to ORDERFLOW_API_KEYS (comma-separated; it holds only a salted hash):\n  {entry}")
