"""orderflow trace: an order's trace, from the local span store, as a waterfall in the terminal."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from orderflow.cli.common import load_settings

app = typer.Typer()


@app.command("trace")
def trace(
    order_id: Annotated[str, typer.Argument(help="The order's id (a UUID).")],
    spans: Annotated[bool, typer.Option("--spans", help="Every span (AWS calls, publishes), not hops only.")] = False,
) -> None:
    """Every hop of one order — API request, each worker's handler — with its queue wait and work time.

    Reads the spans `orderflow dev` writes under the state folder (ORDERFLOW_STATE_DIR); in AWS the
    same spans are in X-Ray.
    """
    from orderflow.ops.trace import order_traces, read_order_spans, waterfall
    from orderflow.tracing import trace_dir

    try:
        parsed = str(uuid.UUID(order_id))
    except ValueError:
        typer.echo(f"orderflow: {order_id!r} is not an order id (a UUID)", err=True)
        raise typer.Exit(2) from None
    folder = trace_dir(load_settings(local_mode=True))
    traces = order_traces(read_order_spans(folder, parsed), parsed)
    if not traces:
        typer.echo(f"orderflow: no trace of order {parsed} under {folder} (is `orderflow dev` running?)", err=True)
        raise typer.Exit(1)
    typer.echo(f"order {parsed}")
    for one in traces:
        typer.echo("\n".join(waterfall(one, every_span=spans)))
