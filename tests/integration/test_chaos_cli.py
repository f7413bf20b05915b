"""`orderflow chaos` owns a whole stack (emulator, API, workers): stopping the run stops all of it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.timeout(120)
def test_sigterm_stops_the_runs_emulator_api_and_workers(tmp_path: Path) -> None:
    # GIVEN a chaos run that has started its stack
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    run = subprocess.Popen(
        [sys.executable, "-m", "orderflow", "chaos", "--orders", "500", "--rate", "1", "--workdir", str(tmp_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "notification.log").exists() or len(_descendants(run.pid)) < 7:
            assert run.poll() is None, "the chaos run ended before its stack was up"
            assert time.monotonic() < deadline, "the chaos stack did not come up within 60 s"
            time.sleep(0.2)
        stack = _descendants(run.pid)  # emulator, API, workers (some may still be starting)
        # WHEN the run is terminated (CI cancelling the job), possibly while it forks a worker
        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=60)
        # THEN it exits 143 and leaves none of its processes behind
        assert code == 143
        assert [pid for pid in stack if _running(pid)] == []
    finally:  # a failed run must not outlive this test (its Popen would warn in another test)
        if run.poll() is None:
            for pid in _descendants(run.pid) | {run.pid}:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            run.wait()
