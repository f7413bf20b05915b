"""The Terraform covers every service of topology.yaml, and keeps its promises (offline checks).

GIVEN the repository's topology file and terraform/ tree, WHEN Terraform's provider-free modules are
evaluated offline and the HCL is followed through every for_each, THEN each service has its queue,
DLQ, redrive, rules, targets, queue policies, worker, scaling and alarms, and its dashboard row.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from orderflow.errors import TopologyError
from orderflow.observability import Metrics
from orderflow.topology import load_topology
from tests.infra import coverage
from tests.infra.hcl import REPO, TERRAFORM, load_module
from tests.infra.terraform import TerraformFailed, topology_outputs

TOPOLOGY = REPO / "topology.yaml"
SERVICES = sorted(load_topology(TOPOLOGY).services)
MODULES = sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())
ENV = TERRAFORM / "environments" / "dev"


@pytest.fixture(scope="module")
def covered(tmp_path_factory: pytest.TempPathFactory) -> coverage.Coverage:
    return coverage.check(TOPOLOGY, tmp_path_factory.mktemp("coverage"))


def _with_fake_service(tmp_path: Path, *, with_table: bool) -> Path:
    raw = yaml.safe_load(TOPOLOGY.read_text())
    raw["services"]["fake"] = {
        "description": "A service added to a copy of the topology.",
        "publishes": [],
        "subscriptions": {"order-placed": {"source": ["orderflow.orders"], "detail-type": ["OrderPlaced"]}},
    }
    if with_table:
        raw["services"]["fake"]["table"] = "fake"
        raw["tables"]["fake"] = {"writers": ["fake"], "readers": []}
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


# ------------------------------------------------------------------ every service is covered


def test_terraform_covers_every_service_of_the_topology(covered: coverage.Coverage) -> None:
    assert covered.gaps == []
    assert sorted(covered.topology["services"]) == SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_queue_rules_worker_scaling_alarms_and_widgets(
    covered: coverage.Coverage, service: str
) -> None:
    spec = load_topology(TOPOLOGY).service(service)
    mine = covered.for_service(service)
    assert f'module.service_queue["{service}"].aws_sqs_queue_redrive_allow_policy.this' in mine
    assert f'module.worker_service["{service}"].aws_appautoscaling_policy.backlog_per_task' in mine
    rules = [a for a in mine if ".aws_cloudwatch_event_rule.this[" in a]
    assert len(rules) == len(spec.subscriptions)
    assert len(covered.dashboard["widget_titles"][service]) == coverage.WIDGETS_PER_SERVICE


def test_adding_a_fake_service_demands_its_resources_until_terraform_covers_it(tmp_path: Path) -> None:
    # GIVEN a copy of the topology with a service that has no table of its own
    # THEN it is refused before any Terraform runs: its worker could not record what it applied
    with pytest.raises(TopologyError, match=r"services\.fake\.table: every worker needs a table"):
        coverage.check(_with_fake_service(tmp_path / "a", with_table=False), tmp_path / "a")

    # GIVEN a complete fake service and a Terraform tree whose dashboard lists services by hand
    complete = _with_fake_service(tmp_path / "b", with_table=True)
    stale = tmp_path / "stale-terraform"
    shutil.copytree(TERRAFORM, stale, ignore=shutil.ignore_patterns(".terraform"))
    dashboard = stale / "modules" / "dashboard" / "main.tf"
    dashboard.write_text(
        dashboard.read_text().replace("sort(keys(var.services))", json.dumps(SERVICES).replace(",", ", "))
    )
    # THEN the structure check names what is missing for the new service, and only for it
    uncovered = coverage.check(complete, tmp_path / "b", stale)
    assert uncovered.gaps == [f"fake: the dashboard has 0 widgets for it, not {coverage.WIDGETS_PER_SERVICE}"]

    # WHEN the real Terraform (driven by the topology) is checked THEN it covers the new service
    covered = coverage.check(complete, tmp_path / "c")
    assert covered.gaps == []
    assert 'module.service_queue["fake"].aws_cloudwatch_event_rule.this["order-placed"]' in covered.instances
    assert 'module.worker_service["fake"].module.core.aws_ecs_service.this' in covered.instances
    assert 'module.tables.aws_dynamodb_table.this["fake"]' in covered.instances


def test_local_provisioning_creates_the_queues_and_rules_terraform_creates(provisioned: Any, tmp_path: Path) -> None:
    # The emulator is provisioned with the default prefix; evaluate Terraform's naming with it.
    outputs = topology_outputs(tmp_path, TOPOLOGY, "orderflow")
    terraform_rules = {s["rule_name"]: json.loads(s["event_pattern"]) for s in outputs["subscriptions"].values()}
    assert provisioned.rules == terraform_rules
    assert {name: url.rsplit("/", 1)[-1] for name, url in provisioned.queues.items()} == {
        name: s["queue_name"] for name, s in outputs["services"].items()
    }
    assert {name: url.rsplit("/", 1)[-1] for name, url in provisioned.dlqs.items()} == {
        name: s["dlq_name"] for name, s in outputs["services"].items()
    }
    assert sorted(provisioned.tables) == sorted(t["table"] for t in outputs["tables"].values())


def test_an_invalid_topology_stops_terraform_with_a_clear_message(tmp_path: Path) -> None:
    raw = yaml.safe_load(TOPOLOGY.read_text())
    raw["services"]["payment"]["queue"]["maxReceiveCount"] = 5000
    bad = tmp_path / "topology.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(TerraformFailed, match=r"services\.payment\.queue\.maxReceiveCount: must be 1\.\.1000"):
        topology_outputs(tmp_path / "run", bad, "orderflow")


# ------------------------------------------------------------------ what each resource promises

QUEUE = load_module(TERRAFORM / "modules" / "service-queue")
WORKER = load_module(TERRAFORM / "modules" / "worker-service")
API = load_module(TERRAFORM / "modules" / "order-api")
CORE = load_module(TERRAFORM / "modules" / "ecs-service")
KMS = load_module(TERRAFORM / "modules" / "kms-key")
ALARMS = load_module(TERRAFORM / "modules" / "worker-alarms")
OBSERVABILITY = load_module(TERRAFORM / "modules" / "observability")


EXTRAS = "${var.extra_task_policy_statements}"  # the worker's per-service statements, given by the caller


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements written in the module: plain ones and conditional `dynamic` ones. The worker's
    per-service extras are not written there; `_role_policies` evaluates them per service."""
    statements = doc.get("statement", [])
    blocks = [block["statement"] for block in doc.get("dynamic", []) if "statement" in block]
    dynamic = [content for block in blocks if block["for_each"] != EXTRAS for content in block["content"]]
    return [*statements, *dynamic]


