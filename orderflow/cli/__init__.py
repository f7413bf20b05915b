"""The `orderflow` command: run the API or a worker, run the platform locally, and operate it.

One module per command group, each thin over functions that tests call directly.
"""

from __future__ import annotations

import typer

from orderflow.cli import (
    apikey,
    audit,
    chaos,
    console,
    dlq,
    inventory,
    load,
    mail,
    orders,
    processes,
    provisioning,
    replay,
    schemas,
    simulate,
    trace,
)
from orderflow.cli.common import api_headers, api_key, api_url, endpoint_url, load_settings

__all__ = ["api_headers", "api_key", "api_url", "app", "endpoint_url", "load_settings", "main"]

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_show_locals=False)
# Top-level commands (api, worker, health, dev, provision, seed, chaos, console, trace, load, replay)
# merge into the root.
for group in (processes, provisioning, chaos, console, trace, load, replay):
    app.add_typer(group.app)
for name, group in {
    "orders": orders,
    "schemas": schemas,
    "simulate": simulate,
    "dlq": dlq,
    "inventory": inventory,
    "apikey": apikey,
    "audit": audit,
    "mail": mail,
}.items():
    app.add_typer(group.app, name=name)


def main() -> None:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        app()
    except NoCredentialsError:
        typer.echo(
            "orderflow: no AWS credentials, and no local platform found. Start one with `orderflow dev`, "
            "or pass --endpoint-url / set AWS_ENDPOINT_URL, or configure AWS credentials.",
            err=True,
        )
        raise SystemExit(2) from None
    except (BotoCoreError, ClientError) as exc:
        typer.echo(f"orderflow: AWS call failed: {exc}", err=True)
        raise SystemExit(1) from None
