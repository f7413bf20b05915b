"""The local state folder's files, written and read through their one module (orderflow.local.runstate)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from orderflow.local import runstate
from orderflow.local.runstate import (
    ProcessInfo,
    RunState,
    ScalingDecision,
    ServiceControl,
    ServiceState,
    SupervisorState,
)


def _decision(service: str, at: datetime, action: runstate.ScalingAction = "scale_out") -> ScalingDecision:
    return ScalingDecision(
        at=at,
        service=service,
        action=action,
        from_=1,
        to=3,
        needed=3,
        reason="backlog 250 per worker > target 100: needs 3",
        visible=250,
        in_flight=10,
        running=1,
        backlog_per_worker=250.0,
    )


def test_supervisor_state_is_written_and_read_back_with_the_agreed_names(tmp_path: Path) -> None:
    state = RunState(tmp_path)
    now = datetime.now(UTC)
    written = SupervisorState(
        pid=1,
        started_at=now,
        updated_at=now,
        tick_seconds=1.0,
        services={
            "payment": ServiceState(
                service="payment",
                min_workers=1,
                max_workers=4,
                desired=3,
                running=1,
                target_backlog_per_worker=100,
                scale_out_cooldown_seconds=5,
                scale_in_cooldown_seconds=30,
                visible=250,
                in_flight=10,
                processes=[ProcessInfo(worker_id="payment-1", pid=99, started_at=now, state="running")],
                last_decision=_decision("payment", now),
            )
        },
    )
    state.write_supervisor(written)
    raw = orjson.loads(state.supervisor_file.read_bytes())
    payment = raw["services"]["payment"]
    assert {"min", "max", "desired", "running", "targetBacklogPerWorker", "desiredOverride", "paused"} <= set(payment)
    assert payment["lastDecision"]["from"] == 1 and payment["processes"][0]["workerId"] == "payment-1"
    assert state.supervisor() == written
    assert RunState(tmp_path / "nothing").supervisor() is None


def test_decisions_append_and_filter_by_service_and_time(tmp_path: Path) -> None:
    state = RunState(tmp_path)
    t0 = datetime.now(UTC)
    for i, service in enumerate(["payment", "shipping", "payment"]):
        state.append_decision(_decision(service, t0 + timedelta(seconds=i)))
    with state.scaling_log.open("ab") as out:
        out.write(b'{"torn line\n')  # a reader racing a writer, or a foreign line: skipped
    assert [d.service for d in state.decisions()] == ["payment", "shipping", "payment"]
    assert len(list(state.decisions(service="payment", since=t0 + timedelta(seconds=1)))) == 1


def test_the_scaling_log_stays_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runstate, "_SCALING_LOG_MAX_BYTES", 5_000)
    state = RunState(tmp_path)
    t0 = datetime.now(UTC)
    for i in range(100):
        state.append_decision(_decision("payment", t0 + timedelta(seconds=i)))
    kept = list(state.decisions())
    assert state.scaling_log.stat().st_size <= 5_000 and kept
    assert kept[-1].at == t0 + timedelta(seconds=99), "the newest decisions are the ones kept"


def test_control_is_read_modified_and_validated(tmp_path: Path) -> None:
    state = RunState(tmp_path)
    assert state.control() == {}
    state.set_control("payment", paused=True)
    state.set_control("shipping", desired_override=3)
    state.set_control("payment", desired_override=2)
    assert state.control() == {
        "payment": ServiceControl(paused=True, desired_override=2),
        "shipping": ServiceControl(desired_override=3),
    }
    assert orjson.loads(state.control_file.read_bytes())["shipping"] == {"paused": False, "desiredOverride": 3}
    with pytest.raises(ValidationError):
        state.set_control("payment", desired_override=-1)
    state.control_file.write_text("not json")
    assert state.control() == {}, "an unreadable control file means: no override"
