"""AwsSource: the console's data for a deployed environment, read-only — SQS GetQueueAttributes,
ECS DescribeServices / ListTasks / DescribeTasks / GetTaskProtection, Application Auto Scaling
DescribeScalableTargets and DescribeScalingActivities (IncludeNotScaledActivities: the reasons AWS
gives for not scaling live there and in no metric), CloudWatch GetMetricData for the EMF metrics.

Names follow the Terraform: cluster = the environment's prefix, ECS service = `<prefix>-<service>`.
Per tick: one GetQueueAttributes per queue and one DescribeServices per 10 services; the rest on
longer periods (CloudWatch's own resolution is a minute)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.clients import AwsClients
from orderflow.console import aws_reads
from orderflow.console.backlog import Backlog
from orderflow.console.local_source import count_requests
from orderflow.console.model import DecisionView, ProcessView, ServiceView, Snapshot
from orderflow.console.orders import OrderReader
from orderflow.console.traces import Traces, XRayTraces
from orderflow.console.triage import Triage
from orderflow.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_application_autoscaling import ApplicationAutoScalingClient
    from types_aiobotocore_cloudwatch import CloudWatchClient
    from types_aiobotocore_ecs import ECSClient


class AwsSource:
    name = "aws"
    read_only = True  # always: the console never changes a deployed environment

    def __init__(
        self,
        settings: Settings,
        aws: AwsClients,
        ecs: ECSClient,
        autoscaling: ApplicationAutoScalingClient,
        cloudwatch: CloudWatchClient,
    ) -> None:
        self.settings, self.aws, self.ecs, self.autoscaling, self.cloudwatch = (
            settings,
            aws,
            ecs,
            autoscaling,
            cloudwatch,
        )
        self.cluster = settings.resource_prefix
        self.services = list(settings.topology.services)
        self.orders = OrderReader(aws.dynamodb, settings.table_name("analytics"), settings.table_name("orders"))
        self.triage = Triage(aws.sqs, lambda s: (settings.queue_name(s), settings.dlq_name(s)), None)
        self.traces: Traces = XRayTraces()
        self._requests = count_requests([aws.sqs, aws.dynamodb, ecs, autoscaling, cloudwatch])
        self._backlog = {s: Backlog() for s in self.services}
        self._dlq: dict[str, int] = {}
        self._limits: dict[str, tuple[int, int]] = {}
        self._tasks: dict[str, list[ProcessView]] = {}
        self._decisions: dict[str, list[DecisionView]] = {}
        self._metrics: dict[str, float] = {}
        self._slow = aws_reads.Periodic(every=10.0)
        self._minute = aws_reads.Periodic(every=30.0)

    @classmethod
    async def open(cls, settings: Settings) -> AwsSource:
        aws = await AwsClients.open(settings)
        clients = [await aws.client(n) for n in ("ecs", "application-autoscaling", "cloudwatch")]
        return cls(settings, aws, *clients)

    def ecs_service(self, service: str) -> str:
        return f"{self.settings.resource_prefix}-{service}"

    def resource_id(self, service: str) -> str:
        return f"service/{self.cluster}/{self.ecs_service(service)}"

    async def aws_requests(self) -> dict[str, int]:
        return dict(self._requests)

    async def close(self) -> None:
        await self.aws.close()

    def refresh_dead_letters(self) -> None:
        self._slow.at.pop("dlq", None)

    async def decisions(self, service: str, since: float) -> list[DecisionView]:
        return [d for d in self._decisions.get(service, []) if d.at >= since]

    async def snapshot(self) -> Snapshot:
        now = time.time()
        queues, ecs = await asyncio.gather(self._queues(), self._ecs_counts())
        await asyncio.gather(
            self._slow.due("dlq", self._dead_letters, self._dlq.update),
            self._slow.due("DescribeScalingActivities", self._activities, self._decisions.update),
            self._slow.due("ListTasks", self._task_views, self._tasks.update),
            self._minute.due("DescribeScalableTargets", self._scalable_targets, self._limits.update),
            self._minute.due("GetMetricData", self._metric_data, self._metrics.update),
        )
        views = [self._view(s, now, queues.get(s, (None, None)), ecs.get(s, (None, None))) for s in self.services]
        notes = [*self._slow.errors.values(), *self._minute.errors.values()]
        return Snapshot(now, self.name, views, notes)

    async def _queues(self) -> dict[str, tuple[int | None, int | None]]:
        counts = await asyncio.gather(
            *(self.triage.counts(s, dlq=False) for s in self.services), return_exceptions=True
        )
        return {s: c if isinstance(c, tuple) else (None, None) for s, c in zip(self.services, counts, strict=True)}

    async def _dead_letters(self) -> dict[str, int]:
        counts = await asyncio.gather(*(self.triage.counts(s, dlq=True) for s in self.services))
        return {s: visible + held for s, (visible, held) in zip(self.services, counts, strict=True)}

    async def _ecs_counts(self) -> dict[str, tuple[int | None, int | None]]:
        found: dict[str, tuple[int | None, int | None]] = {}
        for i in range(0, len(self.services), 10):  # DescribeServices takes at most 10
            chunk = {self.ecs_service(s): s for s in self.services[i : i + 10]}
            try:
                answer = await self.ecs.describe_services(cluster=self.cluster, services=list(chunk))
            except (BotoCoreError, ClientError):  # the panel shows "–"; queues and the rest still show
                continue
            for svc in answer["services"]:
                found[chunk[svc["serviceName"]]] = (svc.get("runningCount"), svc.get("desiredCount"))
        return found

    async def _scalable_targets(self) -> dict[str, tuple[int, int]]:
        ids = {self.resource_id(s): s for s in self.services}
        answer = await self.autoscaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=list(ids))
        return {ids[t["ResourceId"]]: (t["MinCapacity"], t["MaxCapacity"]) for t in answer["ScalableTargets"]}

    async def _activities(self) -> dict[str, list[DecisionView]]:
        async def one(service: str) -> list[DecisionView]:
            answer = await self.autoscaling.describe_scaling_activities(
                ServiceNamespace="ecs",
                ResourceId=self.resource_id(service),
                IncludeNotScaledActivities=True,
                MaxResults=50,
            )
            return aws_reads.decisions(answer["ScalingActivities"])

        found = await asyncio.gather(*(one(s) for s in self.services))
        return dict(zip(self.services, found, strict=True))

    async def _task_views(self) -> dict[str, list[ProcessView]]:
        async def one(service: str) -> list[ProcessView]:
            arns = (await self.ecs.list_tasks(cluster=self.cluster, serviceName=self.ecs_service(service)))["taskArns"]
            if not arns:
                return []
            tasks: list[Any] = (await self.ecs.describe_tasks(cluster=self.cluster, tasks=arns))["tasks"]
            protection = await self.ecs.get_task_protection(cluster=self.cluster, tasks=arns)
            protected = {p["taskArn"]: p.get("protectionEnabled", False) for p in protection.get("protectedTasks", [])}
            return aws_reads.processes(tasks, protected)

        found = await asyncio.gather(*(one(s) for s in self.services))
        return dict(zip(self.services, found, strict=True))

    async def _metric_data(self) -> dict[str, float]:
        ids = {s: (self.settings.queue_name(s), f"s{i}") for i, s in enumerate(self.services)}
        start, end = aws_reads.metric_window()
        answer = await self.cloudwatch.get_metric_data(
            MetricDataQueries=aws_reads.metric_queries(ids), StartTime=start, EndTime=end
        )
        by_id = {f"{prefix}_": s for s, (_, prefix) in ids.items()}
        values = aws_reads.latest_values(list(answer["MetricDataResults"]))  # type: ignore[arg-type]
        return {f"{by_id[k.split('_')[0] + '_']}/{k.split('_', 1)[1]}": v for k, v in values.items()}

    def _metric(self, service: str, name: str, scale: float = 1.0) -> float | None:
        value = self._metrics.get(f"{service}/{name}")
        return None if value is None else round(value * scale, 2)

    def _view(
        self, service: str, now: float, queue: tuple[int | None, int | None], ecs: tuple[int | None, int | None]
    ) -> ServiceView:
        spec = self.settings.topology.service(service).scaling
        (visible, in_flight), (running, desired) = queue, ecs
        backlog = self._backlog[service]
        backlog.track(now, visible, in_flight)
        least, most = self._limits.get(service, (spec.min_tasks, spec.max_tasks))
        history = self._decisions.get(service)
        return ServiceView(
            service=service,
            visible=visible,
            in_flight=in_flight,
            dlq=self._dlq.get(service),
            oldest_age_seconds=self._metric(service, "oldest"),
            oldest_age_exact=True,
            processed_per_second=self._metric(service, "processed", 1 / 60),
            failed_per_second=self._metric(service, "failed", 1 / 60),
            handler_p50_ms=self._metric(service, "handler50"),
            handler_p99_ms=self._metric(service, "handler99"),
            age_p50_ms=self._metric(service, "age50"),
            age_p99_ms=self._metric(service, "age99"),
            running=running,
            desired=desired,
            min_workers=least,
            max_workers=most,
            target_backlog_per_worker=spec.target_backlog_per_task,
            latency_goal_seconds=spec.latency_goal_seconds,
            backlog_per_worker=round(visible / running, 2) if visible is not None and running else None,
            forecast=backlog.forecast(visible, in_flight, spec.latency_goal_seconds),
            processes=self._tasks.get(service, []),
            last_decision=history[-1] if history else None,
        )
