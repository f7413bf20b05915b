"""The `orderflow` command: run the API or a worker, run the platform locally, and operate it."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer
from pydantic import SecretStr, ValidationError

from orderflow.errors import OrderflowError
from orderflow.settings import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_show_locals=False)
orders_app = typer.Typer(no_args_is_help=True, help="Place and look up orders through the API.")
schemas_app = typer.Typer(no_args_is_help=True, help="JSON Schemas of the events and the API.")
simulate_app = typer.Typer(no_args_is_help=True, help="Local-mode simulation levers.")
app.add_typer(orders_app, name="orders")
app.add_typer(schemas_app, name="schemas")
app.add_typer(simulate_app, name="simulate")
dlq_app = typer.Typer(no_args_is_help=True, help="Dead-letter queues: depth, contents, redrive.")
inventory_app = typer.Typer(no_args_is_help=True, help="Stock levels.")
app.add_typer(dlq_app, name="dlq")
app.add_typer(inventory_app, name="inventory")
apikey_app = typer.Typer(no_args_is_help=True, help="API keys: create one for a client.")
app.add_typer(apikey_app, name="apikey")


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except (ValidationError, OrderflowError) as exc:
        typer.echo(f"orderflow: invalid configuration:\n{exc}", err=True)
        raise typer.Exit(2) from None


def endpoint_url(option: str | None) -> str | None:
    """--endpoint-url, else AWS_ENDPOINT_URL, else a running `orderflow dev`, else real AWS."""
    from orderflow.local.emulator import LOCAL_CREDENTIALS
    from orderflow.local.state import read_state

    url = option or os.environ.get("AWS_ENDPOINT_URL")
    if url is None and (state := read_state()) is not None:
        url = state["emulatorUrl"]
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


# -- processes --------------------------------------------------------------------------------


@app.command()
def api() -> None:
    """Run the order API (uvicorn)."""
    import uvicorn

    from api.app import create_app
    from orderflow.observability import configure_logging

    settings = load_settings()
    configure_logging(settings, service="api")
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
    from workers.bootstrap import run_worker

    settings = load_settings()
    settings.topology.service(service)
    configure_logging(settings, service=service)
    asyncio.run(run_worker(service, settings))


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


# -- provisioning -----------------------------------------------------------------------------


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


# -- orders -----------------------------------------------------------------------------------


@orders_app.command("submit")
def orders_submit(
    body: Annotated[str | None, typer.Option("--json", help="Request body (JSON); '-' reads stdin.")] = None,
    item: Annotated[list[str] | None, typer.Option("--item", help="SKU:QUANTITY, repeatable.")] = None,
    email: Annotated[str, typer.Option(help="customerEmail")] = "student@example.com",
    currency: str = "USD",
    idempotency_key: Annotated[str | None, typer.Option(help="Idempotency-Key header")] = None,
    wait: Annotated[bool, typer.Option(help="Wait for a terminal or given status.")] = False,
    url: ApiOption = None,
    key: ApiKeyOption = None,
) -> None:
    """Place an order (default: the seed article's laptop and two mice)."""
    if body == "-":
        body = sys.stdin.read()
    if body:
        payload = orjson.loads(body)
    else:
        lines = item or ["LAPTOP-001:1", "MOUSE-002:2"]
        payload = {
            "customerEmail": email,
            "currency": currency,
            "items": [{"sku": s, "quantity": int(q)} for s, q in (line.split(":", 1) for line in lines)],
        }
    headers = api_headers(key, **({"Idempotency-Key": idempotency_key} if idempotency_key else {}))
    response = httpx.post(f"{api_url(url)}/orders", json=payload, headers=headers, timeout=10)
    typer.echo(orjson.dumps(response.json(), option=orjson.OPT_INDENT_2).decode())
    if response.status_code >= 400:
        raise typer.Exit(1)
    if wait:
        _wait_for(api_url(url), api_headers(key), response.json()["orderId"], None, 60)


@orders_app.command("get")
def orders_get(
    order_id: str,
    wait_for: Annotated[
        str | None, typer.Option("--wait-for", help="Poll until this status (or any terminal).")
    ] = None,
    timeout: float = 60,
    url: ApiOption = None,
    key: ApiKeyOption = None,
) -> None:
    """Show an order's status and timeline."""
    if wait_for:
        _wait_for(api_url(url), api_headers(key), order_id, wait_for, timeout)
        return
    response = httpx.get(f"{api_url(url)}/orders/{order_id}", headers=api_headers(key), timeout=10)
    typer.echo(orjson.dumps(response.json(), option=orjson.OPT_INDENT_2).decode())
    if response.status_code >= 400:
        raise typer.Exit(1)


def _wait_for(base: str, headers: dict[str, str], order_id: str, status: str | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    view: dict[str, Any] = {}
    while time.monotonic() < deadline:
        view = httpx.get(f"{base}/orders/{order_id}", headers=headers, timeout=10).json()
        if view.get("status") == status or (status is None and view.get("status") in ("SHIPPED", "CANCELLED")):
            break
        time.sleep(0.2)
    typer.echo(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode())
    if status and view.get("status") != status:
        raise typer.Exit(1)


@apikey_app.command("create")
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


# -- schemas, simulation ----------------------------------------------------------------------


@schemas_app.command("export")
def schemas_export(directory: Annotated[Path | None, typer.Option("--dir")] = None) -> None:
    """Write every schema to schemas/ (commit the result)."""
    from orderflow.contracts import schemas

    written = schemas.export(directory or schemas.DEFAULT_DIR)
    typer.echo(f"wrote {len(written)} schemas to {directory or schemas.DEFAULT_DIR}")


@schemas_app.command("check")
def schemas_check(directory: Annotated[Path | None, typer.Option("--dir")] = None) -> None:
    """Fail if the checked-in schemas differ from the models."""
    from orderflow.contracts import schemas

    problems = schemas.differences(directory or schemas.DEFAULT_DIR)
    for line in problems:
        typer.echo(line, err=True)
    if problems:
        typer.echo("run `make schemas` and commit the result", err=True)
        raise typer.Exit(1)
    typer.echo("schemas are up to date")


@simulate_app.command("heal")
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


# -- operations -------------------------------------------------------------------------------

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row))
    Console().print(table)


