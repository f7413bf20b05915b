"""The dev supervisor's scaling loop: every tick, read each queue's visible and in-flight counts from
the emulator, decide each service's desired workers by the production policy (orderflow.local.scaling),
start or stop worker processes to match, and write supervisor.json and scaling.jsonl for the console."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.clients import AwsClients
from orderflow.local.pool import WorkerPool
from orderflow.local.runstate import (
    ProcessInfo,
    RunState,
    ScalingDecision,
    ServiceControl,
    ServiceState,
    SupervisorState,
)
from orderflow.local.scaling import History, Observation, ScalingPolicy, decide
from orderflow.settings import Settings

log = structlog.get_logger("orderflow.dev")

Counts = tuple[int, int] | None  # (visible, in flight); None when the queue could not be read


@dataclass
class Autoscaler:
    settings: Settings
    services: tuple[str, ...]
    env: Mapping[str, str]
    tick_seconds: float = 1.0
    runstate: RunState = field(init=False)
    pools: dict[str, WorkerPool] = field(init=False)
    policies: dict[str, ScalingPolicy] = field(init=False)
    desired: dict[str, int] = field(init=False)
    history: dict[str, History] = field(init=False)
    latest: dict[str, ScalingDecision] = field(init=False, default_factory=dict)
    counts: dict[str, Counts] = field(init=False, default_factory=dict)
    started_at: datetime = field(init=False, default_factory=lambda: datetime.now(UTC))
    _logged: dict[str, tuple[str, int, int]] = field(init=False, default_factory=dict)
    _urls: dict[str, str] = field(init=False, default_factory=dict)
    _aws: AwsClients | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.runstate = RunState.of(self.settings)
        env = {**self.env, "ORDERFLOW_STATE_DIR": str(self.runstate.root)}
        self.pools = {s: WorkerPool(s, env, self.runstate) for s in self.services}
        self.policies = {s: ScalingPolicy.of(self.settings.topology.service(s).scaling) for s in self.services}
        self.desired = {s: p.min_workers for s, p in self.policies.items()}
        self.history = {s: History() for s in self.services}

    async def open(self) -> None:
        """Clients, queue URLs, and no status file left by an earlier run's workers."""
        for service in self.services:
            for stale in self.runstate.workers_dir.glob(f"{service}.*.json"):
                stale.unlink(missing_ok=True)
        self._aws = await AwsClients.open(self.settings, max_pool_connections=len(self.services) + 2)
        for service in self.services:
            found = await self._aws.sqs.get_queue_url(QueueName=self.settings.queue_name(service))
            self._urls[service] = found["QueueUrl"]

    async def close(self) -> None:
        if self._aws is not None:
            await self._aws.close()

    def reconcile(self) -> None:
        """Between ticks too: a worker killed by hand is replaced within a fraction of a second."""
        for service, pool in self.pools.items():
            pool.reconcile(self.desired[service])

    async def tick(self, others: Mapping[str, ProcessInfo] | None = None) -> SupervisorState:
        """Observe, decide, act, and write what happened; answers the state written."""
        observed = await asyncio.gather(*(self._observe(s) for s in self.services))
        control = self.runstate.control()
        now = datetime.now(UTC)
        for service, counts in zip(self.services, observed, strict=True):
            self.counts[service] = counts
            if counts is not None:
                self._decide(service, counts, now, control.get(service))
        self.reconcile()
        state = self.state(now, others or {})
        self.runstate.write_supervisor(state)
        return state

    def _decide(self, service: str, counts: tuple[int, int], now: datetime, control: ServiceControl | None) -> None:
        pool = self.pools[service]
        seen = Observation(visible=counts[0], in_flight=counts[1], running=pool.running, desired=self.desired[service])
        choice = decide(
            service,
            self.policies[service],
            seen,
            self.history[service],
            now=now,
            control=control,
        )
        self.latest[service] = choice
        self.history[service] = self.history[service].after(choice)
        self.desired[service] = choice.to
        key = (choice.action, choice.to, choice.needed)
        changed = choice.to != choice.from_
        if changed or (choice.action in ("hold_cooldown", "at_max") and self._logged.get(service) != key):
            self.runstate.append_decision(choice)
            self._logged[service] = key
            if changed:
                log.info("scaled", service=service, action=choice.action, to=choice.to, reason=choice.reason)

    async def _observe(self, service: str) -> Counts:
        assert self._aws is not None, "open() first"
        try:
            found = await self._aws.sqs.get_queue_attributes(
                QueueUrl=self._urls[service],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )
        except (BotoCoreError, ClientError) as exc:
            log.warning("queue_unreadable", service=service, error=str(exc))
            return None
        attributes = found.get("Attributes", {})
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def state(self, now: datetime, others: Mapping[str, ProcessInfo]) -> SupervisorState:
        control = self.runstate.control()
        services = {}
        for service, policy in self.policies.items():
            counts, wish = self.counts.get(service), control.get(service)
            services[service] = ServiceState(
                service=service,
                min_workers=policy.min_workers,
                max_workers=policy.max_workers,
                desired=self.desired[service],
                running=self.pools[service].running,
                target_backlog_per_worker=policy.target_backlog_per_worker,
                scale_out_cooldown_seconds=policy.scale_out_cooldown_seconds,
                scale_in_cooldown_seconds=policy.scale_in_cooldown_seconds,
                visible=counts[0] if counts else None,
                in_flight=counts[1] if counts else None,
                paused=bool(wish and wish.paused),
                desired_override=wish.desired_override if wish else None,
                processes=self.pools[service].processes(),
                last_decision=self.latest.get(service),
            )
        return SupervisorState(
            pid=os.getpid(),
            started_at=self.started_at,
            updated_at=now,
            tick_seconds=self.tick_seconds,
            services=services,
            processes=dict(others),
        )

    def stop_all(self, *, deadline: float) -> dict[str, int | None]:
        """SIGTERM every worker once (they drain), wait up to `deadline` s, SIGKILL stragglers."""
        for service in self.services:
            self.desired[service] = 0
        live = [p for pool in self.pools.values() for p in pool.signal_all(signal.SIGTERM)]
        end = time.monotonic() + deadline
        codes: dict[str, int | None] = {}
        for process in live:
            try:
                codes[str(process.pid)] = process.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker_killed_after_deadline", pid=process.pid)
                process.kill()
                codes[str(process.pid)] = process.wait()
        return codes

    def kill_all(self) -> None:
        for pool in self.pools.values():
            pool.signal_all(signal.SIGKILL)
