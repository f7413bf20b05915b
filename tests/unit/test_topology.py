"""topology.yaml: defaults merge into services, local mode overlays, and bad files fail with the key path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from orderflow.errors import TopologyError
from orderflow.topology import Topology, backlog_per_task, load_topology, parse_topology
from workers.services import known_services

TOPOLOGY_FILE = Path(__file__).resolve().parents[2] / "topology.yaml"
_RAW = yaml.safe_load(TOPOLOGY_FILE.read_text())


def raw_topology() -> dict[str, Any]:
    """A fresh, mutable copy of the repository's topology data."""
    return copy.deepcopy(_RAW)


def rejection(raw: Any, *, local: bool = False) -> str:
    with pytest.raises(TopologyError) as caught:
        parse_topology(raw, local=local)
    return str(caught.value)


# --- the checked-in file ---------------------------------------------------------------------


def test_repository_topology_loads_with_every_service_subscribed() -> None:
    topology = load_topology(TOPOLOGY_FILE)

    assert isinstance(topology, Topology)
    # Every service of the file has its package under workers/services/, and no package is orphaned.
    assert set(topology.services) == set(known_services())
    assert {"inventory", "payment", "shipping", "notification", "orders", "audit"} <= set(topology.services)
    for name, service in topology.services.items():
        assert service.name == name
        assert len(service.subscriptions) >= 1, name


def test_every_service_table_and_table_user_resolves_in_repository_topology() -> None:
    topology = load_topology(TOPOLOGY_FILE)

    for service in topology.services.values():
        assert service.table is None or service.table in topology.tables
    users = {who for table in topology.tables.values() for who in (*table.writers, *table.readers)}
    assert users <= {*topology.services, "api"}


def test_defaults_fill_what_a_service_leaves_out() -> None:
    # GIVEN inventory sets only visibilityTimeoutSeconds and maxTasks/secondsPerMessage
    topology = load_topology(TOPOLOGY_FILE)
    inventory = topology.service("inventory")

    # THEN its own values win and the rest come from `defaults`
    assert inventory.queue.visibility_timeout_seconds == 30
    assert inventory.queue.max_receive_count == 5
    assert inventory.queue.wait_time_seconds == 20
    assert inventory.queue.dlq_retention_seconds == 1209600
    assert inventory.scaling.min_tasks == 1
    assert inventory.scaling.max_tasks == 20
    assert inventory.scaling.target_backlog_per_task == 200
    assert inventory.delivery.maximum_retry_attempts == 185


def test_backlog_target_is_the_latency_goal_over_seconds_per_message() -> None:
    # GIVEN shipping sets a 30 s latency goal and 0.6 s per message; inventory only its seconds per message
    topology = load_topology(TOPOLOGY_FILE)
    shipping, inventory = topology.service("shipping"), topology.service("inventory")

    # THEN the target is their quotient, floored (30 / 0.6 is a hair under 50 in binary floats)
    assert (shipping.scaling.latency_goal_seconds, shipping.scaling.seconds_per_message) == (30, 0.6)
    assert shipping.scaling.target_backlog_per_task == 50
    # AND the goal a service leaves out comes from defaults
    assert inventory.scaling.latency_goal_seconds == 10
    assert inventory.scaling.target_backlog_per_task == 200


@pytest.mark.parametrize(
    ("goal", "per_message", "target"),
    [(10, 0.1, 100), (30, 0.3, 100), (0.9, 0.3, 3), (10, 3, 3), (1, 1, 1), (100, 0.07, 1428)],
)
def test_backlog_target_is_a_whole_number_floored(goal: float, per_message: float, target: int) -> None:
    assert backlog_per_task(goal, per_message) == target


def test_written_backlog_target_is_rejected_because_it_is_derived() -> None:
    raw = raw_topology()
    raw["services"]["orders"]["scaling"]["targetBacklogPerTask"] = 500

    message = rejection(raw)

    assert "services.orders.scaling" in message
    assert "targetBacklogPerTask is derived (latencyGoalSeconds / secondsPerMessage)" in message


def test_latency_goal_shorter_than_one_message_is_rejected() -> None:
    raw = raw_topology()
    raw["services"]["payment"]["scaling"] = {"latencyGoalSeconds": 0.1, "secondsPerMessage": 0.2}

    assert "latencyGoalSeconds (0.1) must be at least secondsPerMessage (0.2)" in rejection(raw)