def _role_policies(covered: coverage.Coverage) -> dict[str, list[dict[str, Any]]]:
    """Every inline role policy this Terraform writes, by instance address, as the statements it
    grants, with a worker's extra statements evaluated through the dev environment's wiring.
    (Managed policies are only attached: AmazonECSTaskExecutionRolePolicy to execution roles, and
    whatever the operator chooses for the optional GitHub Terraform role.)"""
    policies = {}
    for address, instance in covered.instances.items():
        if ".aws_iam_role_policy." not in address:
            continue
        scope, policy = instance.scope, instance.body["policy"]
        name = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)(?:\[0\])?\.json\}", policy)
        assert name, f"{address}: policy is not one of the module's policy documents"
        doc = scope.module.data[f"aws_iam_policy_document.{name.group(1)}"]
        statements = _statements(doc)
        if EXTRAS in json.dumps(doc):
            extras = scope.evaluate(EXTRAS)
            statements += [{"sid": sid, **statement} for sid, statement in extras.items()]
        policies[address] = statements
    return policies


def _made_here(covered: coverage.Coverage, value: str) -> str | None:
    """The address of the resource this Terraform creates that `value` (a symbol) is an attribute of."""
    match = re.fullmatch(r"\$\{(.+)\.(arn|id|name)\}", value)
    return match.group(1) if match and match.group(1) in covered.instances else None


