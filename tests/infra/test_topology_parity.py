"""Both readers of topology.yaml derive the same scaling numbers for every service.

GIVEN the repository's topology (and a copy with awkward decimal latency goals), WHEN Python's
orderflow.topology and Terraform's terraform/modules/topology read it, THEN every service has the same
min/max tasks, latency goal, seconds per message and the backlog-per-task target derived from them;
and both refuse a written targetBacklogPerTask or a goal shorter than one message.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from orderflow.errors import TopologyError
from orderflow.topology import Topology, load_topology
from tests.infra.hcl import REPO
from tests.infra.terraform import TerraformFailed, topology_outputs

TOPOLOGY = REPO / "topology.yaml"
RAW = yaml.safe_load(TOPOLOGY.read_text())

# (latencyGoalSeconds, secondsPerMessage) pairs whose quotient binary or 512-bit floats land a hair
# under a whole number (30 / 0.6, 30 / 0.3, 0.9 / 0.3), or just over one, or far from any.
AWKWARD = [(30, 0.6), (30, 0.3), (0.9, 0.3), (10, 0.1), (7, 0.7), (100, 0.07), (2.5, 0.025), (1, 0.3), (45, 0.15)]


def _python_scaling(topology: Topology) -> dict[str, dict[str, Any]]:
    return {name: s.scaling.model_dump() for name, s in topology.services.items()}


def _terraform_scaling(outputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s["scaling"] for name, s in outputs["services"].items()}


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _with_awkward_goals() -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    template = raw["services"]["payment"]
    for index, (goal, per_message) in enumerate(AWKWARD):
        name = f"awkward-{index}"
        raw["services"][name] = {
            **copy.deepcopy(template),
            "table": name,
            "scaling": {"latencyGoalSeconds": goal, "secondsPerMessage": per_message},
        }
        raw["tables"][name] = {"writers": [name], "readers": []}
    return raw


def test_python_and_terraform_derive_the_same_scaling_for_every_service(tmp_path: Path) -> None:
    # WHEN both readers read the repository's file
    python_side = _python_scaling(load_topology(TOPOLOGY))
    terraform_side = _terraform_scaling(topology_outputs(tmp_path, TOPOLOGY, "orderflow"))

    # THEN they agree on every number of every service, the derived target included
    assert terraform_side == python_side
    # AND the targets are today's, now said as latency goal / seconds per message
    assert {n: s["target_backlog_per_task"] for n, s in python_side.items()} == {
        "inventory": 200,
        "payment": 100,
        "shipping": 50,
        "notification": 200,
        "orders": 500,
        "replenishment": 20,
        "audit": 500,
        "analytics": 500,
    }


def test_awkward_decimal_goals_give_the_same_whole_target_in_both_readers(tmp_path: Path) -> None:
    path = _write(tmp_path, _with_awkward_goals())

    python_side = _python_scaling(load_topology(path))
    terraform_side = _terraform_scaling(topology_outputs(tmp_path / "run", path, "orderflow"))

    assert terraform_side == python_side
    targets = [python_side[f"awkward-{i}"]["target_backlog_per_task"] for i in range(len(AWKWARD))]
    assert targets == [50, 100, 3, 100, 10, 1428, 100, 3, 300]


@pytest.mark.parametrize(
    ("scaling", "python_says", "terraform_says"),
    [
        pytest.param(
            {"targetBacklogPerTask": 250},
            "targetBacklogPerTask is derived",
            r"services\.shipping\.scaling\.targetBacklogPerTask: derived from latencyGoalSeconds / secondsPerMessage",
            id="written-target",
        ),
        pytest.param(
            {"latencyGoalSeconds": 0.5, "secondsPerMessage": 0.6},
            "latencyGoalSeconds (0.5) must be at least secondsPerMessage (0.6)",
            r"services\.shipping\.scaling: latencyGoalSeconds must be at least secondsPerMessage",
            id="goal-shorter-than-one-message",
        ),
        pytest.param(
            {"secondsPerMessage": 0},
            "services.shipping.scaling.secondsPerMessage",
            r"services\.shipping\.scaling\.secondsPerMessage: must be > 0",
            id="zero-seconds-per-message",
        ),
    ],
)
def test_both_readers_refuse_the_same_bad_scaling(
    tmp_path: Path, scaling: dict[str, Any], python_says: str, terraform_says: str
) -> None:
    # GIVEN shipping's scaling section broken in one way
    raw = copy.deepcopy(RAW)
    raw["services"]["shipping"]["scaling"] = scaling
    path = _write(tmp_path, raw)

    # THEN Python refuses it at load, and Terraform before planning anything, each naming the key
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    assert python_says in str(caught.value)
    with pytest.raises(TerraformFailed, match=terraform_says):
        topology_outputs(tmp_path / "run", path, "orderflow")
