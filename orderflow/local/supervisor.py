"""Run the API and every worker as separate OS processes (like separate Fargate tasks), restarting
any that die, and stopping them all with one SIGTERM each so that they drain."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from orderflow.local.runstate import ProcessInfo

log = structlog.get_logger("orderflow.dev")

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: a child gets SIGTERM when the supervisor dies, even by SIGKILL; no orphans."""
    with contextlib.suppress(OSError):  # not Linux: orphans are possible, and harmless on a laptop
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(argv: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    # Own session: a terminal's Ctrl-C reaches only the supervisor, which sends exactly one
    # SIGTERM to each child (a second signal would make a worker exit without draining).
    return subprocess.Popen(argv, env=dict(env), start_new_session=True, preexec_fn=_die_with_parent)  # noqa: PLW1509


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    not_before: float = 0.0


@dataclass
class Supervisor:
    env: Mapping[str, str]
    children: dict[str, Child] = field(default_factory=dict)
    stopping: bool = False

    def add(self, name: str, *args: str) -> None:
        self.children[name] = Child(name, [sys.executable, "-m", "orderflow", *args])

    def start(self, child: Child) -> None:
        child.process = spawn(child.argv, self.env)
        child.started_at = time.monotonic()

    def start_all(self) -> None:
        for child in self.children.values():
            self.start(child)

    def check(self) -> None:
        """Restart children that died; a child that keeps dying waits longer each time."""
        now = time.monotonic()
        for child in self.children.values():
            if self.stopping or child.process is None or child.process.poll() is None:
                continue
            if child.not_before == 0.0:
                quick = now - child.started_at < 10
                delay = min(30.0, 2.0**child.restarts) if quick else 0.5
                child.not_before = now + delay
                log.warning(
                    "process_died",
                    process=child.name,
                    exitCode=child.process.returncode,
                    restartInSeconds=round(delay, 1),
                )
            elif now >= child.not_before:
                child.restarts += 1
                child.not_before = 0.0
                self.start(child)
                log.info(
                    "process_restarted",
                    process=child.name,
                    restarts=child.restarts,
                    pid=child.process.pid if child.process else None,
                )

    def signal(self, name: str, signum: int) -> int | None:
        """Send a signal to one child (chaos tools use this); answers its pid."""
        child = self.children[name]
        if child.process is None or child.process.poll() is not None:
            return None
        child.process.send_signal(signum)
        return child.process.pid

    def stop_all(self, *, deadline: float) -> dict[str, int | None]:
        """SIGTERM everyone, wait up to `deadline` seconds, SIGKILL stragglers; answers exit codes."""
        self.stopping = True
        running = [c for c in self.children.values() if c.process is not None and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        end = time.monotonic() + deadline
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("process_killed_after_deadline", process=child.name)
                child.process.kill()
                child.process.wait()
        return {c.name: (c.process.returncode if c.process else None) for c in self.children.values()}

    def process_infos(self) -> dict[str, ProcessInfo]:
        """supervisor.json's view of these processes (the api, the console), by name."""
        now_wall, now = datetime.now(UTC), time.monotonic()
        infos = {}
        for child in self.children.values():
            alive = child.process is not None and child.process.poll() is None
            infos[child.name] = ProcessInfo.model_validate(
                {
                    "workerId": child.name,
                    "pid": child.process.pid if alive and child.process else None,
                    "startedAt": now_wall - timedelta(seconds=now - child.started_at),
                    "state": "running" if alive else "restarting",
                    "restarts": child.restarts,
                }
            )
        return infos

    def pids(self) -> dict[str, int | None]:
        return {c.name: (c.process.pid if c.process else None) for c in self.children.values()}


def env_for_children(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    return {**base, **extra, "PYTHONUNBUFFERED": "1"}


def kill_quietly(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
