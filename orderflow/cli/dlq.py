"""orderflow dlq: dead-letter queues — depth, contents, redrive."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer

from orderflow.cli.common import (
    EndpointOption,
    JsonOption,
    endpoint_url,
    load_settings,
    print_table,
)

app = typer.Typer(no_args_is_help=True, help="Dead-letter queues: depth, contents, redrive.")


@app.command("list")
def dlq_list(as_json: JsonOption = False, endpoint: EndpointOption = None) -> None:
    """Per service: main queue visible / in flight, DLQ depth, oldest dead message age."""
    from orderflow.ops.dlq import DeadLetters

    rows = DeadLetters(load_settings(), endpoint_url(endpoint)).status()
    if as_json:
        typer.echo(orjson.dumps([r.as_json() for r in rows]).decode())
        return
    print_table(
        "queues",
        ["service", "visible", "in flight", "DLQ", "oldest DLQ age (s)"],
        [[r.service, r.visible, r.inFlight, r.dlq, r.oldestDlqAgeSeconds] for r in rows],
    )


@app.command("show")
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
    print_table(
        f"{service} DLQ",
        ["message", "event", "order", "receives", "age (s)"],
        [[d.message_id[:8], d.event_type, d.order_id, d.receive_count, round(d.age_seconds)] for d in dead],
    )
    if body:
        for d in dead:
            typer.echo(f"--- {d.message_id}\n{d.body}")


@app.command("redrive")
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