def test_missing_latency_goal_is_rejected_with_its_path() -> None:
    raw = raw_topology()
    del raw["defaults"]["scaling"]["latencyGoalSeconds"]

    assert "services.inventory.scaling.latencyGoalSeconds: Field required" in rejection(raw)


def test_service_without_queue_section_takes_the_default_queue() -> None:
    notification = load_topology(TOPOLOGY_FILE).service("notification")

    assert notification.queue.visibility_timeout_seconds == 60
    assert notification.queue.max_receive_count == 5


def test_api_scaling_merges_over_defaults() -> None:
    api = load_topology(TOPOLOGY_FILE).api

    assert api.scaling.min_tasks == 2
    assert api.scaling.target_backlog_per_task == 100
    assert api.publishes == ("OrderPlaced", "OrderCancellationRequested")


def test_local_mode_applies_local_section_over_every_service() -> None:
    topology = load_topology(TOPOLOGY_FILE, local=True)

    own = _RAW["local"].get("services", {})
    for service in topology.services.values():
        overrides = own.get(service.name, {}).get("queue", {})
        assert service.queue.visibility_timeout_seconds == overrides.get("visibilityTimeoutSeconds", 10), service.name
        assert service.queue.max_receive_count == overrides.get("maxReceiveCount", 3), service.name
    # The audit service's own local override wins over the local section.
    assert topology.service("audit").queue.max_receive_count == 10


def test_without_local_mode_the_local_section_is_ignored() -> None:
    topology = load_topology(TOPOLOGY_FILE, local=False)

    assert topology.service("inventory").queue.visibility_timeout_seconds == 30
    assert topology.service("shipping").queue.visibility_timeout_seconds == 90
    assert all(s.queue.max_receive_count == 5 for s in topology.services.values() if s.name != "audit")
    assert topology.service("audit").queue.max_receive_count == 10


def test_local_service_override_wins_over_local_section_for_that_service_only() -> None:
    # GIVEN a local override for payment alone
    raw = raw_topology()
    raw["local"]["services"]["payment"] = {"queue": {"maxReceiveCount": 7}}

    # WHEN parsed in local mode
    topology = parse_topology(raw, local=True)

    # THEN payment gets 7, the others keep the general local value
    assert topology.service("payment").queue.max_receive_count == 7
    assert topology.service("inventory").queue.max_receive_count == 3


def test_a_local_section_may_lower_max_tasks_but_never_raise_it() -> None:
    # GIVEN a local section asking for more workers than the service's own maxTasks (2)
    raw = raw_topology()
    raw["local"]["services"]["replenishment"]["scaling"]["maxTasks"] = 3

    # WHEN read for either world THEN it is refused, naming the key to set
    for local in (False, True):
        with pytest.raises(TopologyError, match=r"replenishment would get maxTasks 3 locally, above its own 2"):
            parse_topology(raw, local=local)


def test_asking_for_unknown_service_names_the_known_ones() -> None:
    topology = load_topology(TOPOLOGY_FILE)

    with pytest.raises(TopologyError, match="no service 'billing'") as caught:
        topology.service("billing")
    assert "inventory" in str(caught.value)


def test_topology_models_are_frozen() -> None:
    inventory = load_topology(TOPOLOGY_FILE).service("inventory")

    with pytest.raises(ValueError, match="frozen"):
        inventory.table = "other"  # type: ignore[misc]


# --- bad topologies ------------------------------------------------------------------------


def test_unknown_service_key_is_rejected_with_its_path() -> None:
    raw = raw_topology()
    raw["services"]["inventory"]["colour"] = "blue"

    message = rejection(raw)

    assert "services.inventory.colour" in message
    assert "Extra inputs are not permitted" in message


def test_unknown_top_level_key_is_rejected() -> None:
    raw = raw_topology()
    raw["colour"] = "blue"

    assert "colour: Extra inputs are not permitted" in rejection(raw)


def test_unknown_queue_setting_is_rejected_with_its_path() -> None:
    raw = raw_topology()
    raw["services"]["payment"]["queue"]["visibilityTimeout"] = 5

    assert "services.payment.queue.visibilityTimeout" in rejection(raw)


