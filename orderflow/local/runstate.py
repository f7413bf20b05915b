"""The local state folder: every file the dev supervisor, the workers and the console share.

One module owns every path and the model of every file, so writers and readers cannot drift:

    <state_dir>/workers/<service>.<workerId>.json   one per worker process, rewritten every tick
    <state_dir>/supervisor.json                     the supervisor's view, rewritten every tick
    <state_dir>/scaling.jsonl                       one line per scaling decision that changed something
    <state_dir>/control.json                        written by the console, read by the supervisor

`state_dir` is Settings.state_dir (ORDERFLOW_STATE_DIR; default $XDG_STATE_HOME/orderflow/<prefix>).
Every JSON file is replaced by atomic rename, so a reader never sees half of one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import orjson
from pydantic import Field, TypeAdapter, ValidationError

from orderflow.settings import Settings
from orderflow.workerstatus import Histogram, StateModel, WorkerStatus, worker_status_path, write_atomically

__all__ = [
    "Histogram",
    "ProcessInfo",
    "RunState",
    "ScalingAction",
    "ScalingDecision",
    "ServiceControl",
    "ServiceState",
    "SupervisorState",
    "WorkerStatus",
]

ScalingAction = Literal["scale_out", "scale_in", "hold_cooldown", "wake_from_zero", "at_max", "steady"]
_SCALING_LOG_MAX_BYTES = 2_000_000  # then the oldest half is dropped: bounded on a laptop left running


class ScalingDecision(StateModel):
    """One line of scaling.jsonl, and each service's latest decision in supervisor.json."""

    at: datetime
    service: str
    action: ScalingAction
    from_: int = Field(alias="from", description="Desired workers before the decision.")
    to: int = Field(description="Desired workers after it.")
    needed: int = Field(description="Workers the backlog asks for: ceil(visible / target), before min and max.")
    reason: str = Field(description='e.g. "at max: needs 14, capped at 10".')
    visible: int
    in_flight: int
    running: int
    backlog_per_worker: float | None = Field(description="visible / running; None with no worker running.")


class ProcessInfo(StateModel):
    """A process the supervisor runs: a worker (workerId = <service>-<n>), or the api / console."""

    worker_id: str
    pid: int | None
    started_at: datetime
    state: Literal["running", "draining", "restarting"]
    restarts: int = 0


class ServiceState(StateModel):
    service: str
    min_workers: int = Field(alias="min")
    max_workers: int = Field(alias="max")
    desired: int
    running: int = Field(description="Processes running and not draining.")
    target_backlog_per_worker: int
    scale_out_cooldown_seconds: int
    scale_in_cooldown_seconds: int
    visible: int | None = Field(description="Last ApproximateNumberOfMessages; None when the queue could not be read.")
    in_flight: int | None
    paused: bool = False
    desired_override: int | None = None
    processes: list[ProcessInfo] = Field(default_factory=list)
    last_decision: ScalingDecision | None = None


class SupervisorState(StateModel):
    """supervisor.json: services in topology order."""

    pid: int
    started_at: datetime
    updated_at: datetime
    tick_seconds: float
    services: dict[str, ServiceState]
    processes: dict[str, ProcessInfo] = Field(
        default_factory=dict, description="The other processes (api, console), by name."
    )


class ServiceControl(StateModel):
    """control.json's value per service: what the console asked for."""

    paused: bool = False
    desired_override: int | None = Field(default=None, ge=0)


_CONTROL = TypeAdapter(dict[str, ServiceControl])


@dataclass(frozen=True)
class RunState:
    root: Path

    @classmethod
    def of(cls, settings: Settings) -> RunState:
        return cls(settings.state_dir)

    # -- paths ----------------------------------------------------------------------------------

    @property
    def workers_dir(self) -> Path:
        return self.root / "workers"

    def worker_file(self, service: str, worker_id: str) -> Path:
        return worker_status_path(self.root, service, worker_id)

    @property
    def supervisor_file(self) -> Path:
        return self.root / "supervisor.json"

    @property
    def scaling_log(self) -> Path:
        return self.root / "scaling.jsonl"

    @property
    def control_file(self) -> Path:
        return self.root / "control.json"

    # -- workers --------------------------------------------------------------------------------

    def workers(self, service: str | None = None) -> list[WorkerStatus]:
        """Every readable worker status file (of one service), by worker id."""
        pattern = f"{service}.*.json" if service else "*.json"
        found = []
        for path in sorted(self.workers_dir.glob(pattern)):
            with contextlib.suppress(OSError, ValidationError):
                found.append(WorkerStatus.model_validate_json(path.read_bytes()))
        return found

    # -- supervisor.json ------------------------------------------------------------------------

    def write_supervisor(self, state: SupervisorState) -> None:
        write_atomically(self.supervisor_file, state.model_dump_json().encode())

    def supervisor(self) -> SupervisorState | None:
        try:
            return SupervisorState.model_validate_json(self.supervisor_file.read_bytes())
        except (OSError, ValidationError):
            return None

    # -- scaling.jsonl --------------------------------------------------------------------------

    def append_decision(self, decision: ScalingDecision) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with self.scaling_log.open("ab") as out:
            out.write(decision.model_dump_json().encode() + b"\n")
        if self.scaling_log.stat().st_size > _SCALING_LOG_MAX_BYTES:
            lines = self.scaling_log.read_bytes().splitlines(keepends=True)
            write_atomically(self.scaling_log, b"".join(lines[len(lines) // 2 :]))

    def decisions(self, *, service: str | None = None, since: datetime | None = None) -> Iterator[ScalingDecision]:
        """Oldest first; a torn or foreign line is skipped."""
        try:
            raw = self.scaling_log.read_bytes()
        except OSError:
            return
        for line in raw.splitlines():
            try:
                decision = ScalingDecision.model_validate_json(line)
            except ValidationError:
                continue
            if (service is None or decision.service == service) and (since is None or decision.at >= since):
                yield decision

    # -- control.json ---------------------------------------------------------------------------

    def control(self) -> dict[str, ServiceControl]:
        try:
            return _CONTROL.validate_json(self.control_file.read_bytes())
        except (OSError, ValidationError):
            return {}

    def write_control(self, control: dict[str, ServiceControl]) -> None:
        data = {name: c.model_dump(mode="json") for name, c in control.items()}
        write_atomically(self.control_file, orjson.dumps(data))

    def set_control(self, service: str, **changes: bool | int | None) -> ServiceControl:
        """Read-modify-write one service's control (paused=..., desired_override=...)."""
        control = self.control()
        updated = control.get(service, ServiceControl()).model_copy(update=changes)
        ServiceControl.model_validate(updated.model_dump())  # model_copy does not validate
        self.write_control({**control, service: updated})
        return updated
