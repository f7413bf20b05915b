"""One service's worker processes under the dev supervisor: as many as desired, each named
<service>-<n>, a dead one replaced under its own name, surplus ones stopped by SIGTERM so they drain."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from orderflow.local.runstate import ProcessInfo, RunState
from orderflow.local.supervisor import spawn

log = structlog.get_logger("orderflow.dev")

_QUICK_DEATH_SECONDS = 10.0  # a worker dying sooner than this after its start is crash-looping


@dataclass
class WorkerProcess:
    worker_id: str
    process: subprocess.Popen[bytes] | None
    started_at: datetime
    started: float  # monotonic
    restarts: int = 0
    not_before: float = 0.0  # restart after this (monotonic) once dead

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def info(self, state: str) -> ProcessInfo:
        pid = self.process.pid if self.alive() and self.process else None
        info = {"workerId": self.worker_id, "pid": pid, "startedAt": self.started_at, "restarts": self.restarts}
        return ProcessInfo.model_validate({**info, "state": state})


@dataclass
class WorkerPool:
    service: str
    env: Mapping[str, str]
    runstate: RunState
    slots: dict[int, WorkerProcess] = field(default_factory=dict)  # n -> the process named <service>-<n>
    draining: list[WorkerProcess] = field(default_factory=list)

    @property
    def running(self) -> int:
        """Processes alive and not draining: what backlog per worker divides by."""
        return sum(1 for p in self.slots.values() if p.alive())

    def reconcile(self, desired: int) -> None:
        """Replace the dead, start up to `desired`, stop the surplus (the idle ones first)."""
        now = time.monotonic()
        self.draining = [p for p in self.draining if self._still_draining(p)]
        for n, worker in sorted(self.slots.items()):
            if not worker.alive():
                self._replace(n, worker, now)
        while len(self.slots) < desired:
            n = self._free_index()
            self.slots[n] = self._start(n, restarts=0)
        surplus = len(self.slots) - desired
        if surplus > 0:
            for n in self._victims(surplus):
                self._stop(self.slots.pop(n))

    def processes(self) -> list[ProcessInfo]:
        slots = [w.info("running" if w.alive() else "restarting") for _, w in sorted(self.slots.items())]
        return slots + [w.info("draining") for w in self.draining]

    def signal_all(self, signum: int) -> list[subprocess.Popen[bytes]]:
        """Send `signum` to every live process; answers them, draining ones included. A draining
        process already had its SIGTERM: it gets only SIGKILL (a second SIGTERM skips the drain)."""
        for worker in self.slots.values():
            self._signal(worker, signum)
        if signum != signal.SIGTERM:
            for worker in self.draining:
                self._signal(worker, signum)
        return [w.process for w in (*self.slots.values(), *self.draining) if w.alive() and w.process]

    @staticmethod
    def _signal(worker: WorkerProcess, signum: int) -> None:
        if worker.alive() and worker.process is not None:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signum)

    # -- internals ------------------------------------------------------------------------------

    def _free_index(self) -> int:
        """The lowest n not in use, nor still draining (two processes must not share a status file)."""
        taken = {*(w.worker_id for w in self.slots.values()), *(w.worker_id for w in self.draining)}
        return next(n for n in range(len(taken) + 1) if f"{self.service}-{n}" not in taken)

    def _start(self, n: int, *, restarts: int) -> WorkerProcess:
        worker_id = f"{self.service}-{n}"
        argv = [sys.executable, "-m", "orderflow", "worker", self.service]
        process = spawn(argv, {**self.env, "ORDERFLOW_WORKER_ID": worker_id})
        return WorkerProcess(worker_id, process, datetime.now(UTC), time.monotonic(), restarts)

    def _replace(self, n: int, worker: WorkerProcess, now: float) -> None:
        if worker.not_before == 0.0:
            code = worker.process.returncode if worker.process else None
            quick = now - worker.started < _QUICK_DEATH_SECONDS
            delay = min(30.0, 2.0**worker.restarts) if quick else 0.0
            worker.not_before = now + delay
            self._forget(worker)
            log.warning("worker_died", worker=worker.worker_id, exitCode=code, restartInSeconds=delay)
        if now >= worker.not_before:
            self.slots[n] = self._start(n, restarts=worker.restarts + 1)
            log.info("worker_replaced", worker=worker.worker_id, restarts=worker.restarts + 1)

    def _victims(self, count: int) -> list[int]:
        """Which slots to stop: dead ones, then those not holding scale-in protection, newest first."""
        protected = {s.worker_id for s in self.runstate.workers(self.service) if s.protected}

        def order(n: int) -> tuple[bool, bool, int]:
            worker = self.slots[n]
            return (worker.alive(), worker.worker_id in protected, -n)

        return sorted(self.slots, key=order)[:count]

    def _stop(self, worker: WorkerProcess) -> None:
        if worker.alive() and worker.process is not None:
            worker.process.send_signal(signal.SIGTERM)  # once: a second signal skips the drain
            self.draining.append(worker)
            log.info("worker_draining", worker=worker.worker_id)
        else:
            self._forget(worker)

    def _still_draining(self, worker: WorkerProcess) -> bool:
        if worker.alive():
            return True
        code = worker.process.returncode if worker.process else None
        log.info("worker_stopped", worker=worker.worker_id, exitCode=code)
        self._forget(worker)
        return False

    def _forget(self, worker: WorkerProcess) -> None:
        """A killed worker leaves its status file behind (a clean exit removes its own)."""
        self.runstate.worker_file(self.service, worker.worker_id).unlink(missing_ok=True)
