"""Does the Terraform create, for every service of a topology file, everything the design demands?

Expectations come from the Python side's own reading of the file (orderflow.topology), Terraform's
side from evaluating terraform/modules/topology and the dashboard module offline and following
each `for_each` through terraform/environments/dev. A service Terraform does not fully cover shows
up as a gap with a sentence saying what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderflow.topology import Service, load_topology
from tests.infra.hcl import TERRAFORM, Instance, Unresolvable, instances
from tests.infra.terraform import dashboard_outputs, topology_outputs

PREFIX = "orderflow-dev"  # the dev environment's default resource_prefix
# One widget per panel of the dashboard definition the console also renders.
WIDGETS_PER_SERVICE = len(json.loads((TERRAFORM / "modules" / "dashboard" / "panels.json").read_text())["service"])
# The worker-alarms module's alarms, one set per service (error rate, p99s, scaling out of room).
WORKER_ALARMS = ("error_rate", "handler_latency", "message_age", "scaling_at_max")


@dataclass
class Coverage:
    gaps: list[str]
    instances: dict[str, Instance]
    topology: dict[str, Any]
    dashboard: dict[str, Any]

    def for_service(self, name: str) -> list[str]:
        return sorted(a for a in self.instances if f'["{name}"]' in a)


def check(topology_path: Path, workdir: Path, terraform_dir: Path = TERRAFORM) -> Coverage:
    python_side = load_topology(topology_path)
    outputs = topology_outputs(workdir / "topology", topology_path, PREFIX, terraform_dir)
    found = instances(terraform_dir / "environments" / "dev", outputs)
    dashboard = dashboard_outputs(
        workdir / "dashboard",
        {
            name: {
                "queue_name": s["queue_name"],
                "dlq_name": s["dlq_name"],
                "ecs_service_name": f"{PREFIX}-{name}",
                "max_tasks": s["scaling"]["max_tasks"],
                "target_backlog_per_task": s["scaling"]["target_backlog_per_task"],
                "latency_goal_seconds": s["scaling"]["latency_goal_seconds"],
            }
            for name, s in outputs["services"].items()
        },
        terraform_dir,
    )
    gaps: list[str] = []
    for name, service in python_side.services.items():
        gaps += _service_gaps(name, service, outputs, found, dashboard)
    return Coverage(gaps, found, outputs, dashboard)


def _service_gaps(
    name: str, service: Service, outputs: dict[str, Any], found: dict[str, Instance], dashboard: dict[str, Any]
) -> list[str]:
    q, w = f'module.service_queue["{name}"].', f'module.worker_service["{name}"].'
    a = f'module.worker_alarms["{name}"].'
    required = [
        q + "aws_sqs_queue.this",
        q + "aws_sqs_queue.dlq",
        q + "aws_sqs_queue_redrive_policy.this",
        q + "aws_sqs_queue_redrive_allow_policy.this",
        q + "aws_sqs_queue_policy.this",
        q + "aws_sqs_queue_policy.dlq",
        q + "aws_cloudwatch_metric_alarm.dlq_depth",
        q + "aws_cloudwatch_metric_alarm.oldest_message_age",
        w + "module.core.aws_ecs_task_definition.this",
        w + "module.core.aws_ecs_service.this",
        w + "module.core.aws_iam_role.task",
        w + "module.core.aws_iam_role.execution",
        w + "aws_appautoscaling_target.this",
        w + "aws_appautoscaling_policy.backlog_per_task",
        w + "aws_appautoscaling_policy.scale_out_from_zero",
        w + "aws_cloudwatch_metric_alarm.scale_out_from_zero",
        *(a + f"aws_cloudwatch_metric_alarm.{alarm}" for alarm in WORKER_ALARMS),
    ]
    for sub in service.subscriptions:
        required += [
            f'{q}aws_cloudwatch_event_rule.this["{sub}"]',
            f'{q}aws_cloudwatch_event_target.this["{sub}"]',
            f'{q}aws_cloudwatch_metric_alarm.failed_invocations["{sub}"]',
        ]
    if service.table:
        required.append(f'module.tables.aws_dynamodb_table.this["{service.table}"]')
    gaps = [f"{name}: Terraform creates no {address}" for address in required if address not in found]
    if gaps:
        return gaps
    return (
        _queue_gaps(name, service, found, q)
        + _rule_gaps(name, service, found, q)
        + _worker_gaps(name, service, outputs, found, w)
        + _alarm_gaps(name, service, found, a)
        + _dashboard_gaps(name, outputs, dashboard)
    )


def _value(instance: Instance, argument: str) -> Any:
    try:
        return instance.scope.resolve(instance.body.get(argument))
    except Unresolvable as exc:
        return f"<unresolvable: {exc}>"


def _queue_gaps(name: str, service: Service, found: dict[str, Instance], q: str) -> list[str]:
    gaps = []
    queue, dlq = found[q + "aws_sqs_queue.this"], found[q + "aws_sqs_queue.dlq"]
    if _value(queue, "name") != f"{PREFIX}-{name}" or _value(dlq, "name") != f"{PREFIX}-{name}-dlq":
        gaps.append(f"{name}: queue/DLQ names differ from ORDERFLOW_RESOURCE_PREFIX naming")
    settings = queue.scope.resolve("${var.queue}")
    expected = service.queue.model_dump()
    if settings != expected:
        gaps.append(f"{name}: queue settings {settings} != topology {expected}")
    return gaps


def _rule_gaps(name: str, service: Service, found: dict[str, Instance], q: str) -> list[str]:
    gaps = []
    for sub, pattern in service.subscriptions.items():
        rule = found[f'{q}aws_cloudwatch_event_rule.this["{sub}"]']
        if _value(rule, "name") != f"{PREFIX}-{name}-{sub}":
            gaps.append(f"{name}/{sub}: rule name is not {PREFIX}-{name}-{sub}")
        if json.loads(_value(rule, "event_pattern")) != pattern:
            gaps.append(f"{name}/{sub}: the rule's event pattern differs from the topology's")
        target = found[f'{q}aws_cloudwatch_event_target.this["{sub}"]']
        retry = target.scope.resolve("${var.delivery}")
        if retry != service.delivery.model_dump():
            gaps.append(f"{name}/{sub}: target retry policy {retry} != topology delivery")
    return gaps


def _worker_gaps(name: str, service: Service, outputs: dict[str, Any], found: dict[str, Instance], w: str) -> list[str]:
    gaps = []
    scaling = found[w + "aws_appautoscaling_target.this"].scope.resolve("${var.scaling}")
    if scaling != service.scaling.model_dump():
        gaps.append(f"{name}: autoscaling {scaling} != topology scaling")
    written = outputs["services"][name]["tables_written"]
    if not written:
        gaps.append(
            f"{name}: no table lists it as a writer, so its task role may write no table "
            "(a worker records the event ids it applied in its own table)"
        )
    elif service.table and service.table not in written:
        gaps.append(f"{name}: its own table {service.table!r} does not list it as a writer")
    return gaps


def _alarm_gaps(name: str, service: Service, found: dict[str, Instance], a: str) -> list[str]:
    """The worker alarms' thresholds are the topology's own numbers for this service."""
    scope = found[a + "aws_cloudwatch_metric_alarm.message_age"].scope
    scaling = scope.resolve("${var.scaling}")
    wanted = {
        "service": name,
        "latency_goal_seconds": service.scaling.latency_goal_seconds,
        "handler_latency_p99_threshold_seconds": service.queue.visibility_timeout_seconds,
        "scaling.max_tasks": service.scaling.max_tasks,
        "scaling.target_backlog_per_task": service.scaling.target_backlog_per_task,
    }
    got = {
        "service": scope.resolve("${var.service}"),
        "latency_goal_seconds": scope.resolve("${var.latency_goal_seconds}"),
        "handler_latency_p99_threshold_seconds": scope.resolve("${var.handler_latency_p99_threshold_seconds}"),
        "scaling.max_tasks": scaling["max_tasks"],
        "scaling.target_backlog_per_task": scaling["target_backlog_per_task"],
    }
    return [f"{name}: alarm input {k} is {got[k]!r}, the topology says {v!r}" for k, v in wanted.items() if got[k] != v]


def _dashboard_gaps(name: str, outputs: dict[str, Any], dashboard: dict[str, Any]) -> list[str]:
    titles = dashboard["widget_titles"].get(name, [])
    if len(titles) != WIDGETS_PER_SERVICE:
        return [f"{name}: the dashboard has {len(titles)} widgets for it, not {WIDGETS_PER_SERVICE}"]
    body = json.dumps(dashboard["body"])
    names = outputs["services"][name]
    missing = [n for n in (names["queue_name"], names["dlq_name"], f'"Service", "{name}"') if n not in body]
    return [f"{name}: dashboard never charts {m}" for m in missing]
