"""orderflow load: drive orders at the API and report what became of them (orderflow.ops.load)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import urllib.parse
from typing import TYPE_CHECKING, Annotated

import typer

from orderflow.cli.common import ApiKeyOption, JsonOption, api_headers, api_url, print_table

if TYPE_CHECKING:
    from orderflow.ops.load import LoadPlan
    from orderflow.ops.loadreport import LoadReport

app = typer.Typer()


@app.command()
def load(
    rate: Annotated[float, typer.Option(help="Orders per second, for --duration seconds.")] = 0.0,
    duration: Annotated[float, typer.Option(help="Seconds at --rate.")] = 0.0,
    burst: Annotated[int, typer.Option(help="Orders sent at once, before the steady rate.")] = 0,
    mix: Annotated[str, typer.Option(help="Weights of happy, declined and out_of_stock orders.")] = (
        "happy=90,declined=5,out_of_stock=5"
    ),
    api: Annotated[
        str | None, typer.Option("--api", help="Order API URL; default: the running `orderflow dev` (loopback only).")
    ] = None,
    deadline: Annotated[float, typer.Option(help="Seconds after the last send for every order to finish.")] = 120.0,
    seed: Annotated[int | None, typer.Option(help="Seed of the order mix, to repeat a run.")] = None,
    key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send orders (a burst, a rate, or both), follow them to SHIPPED/CANCELLED, and summarise.

    Exits 1 when an accepted order is not terminal within the deadline (or none was accepted).
    """
    from orderflow.ops.load import LoadError, LoadPlan, parse_mix, run_load

    try:
        plan = LoadPlan(rate=rate, duration=duration, burst=burst, mix=parse_mix(mix), deadline=deadline, seed=seed)
        url = _target(api)
    except LoadError as exc:
        typer.echo(f"orderflow load: {exc}", err=True)
        raise typer.Exit(2) from None
    headers = api_headers(key)
    if as_json:
        report = asyncio.run(run_load(plan, url, headers, lambda _: None))
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        report = asyncio.run(_with_progress(plan, url, headers))
        _summary(report)
    if not report.ok:
        raise typer.Exit(1)


def _target(option: str | None) -> str:
    """--api as given; otherwise the local platform's API, which must be on this machine."""
    from orderflow.ops.load import LoadError

    if option:
        if urllib.parse.urlsplit(option).scheme not in ("http", "https"):
            raise LoadError(f"--api {option!r}: expected an http:// or https:// URL")
        return option.rstrip("/")
    url = api_url(None)
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadError(f"{url} is not on this machine: name a remote API explicitly with --api")
    return url


async def _with_progress(plan: LoadPlan, url: str, headers: dict[str, str]) -> LoadReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from orderflow.ops.load import run_load

    columns = (TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        sent, accepted, done = (bar.add_task(name, total=plan.total) for name in ("sent", "accepted", "terminal"))

        def show(report: LoadReport) -> None:
            bar.update(sent, completed=report.sent)
            bar.update(accepted, completed=len(report.accepted))
            bar.update(done, completed=report.terminal, total=max(1, len(report.accepted)))

        report = await run_load(plan, url, headers, show)
        show(report)
    return report


def _summary(report: LoadReport) -> None:
    latency = report.latency()
    rejected = ", ".join(f"{code}: {n}" for code, n in sorted(report.rejected.items())) or "none"
    print_table(
        "orderflow load",
        ["", ""],
        [
            ["sent", report.sent],
            ["accepted (202)", len(report.accepted)],
            ["rejected", rejected],
            ["terminal", f"{report.terminal} of {len(report.accepted)}"],
            *[[f"placed → terminal {q}", _seconds(v)] for q, v in latency.items()],
        ],
    )
    print_table("outcomes", ["status (reason)", "orders"], [[k, v] for k, v in report.outcomes().items()])
    print_table(
        "by kind of order",
        ["kind", "ended as"],
        [[kind, ", ".join(f"{k}: {v}" for k, v in ends.items())] for kind, ends in report.by_kind().items()],
    )
    if report.unfinished:
        shown = ", ".join(report.unfinished[:5]) + (" …" if len(report.unfinished) > 5 else "")
        typer.echo(f"{len(report.unfinished)} orders not terminal by the deadline: {shown}", err=True)


def _seconds(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f} s"
