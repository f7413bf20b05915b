"""provision and seed: create the topology's resources and the demo catalogue on an emulator."""

from __future__ import annotations

from typing import Annotated

import typer

from orderflow.cli.common import (
    EndpointOption,
    endpoint_url,
    load_settings,
)

app = typer.Typer()


@app.command("provision")
def provision_command(
    endpoint: EndpointOption = None, with_seed: Annotated[bool, typer.Option("--seed/--no-seed")] = True
) -> None:
    """Create the bus, rules, queues, DLQs and tables from topology.yaml (an emulator, not AWS)."""
    from orderflow.local.provision import provision
    from orderflow.local.seed import seed

    url = endpoint_url(endpoint)
    if url is None:
        typer.echo(
            "orderflow provision targets an emulator: pass --endpoint-url or set AWS_ENDPOINT_URL "
            "(in AWS, use terraform/)",
            err=True,
        )
        raise typer.Exit(2)
    settings = load_settings(local_mode=True)
    done = provision(settings, endpoint_url=url)
    typer.echo(f"bus {done.bus}; {len(done.tables)} tables; {len(done.queues)} queues + DLQs; {len(done.rules)} rules")
    if with_seed:
        typer.echo(f"seeded {seed(settings, endpoint_url=url)} products")


@app.command("seed")
def seed_command(endpoint: EndpointOption = None) -> None:
    """Write the demo catalogue and stock."""
    from orderflow.local.seed import seed

    settings = load_settings()
    typer.echo(f"seeded {seed(settings, endpoint_url=endpoint_url(endpoint))} products")