def test_queue_policy_admits_only_this_services_rules_by_source_arn() -> None:
    doc = QUEUE.data["aws_iam_policy_document.this"]
    allow = next(s for s in doc["statement"] if s.get("effect") == "Allow")
    assert allow["actions"] == ["sqs:SendMessage"]
    assert allow["principals"][0] == {"type": "Service", "identifiers": ["events.amazonaws.com"]}
    condition = allow["condition"][0]
    assert (condition["test"], condition["variable"]) == ("ArnEquals", "aws:SourceArn")
    assert "aws_cloudwatch_event_rule.this" in condition["values"]
    for which in ("this", "dlq"):
        assert "aws_iam_policy_document.this" in QUEUE.resource(f"aws_sqs_queue_policy.{which}")["policy"]


def test_rules_target_the_queue_with_a_dlq_and_the_topologys_retry_policy() -> None:
    target = QUEUE.resource("aws_cloudwatch_event_target.this")
    assert target["arn"] == "${aws_sqs_queue.this.arn}"
    assert target["dead_letter_config"][0]["arn"] == "${aws_sqs_queue.dlq.arn}"
    assert target["retry_policy"][0] == {
        "maximum_retry_attempts": "${var.delivery.maximum_retry_attempts}",
        "maximum_event_age_in_seconds": "${var.delivery.maximum_event_age_seconds}",
    }
    rule = QUEUE.resource("aws_cloudwatch_event_rule.this")
    assert rule["event_pattern"] == "${each.value.event_pattern}"


def test_queues_are_kms_encrypted_and_redrive_uses_separate_resources() -> None:
    for name in ("this", "dlq"):
        queue = QUEUE.resource(f"aws_sqs_queue.{name}")
        assert queue["kms_master_key_id"] == "${var.kms_key_arn}"
        assert "redrive_policy" not in queue and "redrive_allow_policy" not in queue
    assert (
        "maxReceiveCount = var.queue.max_receive_count"
        in QUEUE.resource("aws_sqs_queue_redrive_policy.this")["redrive_policy"]
    )
    assert (
        'redrivePermission = "byQueue"'
        in QUEUE.resource("aws_sqs_queue_redrive_allow_policy.this")["redrive_allow_policy"]
    )


def test_queue_alarms_watch_dlq_depth_message_age_and_failed_invocations() -> None:
    dlq = QUEUE.resource("aws_cloudwatch_metric_alarm.dlq_depth")
    assert (dlq["metric_name"], dlq["threshold"], dlq["comparison_operator"]) == (
        "ApproximateNumberOfMessagesVisible",
        0,
        "GreaterThanThreshold",
    )
    assert QUEUE.resource("aws_cloudwatch_metric_alarm.oldest_message_age")["metric_name"] == (
        "ApproximateAgeOfOldestMessage"
    )
    failed = QUEUE.resource("aws_cloudwatch_metric_alarm.failed_invocations")
    assert (failed["namespace"], failed["metric_name"]) == ("AWS/Events", "FailedInvocations")
    for alarm in ("dlq_depth", "oldest_message_age", "failed_invocations"):
        assert QUEUE.resource(f"aws_cloudwatch_metric_alarm.{alarm}")["alarm_actions"] == ["${var.alarm_topic_arn}"]


