"""Every environment has the alarms the topology asks for, and prod is dev with other values.

GIVEN terraform/environments/dev and terraform/environments/prod planned from scratch by the real
AWS provider (tests/infra/plan.py), WHEN the plans are read, THEN every topology service has its
worker alarms with the topology's thresholds, the API its p99-latency alarm; and prod plans the
same resources as dev with the same settings, except exactly what prod_override.tf changes: names
(the prefix) and the Environment tag, task sizes, log retention, a third AZ with a NAT gateway per
AZ, and branch-wide trust of the GitHub roles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from orderflow.topology import load_topology
from tests.infra.hcl import REPO, TERRAFORM, load_module, parse
from tests.infra.plan import ENVIRONMENTS, of_type, resources

# Whichever test runs first plans dev and prod (about 40 s each, minutes on a loaded machine):
# more than the suite's 120 s per-test timeout; ci runs errored at the first case's setup.
pytestmark = pytest.mark.timeout(600)

TOPOLOGY = load_topology(REPO / "topology.yaml")
SERVICES = sorted(TOPOLOGY.services)
DEV, PROD = TERRAFORM / "environments" / "dev", TERRAFORM / "environments" / "prod"
# Every file of dev's composition; versions.tf (the state key) is each environment's own.
SHARED = sorted(p.name for p in DEV.glob("*.tf") if p.name != "versions.tf")
Plan = dict[str, Any]

# What prod_override.tf is meant to change, and nothing else.
PROD_ONLY = re.compile(
    r"module\.network\.(aws_eip\.nat|aws_nat_gateway\.this|aws_route_table\.private_az)\[\"us-east-1[abc]\"\]"
    r"|module\.network\.aws_(subnet|route_table_association)\.(private|public)\[\"us-east-1c\"\]"
)
DEV_ONLY = {"module.network.aws_route_table.private[0]"}  # per-AZ route tables replace the shared one
CHANGED = {"retention_in_days": (365, 731)}
SIZES = {"api": (512, 1024, 1024, 2048), "shipping": (256, 512, 1024, 2048), "default": (256, 512, 512, 1024)}


@pytest.fixture(params=ENVIRONMENTS)
def planned(request: pytest.FixtureRequest, terraform_plan: Callable[[str], Plan]) -> Plan:
    return terraform_plan(request.param)


def _prefix(plan: Plan) -> str:
    return str(plan["variables"]["resource_prefix"]["value"])


def _alarms(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r["values"]["alarm_name"]: r["values"] for r in of_type(plan, "aws_cloudwatch_metric_alarm")}


# ------------------------------------------------------------------ the alarms, in every environment


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_its_worker_alarms_with_the_topologys_thresholds(planned: Plan, service: str) -> None:
    spec, alarms, name = TOPOLOGY.service(service), _alarms(planned), f"{_prefix(planned)}-{service}"
    error_rate = alarms[f"{name}-error-rate"]
    assert {m["metric"][0]["metric_name"] for m in error_rate["metric_query"] if m["metric"]} == {
        "MessagesFailed",
        "MessagesProcessed",
    }
    assert all(m["metric"][0]["dimensions"] == {"Service": service} for m in error_rate["metric_query"] if m["metric"])
    handler = alarms[f"{name}-handler-latency-p99"]
    assert (handler["namespace"], handler["metric_name"], handler["extended_statistic"]) == (
        "Orderflow",
        "HandlerLatency",
        "p99",
    )
    assert handler["threshold"] == spec.queue.visibility_timeout_seconds * 1000
    age = alarms[f"{name}-message-age-p99"]
    assert (age["metric_name"], age["dimensions"], age["threshold"]) == (
        "MessageAge",
        {"Service": service},
        spec.scaling.latency_goal_seconds * 1000,
    )
    at_max = alarms[f"{name}-scaling-at-max"]
    (signal,) = [m for m in at_max["metric_query"] if m["return_data"]]
    assert f">= {spec.scaling.max_tasks} AND" in signal["expression"]
    assert f"> {spec.scaling.target_backlog_per_task} * FILL(running, 0)" in signal["expression"]
    for alarm in (error_rate, handler, age, at_max):
        assert alarm["actions_enabled"] is True


def test_the_api_has_a_p99_latency_alarm(planned: Plan) -> None:
    latency = _alarms(planned)[f"{_prefix(planned)}-api-latency-p99"]
    assert (latency["metric_name"], latency["extended_statistic"], latency["threshold"]) == (
        "TargetResponseTime",
        "p99",
        1,
    )


# ------------------------------------------------------------------ prod = dev + its values


def _normalised(plan: Plan) -> dict[str, dict[str, Any]]:
    """Planned values by address, with prod's names and Environment tag written as dev's."""
    text = json.dumps({r["address"]: r.get("values", {}) for r in resources(plan) if r["mode"] == "managed"})
    text = text.replace("orderflow-prod", "orderflow-dev").replace('"Environment": "prod"', '"Environment": "dev"')
    return json.loads(text)  # type: ignore[no-any-return]


def _size_key(address: str) -> str:
    if address.startswith("module.order_api."):
        return "api"
    return "shipping" if '["shipping"]' in address else "default"


@pytest.mark.timeout(600)  # plans both environments when no other test has (about 40 s each)
def test_prod_plans_what_dev_plans_except_what_prod_override_changes(terraform_plan: Callable[[str], Plan]) -> None:
    dev, prod = _normalised(terraform_plan("dev")), _normalised(terraform_plan("prod"))
    assert set(dev) - set(prod) == DEV_ONLY
    extra = set(prod) - set(dev)
    assert all(PROD_ONLY.fullmatch(address) for address in extra), sorted(extra)
    assert len(extra) == 13  # 3 EIPs, 3 NAT gateways, 3 route tables, the third AZ's 2 subnets and 2 associations
    unexplained = {}
    for address in sorted(set(dev) & set(prod)):
        before, after = dev[address], prod[address]
        for key in sorted(set(before) | set(after)):
            if before.get(key) == after.get(key):
                continue
            if key in CHANGED and (before[key], after[key]) == CHANGED[key]:
                continue
            if key in {"cpu", "memory"} and address.endswith("aws_ecs_task_definition.this"):
                dev_cpu, dev_memory, prod_cpu, prod_memory = SIZES[_size_key(address)]
                if (int(before["cpu"]), int(before["memory"]), int(after["cpu"]), int(after["memory"])) == (
                    dev_cpu,
                    dev_memory,
                    prod_cpu,
                    prod_memory,
                ):
                    continue
            unexplained[f"{address}.{key}"] = (before.get(key), after.get(key))
    assert unexplained == {}
    planned = terraform_plan("prod")["variables"]
    assert planned["github_trust_branch"]["value"] is False
    assert planned["deletion_protection"]["value"] is True and planned["enable_waf"]["value"] is True


def test_prod_links_devs_composition_and_overrides_only_variable_defaults() -> None:
    assert {"main.tf", "variables.tf", "outputs.tf", "providers.tf"} <= set(SHARED)
    for name in SHARED:
        assert (PROD / name).is_symlink() and (PROD / name).resolve() == (DEV / name).resolve(), name
    override = parse((PROD / "prod_override.tf").read_text())
    assert set(override) - {"__comments__"} == {"variable"}, "prod_override.tf may only override variables"
    declared = load_module(DEV).variables
    for block in override["variable"]:
        for name, body in block.items():
            assert name in declared, f"prod_override.tf sets {name}, which variables.tf does not declare"
            assert set(body) - {"__comments__", "__inline_comments__"} == {"default"}, name
    versions = {env: (TERRAFORM / "environments" / env / "versions.tf").read_text() for env in ("dev", "prod")}
    assert versions["prod"] == versions["dev"].replace(
        "orderflow/dev/terraform.tfstate", "orderflow/prod/terraform.tfstate"
    )
