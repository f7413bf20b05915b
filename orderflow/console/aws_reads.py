"""The AWS source's slower reads, each on its own period and each allowed to fail alone (a missing
IAM permission or an unavailable API becomes a note on the page, retried after a back-off):
Application Auto Scaling (limits, and scaling activities with the reasons for *not* scaling),
ECS tasks and their scale-in protection, and CloudWatch GetMetricData for the workers' EMF metrics."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.console.model import DecisionView, ProcessView, State

if TYPE_CHECKING:
    from types_aiobotocore_application_autoscaling.type_defs import ScalingActivityTypeDef
    from types_aiobotocore_cloudwatch.type_defs import MetricDataQueryTypeDef

T = TypeVar("T")
BACKOFF_SECONDS = 60.0
NAMESPACE = "Orderflow"  # the runtime's EMF namespace (orderflow.observability)
# (query id suffix, namespace, metric, dimension kind, statistic)
METRICS = (
    ("processed", NAMESPACE, "MessagesProcessed", "service", "Sum"),
    ("failed", NAMESPACE, "MessagesFailed", "service", "Sum"),
    ("handler50", NAMESPACE, "HandlerLatency", "service", "p50"),
    ("handler99", NAMESPACE, "HandlerLatency", "service", "p99"),
    ("age50", NAMESPACE, "MessageAge", "service", "p50"),
    ("age99", NAMESPACE, "MessageAge", "service", "p99"),
    ("oldest", "AWS/SQS", "ApproximateAgeOfOldestMessage", "queue", "Maximum"),
)
_TASK_STATES: dict[str, State] = {"RUNNING": "running", "DEACTIVATING": "draining", "STOPPING": "draining"}
_DESIRED = re.compile(r"desired count to (\d+)", re.IGNORECASE)


@dataclass
class Periodic:
    """Runs a read at most every `every` seconds; keeps its last result; a failure is kept as a note."""

    every: float
    at: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    async def due(self, key: str, read: Callable[[], Awaitable[T]], keep: Callable[[T], None]) -> None:
        now = time.monotonic()
        wait = BACKOFF_SECONDS if key in self.errors else self.every
        if now - self.at.get(key, -1e9) < wait:
            return
        self.at[key] = now
        try:
            keep(await read())
        except (BotoCoreError, ClientError) as exc:  # shown on the page; the other panels go on
            self.errors[key] = f"{key}: {type(exc).__name__}: {str(exc)[:160]}"
        else:
            self.errors.pop(key, None)


def metric_queries(services: dict[str, tuple[str, str]]) -> list[MetricDataQueryTypeDef]:
    """One GetMetricData for every service: {service: (queue name, query id prefix)}."""
    queries: list[MetricDataQueryTypeDef] = []
    for service, (queue, prefix) in services.items():
        for suffix, namespace, metric, of, stat in METRICS:
            value = service if of == "service" else queue
            name = "Service" if of == "service" else "QueueName"
            queries.append(
                {
                    "Id": f"{prefix}_{suffix}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": namespace,
                            "MetricName": metric,
                            "Dimensions": [{"Name": name, "Value": value}],
                        },
                        "Period": 60,
                        "Stat": stat,
                    },
                    "ReturnData": True,
                }
            )
    return queries


def metric_window() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    return end - timedelta(minutes=5), end


def latest_values(results: list[dict[str, Any]]) -> dict[str, float]:
    """Query id -> its newest datapoint (GetMetricData answers newest first by default)."""
    found = {}
    for result in results:
        points = zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
        pairs = sorted(((t, v) for t, v in points if isinstance(v, int | float)), reverse=True)
        if pairs:
            found[result["Id"]] = float(pairs[0][1])
    return found


def decisions(activities: list[ScalingActivityTypeDef]) -> list[DecisionView]:
    """Scaling activities, oldest first, as decisions: scale out / in, or why nothing was scaled."""
    found: list[DecisionView] = []
    before: int | None = None
    for activity in sorted(activities, key=lambda a: a["StartTime"]):
        not_scaled = activity.get("NotScaledReasons") or []
        matched = _DESIRED.search(activity.get("Description", ""))
        if not_scaled:
            current = int(not_scaled[0].get("CurrentCapacity", before or 0))
            action = "at_max" if not_scaled[0]["Code"] == "AlreadyAtMaxCapacity" else "not_scaled"
            reason = "; ".join(_not_scaled(r) for r in not_scaled)
            found.append(DecisionView(activity["StartTime"].timestamp(), action, current, current, reason))
            before = current
            continue
        to = int(matched.group(1)) if matched else (before or 0)
        start = before if before is not None else to
        action = "scale_out" if to > start else "scale_in" if to < start else "steady"
        reason = f"{activity.get('Cause', '')} ({activity.get('StatusCode', '')})".strip()
        found.append(DecisionView(activity["StartTime"].timestamp(), action, start, to, reason))
        before = to
    return found


def _not_scaled(reason: Any) -> str:
    numbers = ", ".join(
        f"{k[:-8].lower()} {reason[k]}" for k in ("MaxCapacity", "MinCapacity", "CurrentCapacity") if k in reason
    )
    return f"{reason['Code']}" + (f" ({numbers})" if numbers else "")


def processes(tasks: list[dict[str, Any]], protected: dict[str, bool] | None) -> list[ProcessView]:
    """ECS tasks as the workers panel shows them; in flight and heartbeat are not known in AWS."""
    views = []
    for task in sorted(tasks, key=lambda t: t["taskArn"]):
        arn = task["taskArn"]
        state = _TASK_STATES.get(task.get("lastStatus", ""), "starting")
        views.append(
            ProcessView(
                worker_id=arn.rsplit("/", 1)[-1],
                pid=None,
                state=state,
                in_flight=None,
                max_in_flight=None,
                heartbeat_age_seconds=None,
                protected=None if protected is None else protected.get(arn, False),
            )
        )
    return views