def _emitted_by_the_runtime() -> tuple[str, list[str], set[str]]:
    """Namespace, dimension names and metric names the worker runtime really emits: the EMF
    document Metrics builds, and every name workers/runtime/worker.py counts or observes."""
    source = (REPO / "workers" / "runtime" / "worker.py").read_text()
    names = set(re.findall(r'_metrics\.(?:count|observe_ms)\(\s*"(\w+)"', source))
    names |= set(re.findall(r'"(\w+)" if outcome == "handled" else "(\w+)"', source)[0])
    metrics = Metrics("inventory")
    for name in names:
        metrics.count(name)
    emf = metrics.emf_record()
    assert emf is not None
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    (dimensions,) = directive["Dimensions"]
    assert emf["Service"] == "inventory"
    return directive["Namespace"], dimensions, names


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or those of its metric queries."""
    if "metric_name" in alarm:
        return [alarm]
    return [q["metric"][0] for q in alarm["metric_query"] if "metric" in q]


def test_worker_alarms_watch_the_metrics_the_runtime_emits_under_its_namespace_and_dimension() -> None:
    namespace, dimensions, emitted = _emitted_by_the_runtime()
    assert {"MessagesProcessed", "MessagesFailed", "HandlerLatency", "MessageAge"} <= emitted
    assert ALARMS.variables["metric_namespace"]["default"] == namespace
    read = set()
    for alarm in ALARMS.resources.values():
        for metric in _metric_stats(alarm):
            if metric["namespace"] == "${var.metric_namespace}":
                assert sorted(metric["dimensions"]) == dimensions
                assert metric["dimensions"]["Service"] == "${var.service}"
                read.add(metric["metric_name"])
    assert read == {"MessagesProcessed", "MessagesFailed", "HandlerLatency", "MessageAge"}


def test_worker_alarms_measure_against_the_topologys_numbers_and_page_the_ops_topic() -> None:
    error_rate = ALARMS.resource("aws_cloudwatch_metric_alarm.error_rate")
    (rate,) = [q for q in error_rate["metric_query"] if q.get("return_data") is True]
    assert "100 * FILL(failed, 0) / (FILL(processed, 0) + FILL(failed, 0))" in rate["expression"]
    handler = ALARMS.resource("aws_cloudwatch_metric_alarm.handler_latency")
    age = ALARMS.resource("aws_cloudwatch_metric_alarm.message_age")
    assert (handler["metric_name"], handler["extended_statistic"]) == ("HandlerLatency", "p99")
    assert (age["metric_name"], age["extended_statistic"]) == ("MessageAge", "p99")
    # The runtime emits milliseconds; the topology speaks seconds.
    assert handler["threshold"] == "${var.handler_latency_p99_threshold_seconds * 1000}"
    assert age["threshold"] == "${var.latency_goal_seconds * 1000}"
    at_max = ALARMS.resource("aws_cloudwatch_metric_alarm.scaling_at_max")
    (signal,) = [q for q in at_max["metric_query"] if q.get("return_data") is True]
    assert "FILL(desired, 0) >= ${var.scaling.max_tasks}" in signal["expression"]
    assert "FILL(visible, 0) > ${var.scaling.target_backlog_per_task} * FILL(running, 0)" in signal["expression"]
    assert {m["metric_name"] for m in _metric_stats(at_max)} == {
        "DesiredTaskCount",
        "RunningTaskCount",
        "ApproximateNumberOfMessagesVisible",
    }
    for name, alarm in ALARMS.resources.items():
        assert alarm["alarm_actions"] == alarm["ok_actions"] == "${local.actions}", name
    assert ALARMS.locals["actions"] == ["${var.alarm_topic_arn}"]
    env = load_module(ENV).modules["worker_alarms"]
    assert env["for_each"] == "${local.services}"
    assert env["alarm_topic_arn"] == "${module.observability.ops_topic_arn}"
    assert env["latency_goal_seconds"] == "${each.value.scaling.latency_goal_seconds}"
    assert env["handler_latency_p99_threshold_seconds"] == "${each.value.queue.visibility_timeout_seconds}"


def test_the_api_alarms_on_p99_latency_and_5xx_to_the_ops_topic() -> None:
    latency = OBSERVABILITY.resource("aws_cloudwatch_metric_alarm.api_latency")
    assert (latency["namespace"], latency["metric_name"], latency["extended_statistic"]) == (
        "AWS/ApplicationELB",
        "TargetResponseTime",
        "p99",
    )
    assert latency["threshold"] == "${var.api_p99_latency_alarm_seconds}"
    for alarm in ("api_latency", "api_5xx"):
        assert OBSERVABILITY.resource(f"aws_cloudwatch_metric_alarm.{alarm}")["alarm_actions"] == [
            "${aws_sns_topic.ops.arn}"
        ]


def _container_source(module_dir: Path) -> str:
    return re.sub(r"\s+", " ", (module_dir / "main.tf").read_text())


def test_worker_task_definition_runs_the_worker_read_only_non_root_with_health_check() -> None:
    src = _container_source(TERRAFORM / "modules" / "worker-service")
    for expected in (
        'command = ["worker", var.service]',
        "stopTimeout = 120",
        'command = ["CMD", "orderflow", "health", var.service]',
        "container_user = var.container_user",
    ):
        assert expected in src, expected
    # The hardening every container gets, from the shared core.
    core = _container_source(TERRAFORM / "modules" / "ecs-service")
    for expected in ("readonlyRootFilesystem = true", 'logDriver = "awslogs"', "user = var.container_user"):
        assert expected in core, expected
    assert WORKER.modules["core"]["source"] == API.modules["core"]["source"] == "../ecs-service"
    assert CORE.resource("aws_cloudwatch_log_group.this")["kms_key_id"] == "${var.logs_kms_key_arn}"
    assert (
        CORE.resource("aws_ecs_task_definition.this")["task_role_arn"]
        != (CORE.resource("aws_ecs_task_definition.this")["execution_role_arn"])
    )


def test_services_run_private_and_leave_revisions_and_counts_to_deploys_and_autoscaling() -> None:
    service = CORE.resource("aws_ecs_service.this")
    assert service["network_configuration"][0]["assign_public_ip"] is False
    assert service["lifecycle"][0]["ignore_changes"] == ["task_definition", "desired_count"]


def test_worker_scales_on_backlog_per_task_and_wakes_from_zero() -> None:
    policy = WORKER.resource("aws_appautoscaling_policy.backlog_per_task")
    config = policy["target_tracking_scaling_policy_configuration"][0]
    assert config["target_value"] == "${var.scaling.target_backlog_per_task}"
    metrics = config["customized_metric_specification"][0]["metrics"]
    names = {m["metric_stat"][0]["metric"][0]["metric_name"] for m in metrics if "metric_stat" in m}
    assert names == {"ApproximateNumberOfMessagesVisible", "RunningTaskCount"}
    assert [m["expression"] for m in metrics if "expression" in m] == ["visible / running"]
    target = WORKER.resource("aws_appautoscaling_target.this")
    assert (target["min_capacity"], target["max_capacity"]) == ("${var.scaling.min_tasks}", "${var.scaling.max_tasks}")
    step = WORKER.resource("aws_appautoscaling_policy.scale_out_from_zero")
    assert step["policy_type"] == "StepScaling"
    wake = WORKER.resource("aws_cloudwatch_metric_alarm.scale_out_from_zero")
    assert wake["alarm_actions"] == ["${aws_appautoscaling_policy.scale_out_from_zero.arn}"]


@pytest.mark.parametrize("module", [WORKER, API], ids=["worker-service", "order-api"])
def test_task_roles_have_no_wildcard_actions(module: Any) -> None:
    for statement in _statements(module.data["aws_iam_policy_document.task"]):
        assert isinstance(statement["actions"], list), f"{module.path.name}: actions are not written out"
        for action in statement["actions"]:
            assert "*" not in action, f"{module.path.name}: wildcard action {action}"
    # The worker's per-service statements come from one typed variable that refuses wildcards at
    # plan time; what the environment actually passes is checked per service below.
    if module is WORKER:
        blocks = [b["statement"] for b in module.data["aws_iam_policy_document.task"]["dynamic"] if "statement" in b]
        assert [b["for_each"] for b in blocks].count(EXTRAS) == 1
        rules = module.variables["extra_task_policy_statements"]["validation"]
        assert any('!strcontains(item, "*")' in rule["condition"] for rule in rules)


def test_every_inline_role_policy_in_the_environment_names_actions_without_wildcards(
    covered: coverage.Coverage,
) -> None:
    policies = _role_policies(covered)
    assert 'module.worker_service["notification"].aws_iam_role_policy.task' in policies
    assert "module.order_api.aws_iam_role_policy.execution" in policies
    for address, statements in policies.items():
        for statement in statements:
            if statement.get("effect", "Allow") == "Allow":
                assert all("*" not in action for action in statement["actions"]), f"{address}: {statement}"


def test_a_workers_extra_statements_grant_resources_made_for_that_service_alone(covered: coverage.Coverage) -> None:
    # A worker owns its queue (checked here per service), its tables (topology writers, checked by
    # the coverage above) and whatever its extra statements name; "owned" for those means: created
    # by this Terraform (a resource of the environment, not "*" or a foreign ARN), exact actions,
    # and granted to no other service.
    grantees: dict[str, set[str]] = defaultdict(set)
    for service in SERVICES:
        scope = covered.instances[f'module.worker_service["{service}"].aws_security_group.this'].scope
        assert scope.evaluate("${var.queue_arn}") == f'${{module.service_queue["{service}"].aws_sqs_queue.this.arn}}'
        for sid, statement in scope.evaluate(EXTRAS).items():
            assert statement["actions"] and all("*" not in a for a in statement["actions"]), f"{service}/{sid}"
            for resource in statement["resources"]:
                made = _made_here(covered, resource)
                assert made, f"{service}/{sid}: {resource} is not a resource this Terraform creates"
                grantees[made].add(service)
    assert grantees, "no worker has extra statements, yet the notification worker publishes to SNS"
    assert {resource: services for resource, services in grantees.items() if len(services) > 1} == {}


def test_only_the_notification_task_role_may_publish_to_sns_and_only_to_the_topic_it_is_told(
    covered: coverage.Coverage,
) -> None:
    topic = "${module.customer_notifications.aws_sns_topic.this.arn}"
    grants = [
        (address, statement)
        for address, statements in _role_policies(covered).items()
        for statement in statements
        if any(action.startswith("sns:") for action in statement["actions"])
    ]
    assert [address for address, _ in grants] == ['module.worker_service["notification"].aws_iam_role_policy.task']
    publish = grants[0][1]
    assert (publish["actions"], publish["resources"], publish["conditions"]) == (["sns:Publish"], [topic], [])

    # The topic it may publish to is the one it is told to use, and no other worker is told of one.
    for service in SERVICES:
        scope = covered.instances[f'module.worker_service["{service}"].aws_security_group.this'].scope
        told = scope.evaluate("${var.environment}").get("ORDERFLOW_NOTIFICATIONS_TOPIC_ARN")
        assert told == (topic if service == "notification" else None), service

    # The topic is this Terraform's, encrypted with its own rotating key, which the role may use
    # through SNS only.
    sns_topic = covered.instances["module.customer_notifications.aws_sns_topic.this"]
    key = sns_topic.scope.evaluate(sns_topic.body["kms_master_key_id"])
    assert key == "${module.customer_notifications.module.kms.aws_kms_key.this.arn}"
    assert (
        covered.instances["module.customer_notifications.module.kms.aws_kms_key.this"].body["enable_key_rotation"]
        is True
    )
    extras = covered.instances['module.worker_service["notification"].aws_security_group.this'].scope.evaluate(EXTRAS)
    use_key = next(s for s in extras.values() if s["resources"] == [key])
    assert sorted(use_key["actions"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert [(c["test"], c["variable"]) for c in use_key["conditions"]] == [("StringEquals", "kms:ViaService")]
    assert use_key["conditions"][0]["values"][0].startswith("sns.")

    # And the topic's own policy refuses every other publisher, administrators included.
    policy = covered.instances["module.customer_notifications.aws_sns_topic_policy.this"]
    only = next(
        s
        for s in policy.scope.module.data["aws_iam_policy_document.topic"]["statement"]
        if s["sid"] == "OnlyThePublishers"
    )
    assert (only["effect"], only["actions"], only["resources"]) == (
        "Deny",
        ["sns:Publish"],
        ["${aws_sns_topic.this.arn}"],
    )
    assert (only["condition"][0]["test"], only["condition"][0]["variable"]) == ("ArnNotEquals", "aws:PrincipalArn")
    assert policy.scope.evaluate(only["condition"][0]["values"]) == [
        '${module.worker_service["notification"].module.core.aws_iam_role.task.arn}'
    ]


def test_the_api_reads_its_keys_from_the_parameter_through_its_execution_role_alone(
    covered: coverage.Coverage,
) -> None:
    # ORDERFLOW_API_KEYS is a secret of the task definition, never plain environment.
    src = _container_source(TERRAFORM / "modules" / "order-api")
    assert 'secrets = [{ name = "ORDERFLOW_API_KEYS", valueFrom = local.api_keys_parameter_arn }]' in src
    assert "ORDERFLOW_API_KEYS" not in API.locals["environment"]
    assert "ORDERFLOW_API_KEYS" in json.dumps(API.variables["environment"]["validation"])
    api = covered.instances["module.order_api.aws_security_group.task"].scope
    assert "ORDERFLOW_API_KEYS" not in api.evaluate("${var.environment}")

    # One exact parameter, referenced by name: Terraform never creates it, so its value never
    # reaches the state (an aws_ssm_parameter is read back, decrypted, on every refresh).
    arn = API.locals["api_keys_parameter_arn"]
    assert (
        arn.startswith("arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/") and "*" not in arn
    )
    assert not [address for address in covered.instances if ".aws_ssm_parameter." in address]

    # The execution role (the ECS agent) may read that parameter and decrypt it with its key, via SSM.
    policy = API.resource("aws_iam_role_policy.execution")
    assert (policy["role"], policy["policy"]) == (
        "${module.core.execution_role_id}",
        "${data.aws_iam_policy_document.execution.json}",
    )
    statements = {s["sid"]: s for s in _statements(API.data["aws_iam_policy_document.execution"])}
    assert statements.keys() == {"ReadApiKeysParameter", "DecryptApiKeysParameter"}
    read, decrypt = statements["ReadApiKeysParameter"], statements["DecryptApiKeysParameter"]
    assert (read["actions"], read["resources"]) == (["ssm:GetParameters"], ["${local.api_keys_parameter_arn}"])
    assert (decrypt["actions"], decrypt["resources"]) == (["kms:Decrypt"], ["${module.api_keys_kms.arn}"])
    assert {c["variable"]: c["values"] for c in decrypt["condition"]} == {
        "kms:ViaService": ["ssm.${local.region}.amazonaws.com"],
        "kms:EncryptionContext:PARAMETER_ARN": ["${local.api_keys_parameter_arn}"],
    }
    assert API.modules["api_keys_kms"]["source"] == "../kms-key"
    assert KMS.resource("aws_kms_key.this")["enable_key_rotation"] is True

    # No other role may read parameters or use that key: not the API's task role, not any worker.
    for address, granted in _role_policies(covered).items():
        if address != "module.order_api.aws_iam_role_policy.execution":
            assert not [a for s in granted for a in s["actions"] if a.startswith("ssm:")], address
            assert "api_keys" not in json.dumps(granted), address


def test_the_api_rate_limits_are_typed_validated_variables_passed_as_environment() -> None:
    environment = API.locals["environment"]
    for setting, variable in (
        ("ORDERFLOW_RATE_LIMIT_PER_SECOND", "rate_limit_per_second"),
        ("ORDERFLOW_RATE_LIMIT_BURST", "rate_limit_burst"),
    ):
        assert f"{setting} = tostring(var.{variable})" in environment
        declared = API.variables[variable]
        assert declared["type"] == "number" and declared["description"].startswith(setting)
        assert declared["validation"], f"{variable} needs a validation"
        env = load_module(ENV)
        assert env.modules["order_api"][variable] == f"${{var.api_{variable}}}"
        assert env.variables[f"api_{variable}"]["validation"] == [
            {**rule, "condition": rule["condition"].replace(f"var.{variable}", f"var.api_{variable}")}
            | {"error_message": rule["error_message"].replace(variable, f"api_{variable}")}
            for rule in declared["validation"]
        ]


def test_worker_task_role_is_limited_to_its_queue_bus_tables_and_tasks() -> None:
    statements = {s["sid"]: s for s in _statements(WORKER.data["aws_iam_policy_document.task"])}
    assert statements["ConsumeOwnQueue"]["resources"] == ["${var.queue_arn}"]
    assert statements["PublishOutcomes"] == {
        "sid": "PublishOutcomes",
        "actions": ["events:PutEvents"],
        "resources": ["${var.bus_arn}"],
    }
    assert "var.tables_written" in json.dumps(WORKER.locals)
    protect = statements["ProtectOwnTasks"]
    assert "ecs:UpdateTaskProtection" in protect["actions"]
    assert protect["condition"][0]["variable"] == "aws:ResourceTag/orderflow:service"


def test_order_api_alb_is_https_only_with_tls12_access_logs_and_rate_limited_waf() -> None:
    lb = API.resource("aws_lb.this")
    assert lb["drop_invalid_header_fields"] is True and lb["access_logs"][0]["enabled"] is True
    assert lb["enable_deletion_protection"] == "${var.deletion_protection}"
    https = API.resource("aws_lb_listener.https")
    assert https["protocol"] == "HTTPS" and https["certificate_arn"] == "${var.certificate_arn}"
    assert "TLS13-1-2" in API.variables["ssl_policy"]["default"]
    redirect = API.resource("aws_lb_listener.http")["default_action"][0]
    assert redirect["type"] == "redirect" and redirect["redirect"][0]["protocol"] == "HTTPS"
    group = API.resource("aws_lb_target_group.this")
    assert group["target_type"] == "ip" and group["health_check"][0]["path"] == "/readyz"
    waf = API.resource("aws_wafv2_web_acl.this")
    assert "rate_based_statement" in json.dumps(waf["rule"])
    assert waf["count"] == "${var.enable_waf ? 1 : 0}"


def test_tables_have_string_keys_ttl_pitr_kms_and_on_demand_billing() -> None:
    table = load_module(TERRAFORM / "modules" / "tables").resource("aws_dynamodb_table.this")
    assert (table["hash_key"], table["range_key"], table["billing_mode"]) == ("pk", "sk", "PAY_PER_REQUEST")
    assert table["attribute"] == [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}]
    assert table["ttl"][0] == {"attribute_name": "expiresAt", "enabled": True}
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["kms_key_arn"] == "${module.kms.arn}"


# ------------------------------------------------------------------ style and the environment


@pytest.mark.parametrize("module_dir", [*MODULES, ENV], ids=lambda p: p.name)
def test_modules_follow_the_house_style(module_dir: Path) -> None:
    module = load_module(module_dir)
    expected = {"main.tf", "variables.tf", "outputs.tf", "versions.tf"}
    assert expected <= {p.name for p in module_dir.glob("*.tf")}
    for name, variable in module.variables.items():
        assert variable.get("type") and variable.get("description"), f"variable {name} needs type and description"
    for name, output in module.outputs.items():
        assert output.get("description"), f"output {name} needs a description"
    settings = module.terraform[0]
    assert settings["required_version"] == ">= 1.10"
    providers = settings.get("required_providers", [{}])[0]
    if module_dir.name not in {"topology", "dashboard"}:
        # The range every check here can exercise: 5.100 (this machine image's provider) through 6.x.
        assert providers["aws"]["version"] == ">= 5.100, < 7.0"
    else:
        assert providers == {}, "this module must stay provider-free (it runs offline)"


def test_dev_environment_uses_s3_native_locking_and_tells_containers_the_contract() -> None:
    env = load_module(ENV)
    backend = env.terraform[0]["backend"][0]["s3"]
    assert backend["use_lockfile"] is True and backend["encrypt"] is True
    assert env.locals["container_environment"] == {
        "AWS_REGION": "${var.region}",
        "ORDERFLOW_RESOURCE_PREFIX": "${var.resource_prefix}",
        "ORDERFLOW_BUS_NAME": "${module.event_bus.bus_name}",
        "ORDERFLOW_TOPOLOGY_PATH": "/app/topology.yaml",
        "ORDERFLOW_LOG_FORMAT": "json",
        "ORDERFLOW_TRACE_SAMPLE_RATIO": "${var.trace_sample_ratio}",
    }
    assert env.locals["services"] == "${module.topology.services}"
    for call in ("service_queue", "worker_service"):
        assert env.modules[call]["for_each"] == "${local.services}"
    assert "local.services" in json.dumps(env.modules["observability"]["services"])
    assert (ENV / "terraform.tfvars.example").is_file()
