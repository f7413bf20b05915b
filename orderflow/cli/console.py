"""orderflow console: the live operator console on http://127.0.0.1:8081 (started by `orderflow dev`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from orderflow.cli.common import EndpointOption, api_key, endpoint_url, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer()
CONSOLE_PORT = 8081


@app.command()
def console(
    read_only: Annotated[bool, typer.Option("--read-only", help="Show everything; refuse every action.")] = False,
    aws: Annotated[
        bool,
        typer.Option("--aws", help="A deployed environment (AWS credentials, ORDERFLOW_RESOURCE_PREFIX); read-only."),
    ] = False,
    prefix: Annotated[
        str | None, typer.Option("--prefix", help="The environment's resource prefix (else ORDERFLOW_RESOURCE_PREFIX).")
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535)] = CONSOLE_PORT,
    tick: Annotated[float, typer.Option(min=0.2, max=10, help="Seconds between samples.")] = 1.0,
    endpoint: EndpointOption = None,
) -> None:
    """Serve the operator console on 127.0.0.1 (only): queues, workers, scaling, funnel, DLQ triage."""
    import asyncio

    from pydantic import SecretStr

    from orderflow.console.app import create_app
    from orderflow.console.build import build_console
    from orderflow.console.context import Console
    from orderflow.observability import configure_logging

    # The prefix also names the state folder (the AWS console's chart history lives there).
    settings = load_settings(resource_prefix=prefix) if prefix else load_settings()
    if aws and endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint  # e.g. an emulator Terraform applied to
    if not aws:
        url = endpoint_url(endpoint)
        if url:
            os.environ["AWS_ENDPOINT_URL"] = url
        key = settings.dev_api_key.get_secret_value() if settings.dev_api_key else api_key(None)
        if key:
            settings = settings.model_copy(update={"dev_api_key": SecretStr(key)})
    configure_logging(settings, service="console")

    async def build() -> Console:
        return await build_console(settings, read_only=read_only or aws, aws=aws, tick_seconds=tick)

    typer.echo(f"orderflow console: http://127.0.0.1:{port}" + (" (read-only)" if read_only or aws else ""), err=True)
    asyncio.run(_serve(create_app(build), port))


async def _serve(application: FastAPI, port: int) -> None:
    import uvicorn

    # 127.0.0.1 only, never a setting: reading needs no key because nobody else can connect.
    config = uvicorn.Config(application, host="127.0.0.1", port=port, access_log=False, log_config=None)
    await uvicorn.Server(config).serve()
