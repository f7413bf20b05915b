"""`orderflow load` against the real local platform: every kind of order reaches the terminal state
its lever asks for, the summary counts them by outcome, and a missed deadline exits non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from orderflow.local.emulator import LOCAL_CREDENTIALS
from tests.e2e.journey import E2E_API_KEY, Stack


def _load(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderflow", "load", "--api", stack.api_url, "--api-key", E2E_API_KEY, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **LOCAL_CREDENTIALS},
    )


def test_a_mixed_burst_ends_as_each_order_asked(stack: Stack) -> None:
    # WHEN a burst of 30 orders of all three kinds is sent
    done = _load(stack, "--burst", "30", "--mix", "happy=4,declined=1,out_of_stock=1", "--seed", "3", "--json")
    # THEN every one is accepted and terminal, each kind as its lever says
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["sent"], report["accepted"], report["terminal"], report["unfinished"]) == (30, 30, 30, [])
    kinds = report["outcomesByKind"]
    assert kinds["declined"] == {"CANCELLED (PAYMENT_DECLINED)": sum(kinds["declined"].values())}
    assert kinds["out_of_stock"] == {"CANCELLED (OUT_OF_STOCK)": sum(kinds["out_of_stock"].values())}
    assert set(kinds["happy"]) <= {"SHIPPED", "CANCELLED (OUT_OF_STOCK)"}  # a shelf may run empty
    assert sum(report["outcomes"].values()) == 30
    latency = report["placedToTerminalSeconds"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]


def test_an_order_missing_the_deadline_fails_the_run(stack: Stack) -> None:
    # WHEN the wait for terminal states is shorter than any saga
    done = _load(stack, "--burst", "3", "--mix", "happy=1", "--deadline", "0", "--json")
    # THEN it exits 1 and names the unfinished orders
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["accepted"] == 3 and len(report["unfinished"]) == 3 and report["ok"] is False


def test_the_summary_table_reads_as_a_report(stack: Stack) -> None:
    done = _load(stack, "--burst", "5", "--mix", "happy=1")
    assert done.returncode == 0, done.stderr
    for line in ("accepted (202)", "placed → terminal p99", "outcomes", "SHIPPED"):
        assert line in done.stdout
