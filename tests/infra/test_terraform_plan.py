"""A full plan of every environment, by the real AWS provider, has what the topology promises.

GIVEN terraform/environments/<env> planned from scratch (`plan -refresh=false`, fake keys, STS on a
local moto server; tests/infra/plan.py), WHEN `terraform show -json` is read, THEN every topology
service has its queue and DLQ, redrive, one rule and one target (with a DLQ and the topology's
retry policy) per subscription, both queue policies, its ECS service, a scaling target with the
topology's min/max and both scaling policies, its alarms and its dashboard row; no IAM statement
allows every action; every queue, table, topic and log group is encrypted with a KMS key.

Resources are found by name or by the module instance keyed by the service, never by their full
address, so moving a resource into a submodule (with a `moved` block) keeps these tests true.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from orderflow.settings import Settings
from orderflow.topology import Service, load_topology
from tests.infra.hcl import REPO
from tests.infra.plan import ENVIRONMENTS, WIDGET_TITLES_OUTPUT, of_type, resources

TOPOLOGY = load_topology(REPO / "topology.yaml")
SERVICES = sorted(TOPOLOGY.services)
Plan = dict[str, Any]


@pytest.fixture(params=ENVIRONMENTS)
def planned(request: pytest.FixtureRequest, terraform_plan: Callable[[str], Plan]) -> Plan:
    return terraform_plan(request.param)


def _names(plan: Plan) -> Settings:
    return Settings(resource_prefix=plan["variables"]["resource_prefix"]["value"])


def _after(resource: dict[str, Any]) -> dict[str, Any]:
    return resource["values"]  # type: ignore[no-any-return]


def _of_service(plan: Plan, resource_type: str, service: str) -> list[dict[str, Any]]:
    """Resources of a type inside a module instance keyed by the service (module.x["inventory"])."""
    inside = re.compile(rf'module\.[\w-]+\["{re.escape(service)}"\]')
    return [r for r in of_type(plan, resource_type) if inside.search(r["address"])]


def _named(plan: Plan, resource_type: str, attribute: str = "name") -> dict[str, dict[str, Any]]:
    return {_after(r)[attribute]: r for r in of_type(plan, resource_type) if _after(r).get(attribute)}


def _unknown(plan: Plan, address: str) -> dict[str, Any]:
    change = next(r["change"] for r in plan["resource_changes"] if r["address"] == address)
    return change["after_unknown"]  # type: ignore[no-any-return]


def _set(plan: Plan, resource: dict[str, Any], attribute: str) -> bool:
    """Given a value, known now or only after apply (a key ARN)."""
    return bool(_after(resource).get(attribute)) or _unknown(plan, resource["address"]).get(attribute) is True


# ------------------------------------------------------------------ per service


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_its_queue_dlq_redrive_and_queue_policies(planned: Plan, service: str) -> None:
    names = _names(planned)
    queues = _named(planned, "aws_sqs_queue")
    assert names.queue_name(service) in queues
    assert names.dlq_name(service) in queues
    assert len(_of_service(planned, "aws_sqs_queue_redrive_policy", service)) == 1
    assert len(_of_service(planned, "aws_sqs_queue_redrive_allow_policy", service)) == 1
    assert len(_of_service(planned, "aws_sqs_queue_policy", service)) == 2  # queue and DLQ


@pytest.mark.parametrize("service", SERVICES)
def test_every_subscription_has_a_rule_with_its_pattern_and_a_target_with_dlq_and_retry(
    planned: Plan, service: str
) -> None:
    spec: Service = TOPOLOGY.service(service)
    names = _names(planned)
    rules = _named(planned, "aws_cloudwatch_event_rule")
    targets = {_after(t)["rule"]: t for t in of_type(planned, "aws_cloudwatch_event_target")}
    for subscription, pattern in spec.subscriptions.items():
        rule = rules[names.rule_name(service, subscription)]
        assert json.loads(_after(rule)["event_pattern"]) == pattern
        target = _after(targets[names.rule_name(service, subscription)])
        assert len(target["dead_letter_config"]) == 1
        assert target["retry_policy"] == [
            {
                "maximum_retry_attempts": spec.delivery.maximum_retry_attempts,
                "maximum_event_age_in_seconds": spec.delivery.maximum_event_age_seconds,
            }
        ]
    mine = [r for r in rules if r.startswith(f"{names.queue_name(service)}-")]
    assert len(_of_service(planned, "aws_cloudwatch_event_rule", service)) == len(spec.subscriptions), mine


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_an_ecs_service_scaling_target_and_both_policies(planned: Plan, service: str) -> None:
    spec = TOPOLOGY.service(service)
    ecs_name = _names(planned).queue_name(service)  # {prefix}-{service}, like the queue
    assert ecs_name in _named(planned, "aws_ecs_service")
    (target,) = _of_service(planned, "aws_appautoscaling_target", service)
    assert (_after(target)["min_capacity"], _after(target)["max_capacity"]) == (
        spec.scaling.min_tasks,
        spec.scaling.max_tasks,
    )
    assert _after(target)["resource_id"].endswith(f"/{ecs_name}")
    policies = {_after(p)["policy_type"]: _after(p) for p in _of_service(planned, "aws_appautoscaling_policy", service)}
    tracking = policies["TargetTrackingScaling"]["target_tracking_scaling_policy_configuration"][0]
    assert tracking["target_value"] == spec.scaling.target_backlog_per_task
    step = policies["StepScaling"]["step_scaling_policy_configuration"][0]
    assert step["step_adjustment"][0]["scaling_adjustment"] == 1


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_its_alarms_and_dashboard_row(planned: Plan, service: str) -> None:
    names = _names(planned)
    alarms = _named(planned, "aws_cloudwatch_metric_alarm", "alarm_name")
    expected = {
        f"{names.dlq_name(service)}-not-empty",
        f"{names.queue_name(service)}-oldest-message-age",
        *(f"{names.rule_name(service, s)}-failed-invocations" for s in TOPOLOGY.service(service).subscriptions),
    }
    assert expected <= set(alarms)
    for name in expected:
        assert _set(planned, alarms[name], "alarm_actions"), f"{name} notifies no one"
    titles = planned["output_changes"][WIDGET_TITLES_OUTPUT]["after"]
    assert titles[service], f"no dashboard widgets for {service}"
    assert all(title.startswith(f"{service}: ") for title in titles[service])
    assert len(titles[service]) == len(titles[SERVICES[0]])


# ------------------------------------------------------------------ everywhere


def test_every_queue_table_topic_and_log_group_is_encrypted_with_a_kms_key(planned: Plan) -> None:
    unencrypted = [
        r["address"]
        for kind, attribute in (
            ("aws_sqs_queue", "kms_master_key_id"),
            ("aws_sns_topic", "kms_master_key_id"),
            ("aws_cloudwatch_log_group", "kms_key_id"),
        )
        for r in of_type(planned, kind)
        if not _set(planned, r, attribute)
    ]
    for table in of_type(planned, "aws_dynamodb_table"):
        (sse,) = _after(table)["server_side_encryption"]
        (sse_unknown,) = _unknown(planned, table["address"])["server_side_encryption"]
        if not (sse["enabled"] and (sse.get("kms_key_arn") or sse_unknown.get("kms_key_arn") is True)):
            unencrypted.append(table["address"])
    assert of_type(planned, "aws_sqs_queue"), "nothing planned"
    assert unencrypted == []


def test_no_iam_statement_allows_every_action(planned: Plan) -> None:
    statements = list(_statements(planned))
    assert statements, "no IAM statements found in the plan"
    allow_all = [where for where, actions in statements if {"*", "*:*"} & set(actions)]
    assert allow_all == []


def test_every_policy_in_the_plan_is_known_or_built_from_a_checked_policy_document(planned: Plan) -> None:
    # An unknown policy that came from jsonencode() of unknown values would escape the check above.
    unchecked = [
        f"{r['address']}.{attribute}"
        for r in resources(planned)
        if r["mode"] == "managed"
        for attribute in _POLICY_ATTRIBUTES
        if attribute in _unknown(planned, r["address"])
        and _unknown(planned, r["address"])[attribute] is True
        and not _from_policy_document(planned, r["address"], attribute)
    ]
    assert unchecked == []


_POLICY_ATTRIBUTES = ("policy", "assume_role_policy")


def _statements(plan: Plan) -> Any:
    """(where, actions) of every statement: of known JSON policies, and of every
    aws_iam_policy_document (its actions are known at plan time even when its resources are not)."""
    for r in plan["resource_changes"]:
        after = r["change"]["after"] or {}
        if r["type"] == "aws_iam_policy_document":
            for index, statement in enumerate(after.get("statement") or []):
                yield f"{r['address']}[{index}]", statement.get("actions") or []
            continue
        for attribute in _POLICY_ATTRIBUTES:
            if isinstance(after.get(attribute), str) and after[attribute]:
                for index, statement in enumerate(json.loads(after[attribute]).get("Statement", [])):
                    action = statement.get("Action", [])
                    yield f"{r['address']}.{attribute}[{index}]", [action] if isinstance(action, str) else action


def _from_policy_document(plan: Plan, address: str, attribute: str) -> bool:
    """True when the configuration sets `attribute` from a policy document, or does not set it
    (then the provider computes it, e.g. a queue's `policy` echoes its aws_sqs_queue_policy)."""
    expressions = _configuration(plan, address).get("expressions", {})
    if attribute not in expressions:
        return True
    references = expressions[attribute].get("references", [])
    return any(ref.startswith("data.aws_iam_policy_document.") for ref in references)


def _configuration(plan: Plan, address: str) -> dict[str, Any]:
    """The configuration block of a resource instance: module path and resource, keys dropped."""
    module = plan["configuration"]["root_module"]
    parts = re.sub(r"\[[^\]]*\]", "", address).split(".")
    while parts[0] == "module":
        module = module["module_calls"][parts[1]]["module"]
        parts = parts[2:]
    wanted = ".".join(parts)
    return next(r for r in module.get("resources", []) if r["address"] == wanted)
