"""The console's local source reads the dev supervisor's state file: a supervisor whose tick is late
(a busy emulator stretches it) is still the source of desired and running workers, with a note; a
supervisor that is gone is not."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orderflow.console.build import build_console
from orderflow.local.runstate import RunState, ServiceState, SupervisorState
from orderflow.settings import Settings


def _supervisor(settings: Settings, pid: int, late: float) -> None:
    at = datetime.now(UTC) - timedelta(seconds=late)
    payment = ServiceState(
        service="payment",
        min_workers=1,
        max_workers=3,
        desired=3,
        running=3,
        target_backlog_per_worker=20,
        scale_out_cooldown_seconds=5,
        scale_in_cooldown_seconds=20,
        visible=120,
        in_flight=40,
        processes=[],
    )
    state = SupervisorState(pid=pid, started_at=at, updated_at=at, tick_seconds=1.0, services={"payment": payment})
    RunState.of(settings).write_supervisor(state)


def _exited_pid() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


async def _payment(settings: Settings) -> tuple[Any, list[str]]:
    console = await build_console(settings, read_only=True, aws=False)
    try:
        snapshot = await console.source.snapshot()
    finally:
        await console.source.close()
        console.store.close()
    return next(v for v in snapshot.services if v.service == "payment"), snapshot.notes


async def test_a_late_supervisor_still_gives_desired_and_running_with_a_note(
    settings: Settings, provisioned: Any, tmp_path: Path
) -> None:
    # GIVEN a supervisor, alive, whose last tick was 30 s ago
    settings = settings.model_copy(update={"state_dir": tmp_path})
    _supervisor(settings, os.getpid(), late=30)
    # WHEN the console takes a snapshot
    payment, notes = await _payment(settings)
    # THEN its figures are the supervisor's, and the page says how late they are
    assert (payment.desired, payment.running, payment.visible) == (3, 3, 120)
    assert any(re.fullmatch(r"the dev supervisor's last tick was 3\d s ago", n) for n in notes), notes


async def test_a_gone_supervisor_is_not_a_source(settings: Settings, provisioned: Any, tmp_path: Path) -> None:
    # GIVEN the state file of a supervisor that has exited
    settings = settings.model_copy(update={"state_dir": tmp_path})
    _supervisor(settings, _exited_pid(), late=30)
    # WHEN the console takes a snapshot
    payment, notes = await _payment(settings)
    # THEN desired is unknown and the queue is read directly (empty here)
    assert (payment.desired, payment.visible) == (None, 0)
    assert any("no dev supervisor state" in n for n in notes), notes
