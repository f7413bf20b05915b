"""The chaos monkey: keeps the supervisor restarting the dead, and kills workers on a schedule."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter

import structlog

from orderflow.chaos.config import ChaosConfig
from orderflow.local.supervisor import Supervisor

log = structlog.get_logger("orderflow.chaos")


class Monkey(threading.Thread):
    """SIGKILL a random worker every `kill_every` s (no drain: messages come back after their
    visibility timeout), SIGTERM one every `term_every` s (graceful drain); the supervisor restarts
    both. Only processes up for `min_uptime` are picked, so restarts stay prompt."""

    def __init__(self, config: ChaosConfig, supervisor: Supervisor, workers: list[str]) -> None:
        super().__init__(name="chaos-monkey", daemon=True)
        self._config = config
        self._supervisor = supervisor
        self._workers = workers
        self._rng = random.Random(config.seed + 2)
        self._halt = threading.Event()
        self.sent: Counter[str] = Counter()

    def run(self) -> None:
        now = time.monotonic()
        next_kill = now + self._config.kill_every if self._config.kill_every else float("inf")
        next_term = now + self._config.term_every if self._config.term_every else float("inf")
        while not self._halt.wait(0.25):
            self._supervisor.check()
            now = time.monotonic()
            if now >= next_kill and self._strike(signal.SIGKILL):
                next_kill = now + self._config.kill_every
            if now >= next_term and self._strike(signal.SIGTERM):
                next_term = now + self._config.term_every

    def _strike(self, signum: signal.Signals) -> bool:
        now = time.monotonic()
        ripe = [
            name
            for name in self._workers
            if (child := self._supervisor.children[name]).process is not None
            and child.process.poll() is None
            and now - child.started_at >= self._config.min_uptime
        ]
        if not ripe:
            return False
        victim = self._rng.choice(ripe)
        pid = self._supervisor.signal(victim, signum)
        if pid is None:
            return False
        self.sent[signum.name] += 1
        log.info("chaos_signal", process=victim, pid=pid, signal=signum.name)
        return True

    def halt(self) -> None:
        self._halt.set()
        self.join()
