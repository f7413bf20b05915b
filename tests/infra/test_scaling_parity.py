"""The dev supervisor's scaling policy and the Terraform's autoscaling read the same topology values.

GIVEN the repository's topology, WHEN terraform/environments/dev is followed (offline, through
terraform/modules/topology's outputs) to each service's scalable target, target-tracking policy and
wake-from-zero step policy, and orderflow.local.scaling builds its policy from orderflow.topology,
THEN min, max, the backlog-per-task target and both cooldowns are equal for every service; and the
local policy differs from it only where the file's `local` section says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from orderflow.local.scaling import ScalingPolicy
from orderflow.topology import load_topology
from tests.infra.hcl import REPO, TERRAFORM, Instance, instances
from tests.infra.terraform import topology_outputs

TOPOLOGY = REPO / "topology.yaml"
PREFIX = "orderflow-dev"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Instance]:
    outputs = topology_outputs(tmp_path_factory.mktemp("topology"), TOPOLOGY, PREFIX)
    return instances(TERRAFORM / "environments" / "dev", outputs)


def _terraform_policy(planned: dict[str, Instance], service: str) -> ScalingPolicy:
    prefix = f'module.worker_service["{service}"].'
    target = planned[prefix + "aws_appautoscaling_target.this"]
    tracking = planned[prefix + "aws_appautoscaling_policy.backlog_per_task"]
    step = planned[prefix + "aws_appautoscaling_policy.scale_out_from_zero"]

    def value(instance: Instance, *path: str) -> Any:
        node: Any = instance.body
        for key in path:
            node = node[key][0] if isinstance(node[key], list) else node[key]
        return instance.scope.evaluate(node)

    config = ("target_tracking_scaling_policy_configuration",)
    step_cooldown = value(step, "step_scaling_policy_configuration", "cooldown")
    scale_out_cooldown = value(tracking, *config, "scale_out_cooldown")
    assert step_cooldown == scale_out_cooldown, f"{service}: the wake-from-zero step uses the scale-out cooldown"
    return ScalingPolicy(
        min_workers=value(target, "min_capacity"),
        max_workers=value(target, "max_capacity"),
        target_backlog_per_worker=value(tracking, *config, "target_value"),
        scale_out_cooldown_seconds=scale_out_cooldown,
        scale_in_cooldown_seconds=value(tracking, *config, "scale_in_cooldown"),
    )


def test_terraform_autoscaling_and_the_local_policy_read_the_same_values(planned: dict[str, Instance]) -> None:
    topology = load_topology(TOPOLOGY)
    for name, service in topology.services.items():
        assert _terraform_policy(planned, name) == ScalingPolicy.of(service.scaling), name


def test_the_local_policy_differs_only_where_the_local_section_says(tmp_path: Path) -> None:
    # GIVEN the file's local section as the only difference between the two readings
    raw = yaml.safe_load(TOPOLOGY.read_text())
    local_scaling = raw["local"].get("scaling", {})
    per_service = {n: s.get("scaling", {}) for n, s in raw["local"].get("services", {}).items()}
    fields = {
        "minTasks": "min_workers",
        "maxTasks": "max_workers",
        "scaleOutCooldownSeconds": "scale_out_cooldown_seconds",
        "scaleInCooldownSeconds": "scale_in_cooldown_seconds",
    }
    aws, laptop = load_topology(TOPOLOGY), load_topology(TOPOLOGY, local=True)
    for name in aws.services:
        policy, local = ScalingPolicy.of(aws.services[name].scaling), ScalingPolicy.of(laptop.services[name].scaling)
        said = {**local_scaling, **per_service.get(name, {})}
        for key, attribute in fields.items():
            expected = said.get(key, getattr(policy, attribute))
            assert getattr(local, attribute) == expected, f"{name}.{attribute}"
        if {"latencyGoalSeconds", "secondsPerMessage"} & said.keys():
            assert local.target_backlog_per_worker == laptop.services[name].scaling.target_backlog_per_task
        else:
            assert local.target_backlog_per_worker == policy.target_backlog_per_worker
