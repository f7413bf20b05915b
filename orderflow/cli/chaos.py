"""orderflow chaos: the local stack under kills, faults and duplicates, then full accounting."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer()


@app.command()
def chaos(
    orders: Annotated[int, typer.Option(min=1, help="Orders to submit.")] = 200,
    rate: Annotated[float, typer.Option(min=0.1, help="Orders per second (keep moto's backlog small).")] = 3.0,
    kill_every: Annotated[float, typer.Option(min=0, help="Seconds between SIGKILLs (0: none).")] = 5.0,
    term_every: Annotated[float, typer.Option(min=0, help="Seconds between SIGTERMs (0: none).")] = 11.0,
    fault_rate: Annotated[float, typer.Option(min=0, max=1, help="Before/after fault probability per call.")] = 0.02,
    duplicate_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of messages delivered twice.")] = 0.05,
    cancel_share: Annotated[float, typer.Option(min=0, max=0.8, help="Share of orders the customer cancels.")] = 0.15,
    seed: int = 1,
    workdir: Annotated[Path | None, typer.Option(help="Logs and the fault ledger (default: a temp dir).")] = None,
) -> None:
    """Run the stack under kills, faults and duplicates; account for every order; exit 1 if any invariant fails."""
    import tempfile

    from rich.console import Console

    from orderflow.chaos.config import ChaosConfig
    from orderflow.chaos.run import run_chaos
    from orderflow.local.stopsignal import StopSignal

    config = ChaosConfig(
        orders=orders,
        rate=rate,
        kill_every=kill_every,
        term_every=term_every,
        fault_rate=fault_rate,
        duplicate_rate=duplicate_rate,
        cancel_share=cancel_share,
        seed=seed,
    )
    directory = workdir or Path(tempfile.mkdtemp(prefix="orderflow-chaos-"))
    console = Console()
    console.print(f"chaos: {orders} orders at {rate}/s; logs and fault ledger in {directory}")
    # A SIGTERM (CI cancelling the job, `kill`) unwinds like Ctrl-C, so the run's own emulator,
    # API and workers are stopped instead of left running (raised where the run waits, not in the handler).
    terminated = StopSignal(lambda: SystemExit(143))
    terminated.install(signal.SIGTERM)
    report = run_chaos(config, directory, console=console, stop_signal=terminated)
    console.print(report.table())
    for example in report.findings.examples:
        console.print(f"  {example}")
    raise typer.Exit(0 if report.ok else 1)
