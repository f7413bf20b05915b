"""LocalSource: the console's data on a laptop — the emulator's queues and tables, and the files the
dev supervisor and the workers write under the state folder (orderflow.local.runstate)."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.console.backlog import Backlog
from orderflow.console.model import DecisionView, ProcessView, ServiceView, Snapshot, State
from orderflow.console.orders import OrderReader
from orderflow.console.rates import Rates
from orderflow.console.traces import LocalTraces, Traces
from orderflow.console.triage import Triage
from orderflow.local.runstate import ProcessInfo, RunState, ScalingDecision, ServiceState, SupervisorState
from orderflow.settings import Settings
from orderflow.tracing import trace_dir
from orderflow.workerstatus import WorkerStatus

STALE_SECONDS = 5.0  # a heartbeat older than this is flagged (the worker is still shown)
EXITED_SHOWN_SECONDS = 60.0  # a process that exited without removing its file is shown this long
DLQ_EVERY_SECONDS = 5.0  # dead-letter depth changes slowly: read it less often than every tick


def count_requests(clients: list[Any]) -> Counter[str]:
    """Count the clients' AWS requests: every HTTP request (retries included) under "total", and each
    operation called by name (botocore's before-send and before-call hooks)."""
    counter: Counter[str] = Counter()

    def sent(**_: Any) -> None:
        counter["total"] += 1

    def called(model: Any, **_: Any) -> None:
        counter[model.name] += 1

    for client in clients:
        client.meta.events.register("before-send", sent)
        client.meta.events.register("before-call", called)
    return counter


def decision_view(decision: ScalingDecision) -> DecisionView:
    return DecisionView(decision.at.timestamp(), decision.action, decision.from_, decision.to, decision.reason)


class LocalSource:
    name = "local"

    def __init__(self, settings: Settings, aws: AwsClients, *, read_only: bool = False) -> None:
        self.settings = settings
        self.read_only = read_only
        self.aws = aws
        self.state = RunState.of(settings)
        self.orders = OrderReader(aws.dynamodb, settings.table_name("analytics"), settings.table_name("orders"))
        self.triage = Triage(aws.sqs, lambda s: (settings.queue_name(s), settings.dlq_name(s)), settings.state_dir)
        self.traces: Traces = LocalTraces(trace_dir(settings))
        self._requests = count_requests([aws.sqs, aws.dynamodb])
        self._rates = Rates()
        self._backlog: dict[str, Backlog] = {s: Backlog() for s in settings.topology.services}
        self._dlq: dict[str, int] = {}
        self._dlq_read_at = 0.0

    async def aws_requests(self) -> dict[str, int]:
        return dict(self._requests)

    async def close(self) -> None:
        await self.aws.close()

    async def decisions(self, service: str, since: float) -> list[DecisionView]:
        return [decision_view(d) for d in self.state.decisions(service=service) if d.at.timestamp() >= since]

    async def snapshot(self) -> Snapshot:
        now = time.time()
        workers = self.state.workers() or self._single_workers()
        self._rates.update(now, workers)
        supervisor, late = self.state.supervisor(), []
        if supervisor is not None and now - supervisor.updated_at.timestamp() > 3 * max(1.0, supervisor.tick_seconds):
            if _alive(supervisor.pid):  # running, its tick stretched (it waits on a busy emulator)
                late = [f"the dev supervisor's last tick was {now - supervisor.updated_at.timestamp():.0f} s ago"]
            else:
                supervisor = None  # stopped: its numbers are history
        queues = await self._queues(supervisor)
        await self._dead_letters(now)
        control = self.state.control()
        views = []
        for service in self.settings.topology.services:
            mine = [w for w in workers if w.service == service]
            sup = supervisor.services.get(service) if supervisor else None
            views.append(
                self._view(
                    service,
                    now=now,
                    workers=mine,
                    sup=sup,
                    queue=queues.get(service, (None, None)),
                    control=control.get(service),
                )
            )
        notes = late if supervisor else ["no dev supervisor state: desired workers unknown; queues read directly"]
        return Snapshot(now, self.name, views, notes)

    def _single_workers(self) -> list[WorkerStatus]:
        """Workers started without a worker id (one per service) keep their status in heartbeat_dir."""
        found = []
        for service in self.settings.topology.services:
            path = self.settings.heartbeat_file(service)
            try:
                found.append(WorkerStatus.model_validate_json(path.read_bytes()))
            except (OSError, ValueError):
                continue
        return found

    async def _queues(self, supervisor: SupervisorState | None) -> dict[str, tuple[int | None, int | None]]:
        """Visible / in flight: the supervisor reads them every tick already; else ask the queues."""
        if supervisor is not None and all(s.visible is not None for s in supervisor.services.values()):
            return {n: (s.visible, s.in_flight) for n, s in supervisor.services.items()}
        names = list(self.settings.topology.services)
        counts = await asyncio.gather(*(self.triage.counts(n, dlq=False) for n in names), return_exceptions=True)
        return {n: c if isinstance(c, tuple) else (None, None) for n, c in zip(names, counts, strict=True)}

    async def _dead_letters(self, now: float) -> None:
        if now - self._dlq_read_at < DLQ_EVERY_SECONDS:
            return
        self._dlq_read_at = now
        names = list(self.settings.topology.services)
        counts = await asyncio.gather(*(self.triage.counts(n, dlq=True) for n in names), return_exceptions=True)
        for name, found in zip(names, counts, strict=True):
            if isinstance(found, tuple):
                self._dlq[name] = found[0] + found[1]

    def refresh_dead_letters(self) -> None:
        """After a redrive or a discard: read the DLQ depths at the next tick."""
        self._dlq_read_at = 0.0

    def _view(
        self,
        service: str,
        *,
        now: float,
        workers: list[WorkerStatus],
        sup: ServiceState | None,
        queue: tuple[int | None, int | None],
        control: Any,
    ) -> ServiceView:
        spec = self.settings.topology.service(service).scaling
        visible, in_flight = queue
        processes = _processes(now, workers, sup.processes if sup else [])
        running = sup.running if sup else sum(p.state == "running" for p in processes)
        backlog = self._backlog.setdefault(service, Backlog())
        backlog.track(now, visible, in_flight)
        measured = self._rates.measured(service, now)
        return ServiceView(
            service=service,
            visible=visible,
            in_flight=in_flight,
            dlq=self._dlq.get(service),
            oldest_age_seconds=backlog.nonempty_for(now),
            oldest_age_exact=False,
            processed_per_second=measured.processed_per_second,
            failed_per_second=measured.failed_per_second,
            handler_p50_ms=measured.handler_p50_ms,
            handler_p99_ms=measured.handler_p99_ms,
            age_p50_ms=measured.age_p50_ms,
            age_p99_ms=measured.age_p99_ms,
            running=running,
            desired=sup.desired if sup else None,
            min_workers=sup.min_workers if sup else spec.min_tasks,
            max_workers=sup.max_workers if sup else spec.max_tasks,
            target_backlog_per_worker=sup.target_backlog_per_worker if sup else spec.target_backlog_per_task,
            latency_goal_seconds=spec.latency_goal_seconds,
            backlog_per_worker=round(visible / running, 2) if visible is not None and running else None,
            forecast=backlog.forecast(visible, in_flight, spec.latency_goal_seconds),
            paused=bool(control.paused) if control else bool(sup and sup.paused),
            desired_override=control.desired_override if control else None,
            processes=processes,
            last_decision=decision_view(sup.last_decision) if sup and sup.last_decision else None,
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _processes(now: float, workers: list[WorkerStatus], supervised: list[ProcessInfo]) -> list[ProcessView]:
    """Every worker the files or the supervisor know of; a busy or silent one stays in view, flagged."""
    views: dict[str, ProcessView] = {}
    for w in workers:
        age = now - w.updated_at.timestamp()
        state: State = "draining" if w.stopping else "stale" if age > STALE_SECONDS else "running"
        if age > STALE_SECONDS and not _alive(w.pid):
            if age > EXITED_SHOWN_SECONDS:
                continue
            state = "exited"
        views[w.worker_id] = ProcessView(
            w.worker_id, w.pid, state, w.in_flight, w.max_in_flight, round(age, 1), w.protected, w.handling
        )
    for p in supervised:
        if p.worker_id not in views:
            views[p.worker_id] = ProcessView(
                p.worker_id, p.pid, "draining" if p.state == "draining" else "starting", None, None, None, None
            )
    return [views[k] for k in sorted(views, key=_natural)]


def _natural(worker_id: str) -> tuple[str, int]:
    head, _, tail = worker_id.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (worker_id, 0)
