"""What every command group shares: settings, where the platform is, the API key, output helpers."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from orderflow.errors import OrderflowError
from orderflow.settings import Settings


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except (ValidationError, OrderflowError) as exc:
        typer.echo(f"orderflow: invalid configuration:\n{exc}", err=True)
        raise typer.Exit(2) from None


def endpoint_url(option: str | None) -> str | None:
    """--endpoint-url, else AWS_ENDPOINT_URL, else a running `orderflow dev`, else real AWS.

    A running `orderflow dev` serves DynamoDB from a process of its own: when the endpoint is its
    emulator (found, or named), its endpoints are put in this process's environment
    (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB), where botocore's clients and
    orderflow.ops.aws.client find them."""
    from orderflow.local.emulator import LOCAL_CREDENTIALS
    from orderflow.local.state import read_state

    url = option or os.environ.get("AWS_ENDPOINT_URL")
    state = read_state()
    if state is not None and url in (None, state["emulatorUrl"]):
        url = state["emulatorUrl"]
        os.environ.update(state.get("endpoints") or {"AWS_ENDPOINT_URL": url})
    if url is not None:
        for key, value in LOCAL_CREDENTIALS.items():
            os.environ.setdefault(key, value)
    return url


def api_url(option: str | None) -> str:
    from orderflow.local.state import read_state

    if option or os.environ.get("ORDERFLOW_API_URL"):
        return (option or os.environ["ORDERFLOW_API_URL"]).rstrip("/")
    state = read_state()
    return str(state["apiUrl"]) if state else "http://127.0.0.1:8080"


def api_key(option: str | None) -> str | None:
    """--api-key, else ORDERFLOW_API_KEY, else the key of a running `orderflow dev`."""
    from orderflow.local.state import read_state

    if option or os.environ.get("ORDERFLOW_API_KEY"):
        return option or os.environ["ORDERFLOW_API_KEY"]
    state = read_state()
    return str(state["apiKey"]) if state and state.get("apiKey") else None


def api_headers(option: str | None, **extra: str) -> dict[str, str]:
    key = api_key(option)
    return {**({"Authorization": f"Bearer {key}"} if key else {}), **extra}


EndpointOption = Annotated[str | None, typer.Option("--endpoint-url", help="AWS endpoint (an emulator).")]
ApiOption = Annotated[str | None, typer.Option("--api-url", help="Order API base URL.")]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", help="API key; default ORDERFLOW_API_KEY, else the running `orderflow dev`'s."),
]


JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row))
    Console().print(table)
