"""The processes the container image runs, and the whole platform locally: api, worker, health, dev."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from pydantic import SecretStr

from orderflow.cli.common import (
    EndpointOption,
    load_settings,
)
from orderflow.errors import OrderflowError

app = typer.Typer()


@app.command()
def api() -> None:
    """Run the order API (uvicorn)."""
    import uvicorn

    from api.app import create_app
    from orderflow.observability import configure_logging
    from orderflow.tracing import configure_tracing

    settings = load_settings()
    configure_logging(settings, service="api")
    configure_tracing(settings, service="api")
    if settings.local_mode and not settings.dev_api_key and not settings.api_keys:
        # Local mode without `orderflow dev` (a container, a debugger): a key for this run only.
        key = secrets.token_urlsafe(24)
        settings = settings.model_copy(update={"dev_api_key": SecretStr(key)})
        typer.echo(f"orderflow api: local mode, no key configured; this run's API key (client dev): {key}", err=True)
    try:
        application = create_app(settings)
    except OrderflowError as exc:
        typer.echo(f"orderflow api: {exc}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(
        application,
        host=settings.api_host,
        port=settings.api_port,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=int(settings.shutdown_deadline_seconds),
    )


@app.command()
def worker(service: Annotated[str, typer.Argument(help="inventory, payment, shipping, notification, orders")]) -> None:
    """Run one service's queue consumer until SIGTERM (then drain and exit 0)."""
    from orderflow.observability import configure_logging
    from orderflow.tracing import configure_tracing
    from workers.bootstrap import run_loop, run_worker

    settings = load_settings()
    settings.topology.service(service)
    configure_logging(settings, service=service)
    configure_tracing(settings, service=service)
    run_loop(run_worker(service, settings), settings)


@app.command()
def health(
    service: str,
    max_age: Annotated[float | None, typer.Option(help="Seconds; default ORDERFLOW_HEARTBEAT_MAX_AGE_SECONDS.")] = None,
) -> None:
    """Exit 0 if the worker's heartbeat is fresh, 1 if stale or missing (container health check)."""
    from workers.runtime.heartbeat import heartbeat_age

    settings = load_settings()
    age = heartbeat_age(settings.heartbeat_file(service))
    limit = max_age or settings.heartbeat_max_age_seconds
    if age is None or age > limit:
        typer.echo(f"{service}: unhealthy (heartbeat {'missing' if age is None else f'{age:.0f} s old'})", err=True)
        raise typer.Exit(1)
    typer.echo(f"{service}: healthy (heartbeat {age:.1f} s old)")


@app.command()
def dev(
    emulator_port: Annotated[int, typer.Option(help="Port of the local AWS emulator.")] = 4566,
    api_port: Annotated[int, typer.Option(help="Port of the order API.")] = 8080,
    endpoint: EndpointOption = None,
    services: Annotated[str | None, typer.Option(help="Comma-separated subset of workers to run.")] = None,
) -> None:
    """Run the whole platform locally: emulator, provisioning, catalogue, API and every worker."""
    from orderflow.local.dev import DevOptions, run_dev
    from orderflow.observability import configure_logging

    settings = load_settings(local_mode=True)
    configure_logging(settings, service="dev")
    chosen = tuple(s.strip() for s in services.split(",")) if services else ()
    for name in chosen:
        settings.topology.service(name)
    try:
        code = run_dev(
            settings, DevOptions(emulator_port=emulator_port, api_port=api_port, endpoint_url=endpoint, services=chosen)
        )
    except RuntimeError as exc:
        typer.echo(f"orderflow dev: {exc}", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(code)
