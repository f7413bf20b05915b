"""orderflow replay: send a window of past events again (EventBridge archive replay in AWS, the
audit event store locally; orderflow.ops.replay and orderflow.local.replay)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from orderflow.cli.common import EndpointOption, JsonOption, endpoint_url, load_settings, print_table

if TYPE_CHECKING:
    from orderflow.ops.replay import ReplayPlan

app = typer.Typer()


@app.command()
def replay(
    start: Annotated[str, typer.Option("--from", help="Window start, ISO 8601 with a zone: 2026-12-01T12:00:00Z.")],
    end: Annotated[str, typer.Option("--to", help="Window end, ISO 8601 with a zone.")],
    event_type: Annotated[str | None, typer.Option("--event-type", help="Only this event type.")] = None,
    service: Annotated[str | None, typer.Option("--service", help="Only onto this service's queue/rules.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be replayed; send nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    endpoint: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replay a time window of events onto the bus, or onto one service. Consumers are idempotent:
    what was already applied changes nothing; what was lost takes effect."""
    from orderflow.ops.replay import ArchiveReplay, ReplayError, Window

    settings = load_settings()
    url = endpoint_url(endpoint)
    try:
        if service:
            settings.topology.service(service)
        window = Window(_when(start, "--from"), _when(end, "--to"), event_type, service)
        if url is not None:
            from orderflow.local.replay import LocalReplay

            runner: ArchiveReplay | LocalReplay = LocalReplay(settings, window, url)
        else:
            runner = ArchiveReplay(settings, window)
        plan = runner.plan()
    except (ReplayError, ValueError) as exc:
        typer.echo(f"orderflow replay: {exc}", err=True)
        raise typer.Exit(2) from None
    _show(plan, window.start, window.end, as_json=as_json)
    if dry_run or plan.count == 0:
        if plan.count == 0:
            typer.echo("nothing to replay in that window", err=True)
        return
    if not yes and not typer.confirm(f"replay onto {plan.destination}?", default=False, err=True):
        raise typer.Exit(1)
    try:
        result = _run(runner)
    except ReplayError as exc:
        typer.echo(f"orderflow replay: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(orjson.dumps(result).decode() if as_json else f"replay {str(result['state']).lower()}: {result}")
    if result["state"] != "COMPLETED":
        raise typer.Exit(1)


def _when(text: str, option: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r}: expected ISO 8601, e.g. 2026-12-01T12:00:00Z") from None


def _show(plan: ReplayPlan, start: datetime, end: datetime, *, as_json: bool) -> None:
    if as_json:
        typer.echo(orjson.dumps({"from": start, "to": end, **plan.__dict__}).decode())
        return
    count = "unknown until it runs (EventBridge counts as it replays)" if plan.count is None else plan.count
    rows: list[list[object]] = [["source", plan.where], ["window", f"{start.isoformat()} → {end.isoformat()}"]]
    rows += [["onto", plan.destination], ["events", count]]
    rows += [["  " + t, n] for t, n in plan.by_type.items()] + [["note", line] for line in plan.lines]
    print_table("replay", ["", ""], rows)


def _run(runner: object) -> dict[str, object]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from orderflow.local.replay import LocalReplay
    from orderflow.ops.replay import ArchiveReplay

    assert isinstance(runner, ArchiveReplay | LocalReplay)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("replaying", total=1.0)
        return runner.run(lambda done, what: bar.update(task, completed=done, description=what))
