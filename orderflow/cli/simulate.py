"""orderflow simulate: local-mode simulation levers."""

from __future__ import annotations

from typing import Annotated

import typer

from orderflow.cli.common import (
    EndpointOption,
    endpoint_url,
    load_settings,
)

app = typer.Typer(no_args_is_help=True, help="Local-mode simulation levers.")


@app.command("heal")
def simulate_heal(
    service: str,
    order: Annotated[str | None, typer.Option(help="Heal one order; default: every order.")] = None,
    endpoint: EndpointOption = None,
) -> None:
    """Turn off a simulated technical failure (then redrive the service's DLQ)."""
    import uuid

    from orderflow.ops.simulation import heal

    settings = load_settings(local_mode=True)
    settings.topology.service(service)
    heal(settings, service, uuid.UUID(order) if order else None, endpoint_url=endpoint_url(endpoint))
    typer.echo(f"{service}: simulated failure healed for {order or 'every order'}")
