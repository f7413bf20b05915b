"""A reduced chaos run in `make test`: the real stack under kills, faults and duplicates, then
every order accounted for from the services' own tables and the API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from orderflow.chaos.config import ChaosConfig
from orderflow.chaos.run import run_chaos

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(480)
def test_chaos_run_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    # GIVEN 150 orders at 3/s while workers are SIGKILLed and SIGTERMed, AWS calls fail before and
    # after they happen, and a share of messages is delivered twice
    config = ChaosConfig(orders=150, rate=3.0, kill_every=5.0, term_every=11.0, seed=7, quiesce_timeout=300)
    out = io.StringIO()
    # WHEN the run heals and settles
    report = run_chaos(config, tmp_path, console=Console(file=out, width=120))
    Console(file=out, width=120).print(report.table())
    details = out.getvalue() + "\n".join(report.findings.examples)
    # THEN every invariant holds...
    assert report.ok, details
    assert report.accepted == config.orders and report.findings.counts["terminal"] == config.orders, details
    # ...and the chaos actually happened
    assert report.signals["SIGKILL"] >= 5 and report.signals["SIGTERM"] >= 2, details
    assert report.faults["before"] > 0 and report.faults["after"] > 0, details
    assert report.faults["duplicate"] > 0, details