def test_zero_max_receive_count_is_rejected() -> None:
    raw = raw_topology()
    raw["services"]["inventory"]["queue"]["maxReceiveCount"] = 0

    assert "services.inventory.queue.maxReceiveCount" in rejection(raw)


def test_wait_time_above_sqs_limit_in_defaults_is_reported_for_every_service() -> None:
    raw = raw_topology()
    raw["defaults"]["queue"]["waitTimeSeconds"] = 21

    message = rejection(raw)

    for name in raw["services"]:
        assert f"services.{name}.queue.waitTimeSeconds" in message


def test_min_tasks_above_max_tasks_is_rejected() -> None:
    raw = raw_topology()
    raw["services"]["shipping"]["scaling"] = {"minTasks": 5, "maxTasks": 2}

    message = rejection(raw)

    assert "services.shipping.scaling" in message
    assert "minTasks (5) > maxTasks (2)" in message


def test_service_table_missing_from_tables_is_rejected() -> None:
    raw = raw_topology()
    raw["services"]["inventory"]["table"] = "stock"

    assert "services.inventory.table: unknown table 'stock'" in rejection(raw)


def test_table_reader_that_is_not_a_service_is_rejected() -> None:
    raw = raw_topology()
    raw["tables"]["catalogue"]["readers"] = ["api", "billing"]

    assert "tables.catalogue: unknown service 'billing'" in rejection(raw)


def test_subscription_without_source_or_detail_type_is_rejected() -> None:
    raw = raw_topology()
    raw["services"]["payment"]["subscriptions"]["everything"] = {"detail": {"data": {}}}

    message = rejection(raw)

    assert "services.payment" in message
    assert "subscription 'everything' must filter on source or detail-type" in message


def test_service_without_subscriptions_is_rejected() -> None:
    raw = raw_topology()
    raw["services"]["shipping"]["subscriptions"] = {}

    assert "services.shipping.subscriptions" in rejection(raw)


@pytest.mark.parametrize("top_level", [None, [], ["version", 1], "version: 1", 42])
def test_non_mapping_top_level_is_rejected(top_level: Any) -> None:
    assert "expected a mapping at the top level" in rejection(top_level)


def test_invalid_yaml_file_is_a_topology_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "topology.yaml"
    path.write_text("version: 1\nbus: [orderflow\n")

    with pytest.raises(TopologyError, match="not valid YAML") as caught:
        load_topology(path)
    assert str(path) in str(caught.value)


def test_validation_error_from_a_file_names_the_file(tmp_path: Path) -> None:
    raw = raw_topology()
    raw["version"] = 2
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(raw))

    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    assert str(path) in str(caught.value)
    assert "version" in str(caught.value)


def test_invalid_local_setting_is_rejected_in_local_mode() -> None:
    raw = raw_topology()
    raw["local"]["queue"]["maxReceiveCount"] = 0

    assert "services.inventory.queue.maxReceiveCount" in rejection(raw, local=True)


# The three tests below fail against the current topology.py; see the report.


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda raw: raw.update(services=["inventory", "payment"]), id="services-as-list"),
        pytest.param(lambda raw: raw["services"].update(inventory="oops"), id="service-as-string"),
    ],
)
def test_malformed_services_section_is_a_topology_error(mutate: Any) -> None:
    # GIVEN a services section of the wrong shape
    raw = raw_topology()
    mutate(raw)

    # THEN the loader answers a TopologyError naming `services`, not a bare AttributeError
    assert "services" in rejection(raw)


@pytest.mark.parametrize(
    ("section", "local"),
    [pytest.param("defaults", False, id="defaults"), pytest.param("local", True, id="local")],
)
def test_unknown_key_in_defaults_or_local_section_is_rejected(section: str, local: bool) -> None:
    # GIVEN a typo'd section name whose settings would silently never apply
    raw = raw_topology()
    raw[section]["qeueu"] = {"maxReceiveCount": 1}

    # THEN it is rejected like any other unknown key
    assert f"{section}.qeueu" in rejection(raw, local=local)


def test_service_section_of_wrong_type_names_its_full_path() -> None:
    raw = raw_topology()
    raw["services"]["inventory"]["queue"] = 5

    assert "services.inventory.queue" in rejection(raw)