@dlq_app.command("list")
def dlq_list(as_json: JsonOption = False, endpoint: EndpointOption = None) -> None:
    """Per service: main queue visible / in flight, DLQ depth, oldest dead message age."""
    from orderflow.ops.dlq import DeadLetters

    rows = DeadLetters(load_settings(), endpoint_url(endpoint)).status()
    if as_json:
        typer.echo(orjson.dumps([r.as_json() for r in rows]).decode())
        return
    _table(
        "queues",
        ["service", "visible", "in flight", "DLQ", "oldest DLQ age (s)"],
        [[r.service, r.visible, r.inFlight, r.dlq, r.oldestDlqAgeSeconds] for r in rows],
    )


@dlq_app.command("show")
def dlq_show(
    service: str,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    body: Annotated[bool, typer.Option("--body", help="Print each message body.")] = False,
    as_json: JsonOption = False,
    endpoint: EndpointOption = None,
) -> None:
    """The dead messages of one service: event type, order, receive count, age."""
    from dataclasses import asdict

    from orderflow.ops.dlq import DeadLetters

    dead = DeadLetters(load_settings(), endpoint_url(endpoint)).peek(service, limit=limit)
    if as_json:
        typer.echo(orjson.dumps([{**asdict(d), "body": d.body if body else None} for d in dead]).decode())
        return
    _table(
        f"{service} DLQ",
        ["message", "event", "order", "receives", "age (s)"],
        [[d.message_id[:8], d.event_type, d.order_id, d.receive_count, round(d.age_seconds)] for d in dead],
    )
    if body:
        for d in dead:
            typer.echo(f"--- {d.message_id}\n{d.body}")


@dlq_app.command("redrive")
def dlq_redrive(
    service: str,
    max_per_second: Annotated[int | None, typer.Option(min=1, help="Rate limit.")] = None,
    endpoint: EndpointOption = None,
) -> None:
    """Move a service's dead messages back to its queue (after fixing the cause)."""
    from rich.progress import Progress

    from orderflow.ops.dlq import DeadLetters

    dead = DeadLetters(load_settings(), endpoint_url(endpoint))
    with Progress(disable=not sys.stderr.isatty(), transient=True) as bar:
        task = bar.add_task(f"redriving {service}", total=None)
        moved = dead.redrive(
            service,
            max_per_second=max_per_second,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(f"{service}: redrove {moved} message(s) to {load_settings().queue_name(service)}")


@inventory_app.command("list")
def inventory_list(as_json: JsonOption = False, endpoint: EndpointOption = None) -> None:
    """Each SKU with its price and the units that can still be reserved."""
    from orderflow.ops.inventory import stock_levels

    rows = stock_levels(load_settings(), endpoint_url(endpoint))
    if as_json:
        typer.echo(orjson.dumps(rows).decode())
        return
    _table("inventory", ["sku", "price", "available"], [[r["sku"], r["price"], r["available"]] for r in rows])


@app.command()
def chaos(
    orders: Annotated[int, typer.Option(min=1, help="Orders to submit.")] = 200,
    rate: Annotated[float, typer.Option(min=0.1, help="Orders per second (keep moto's backlog small).")] = 3.0,
    kill_every: Annotated[float, typer.Option(min=0, help="Seconds between SIGKILLs (0: none).")] = 5.0,
    term_every: Annotated[float, typer.Option(min=0, help="Seconds between SIGTERMs (0: none).")] = 11.0,
    fault_rate: Annotated[float, typer.Option(min=0, max=1, help="Before/after fault probability per call.")] = 0.02,
    duplicate_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of messages delivered twice.")] = 0.05,
    seed: int = 1,
    workdir: Annotated[Path | None, typer.Option(help="Logs and the fault ledger (default: a temp dir).")] = None,
) -> None:
    """Run the stack under kills, faults and duplicates; account for every order; exit 1 if any invariant fails."""
    import tempfile

    from rich.console import Console

    from orderflow.chaos.config import ChaosConfig
    from orderflow.chaos.run import run_chaos

    config = ChaosConfig(
        orders=orders,
        rate=rate,
        kill_every=kill_every,
        term_every=term_every,
        fault_rate=fault_rate,
        duplicate_rate=duplicate_rate,
        seed=seed,
    )
    directory = workdir or Path(tempfile.mkdtemp(prefix="orderflow-chaos-"))
    console = Console()
    console.print(f"chaos: {orders} orders at {rate}/s; logs and fault ledger in {directory}")
    # A SIGTERM (CI cancelling the job, `kill`) unwinds like Ctrl-C, so the run's own emulator,
    # API and workers are stopped instead of left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = run_chaos(config, directory, console=console)
    console.print(report.table())
    for example in report.findings.examples:
        console.print(f"  {example}")
    raise typer.Exit(0 if report.ok else 1)


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
