"""Cross-account audit forwarding (terraform/modules/audit-forwarding): off by default; when on, a
rule copies every orderflow event to the audit account's bus through a role EventBridge assumes,
allowed exactly events:PutEvents on that bus, with a DLQ and an alarm for what cannot be delivered."""

from __future__ import annotations

import re

from tests.infra.hcl import TERRAFORM, load_module

MODULE = load_module(TERRAFORM / "modules" / "audit-forwarding")
ENV = load_module(TERRAFORM / "environments" / "dev")


def test_forwarding_is_off_unless_the_environment_names_a_target_bus() -> None:
    variable = ENV.variables["audit_forward_bus_arn"]
    assert variable["default"] is None and variable["type"] == "string"
    call = ENV.modules["audit_forwarding"]
    assert call["target_bus_arn"] == "${var.audit_forward_bus_arn}"
    assert MODULE.locals["enabled"] == "${var.target_bus_arn != null}"
    # Every resource of the module exists only when forwarding is on.
    assert MODULE.resources, "the module creates nothing?"
    for address, body in MODULE.resources.items():
        assert body.get("count") == "${local.count}", f"{address} is created even when forwarding is off"
    assert MODULE.locals["count"] == "${local.enabled ? 1 : 0}"


def test_the_target_bus_must_be_an_eventbridge_bus_arn() -> None:
    [rule] = MODULE.variables["target_bus_arn"]["validation"]
    pattern = re.search(r'regex\("(.+?)", var\.target_bus_arn\)', rule["condition"])
    assert pattern, rule["condition"]
    regex = pattern.group(1).replace("\\\\", "\\")
    assert re.fullmatch(regex, "arn:aws:events:eu-west-1:210987654321:event-bus/orderflow-audit")
    for wrong in (
        "arn:aws:sqs:eu-west-1:210987654321:queue",
        "orderflow-audit",
        "arn:aws:events:eu-west-1:1:event-bus/x",
    ):
        assert not re.fullmatch(regex, wrong), wrong


def test_the_rule_copies_every_orderflow_event_from_this_platforms_bus() -> None:
    rule = MODULE.resource("aws_cloudwatch_event_rule.this")
    assert rule["event_bus_name"] == "${var.source_bus_name}"
    assert rule["event_pattern"] == "${var.event_pattern}"
    assert MODULE.variables["event_pattern"]["default"] == '{"source":[{"prefix":"orderflow."}]}'
    assert ENV.modules["audit_forwarding"]["source_bus_name"] == "${module.event_bus.bus_name}"


def test_eventbridge_delivers_cross_account_through_a_role_allowed_only_to_put_on_that_bus() -> None:
    target = MODULE.resource("aws_cloudwatch_event_target.this")
    assert (target["arn"], target["role_arn"]) == ("${var.target_bus_arn}", "${aws_iam_role.this[0].arn}")
    assume = MODULE.data["aws_iam_policy_document.assume"]["statement"][0]
    assert assume["actions"] == ["sts:AssumeRole"]
    assert assume["principals"][0] == {"type": "Service", "identifiers": ["events.amazonaws.com"]}
    assert (assume["condition"][0]["variable"], assume["condition"][0]["values"]) == (
        "aws:SourceAccount",
        ["${local.account_id}"],
    )
    [put] = MODULE.data["aws_iam_policy_document.put"]["statement"]
    assert (put["actions"], put["resources"]) == (["events:PutEvents"], ["${var.target_bus_arn}"])
    policy = MODULE.resource("aws_iam_role_policy.this")
    assert (policy["role"], policy["policy"]) == (
        "${aws_iam_role.this[0].id}",
        "${data.aws_iam_policy_document.put[0].json}",
    )


def test_what_cannot_be_forwarded_lands_in_an_encrypted_dlq_that_alarms() -> None:
    target = MODULE.resource("aws_cloudwatch_event_target.this")
    assert target["dead_letter_config"][0]["arn"] == "${aws_sqs_queue.dlq[0].arn}"
    assert target["retry_policy"][0]["maximum_retry_attempts"] == 185
    dlq = MODULE.resource("aws_sqs_queue.dlq")
    assert dlq["kms_master_key_id"] == "${var.kms_key_arn}"
    assert ENV.modules["audit_forwarding"]["kms_key_arn"] == "${module.event_bus.kms_key_arn}"
    [allow] = MODULE.data["aws_iam_policy_document.dlq"]["statement"]
    assert allow["actions"] == ["sqs:SendMessage"]
    assert allow["condition"][0]["values"] == ["${aws_cloudwatch_event_rule.this[0].arn}"]
    alarm = MODULE.resource("aws_cloudwatch_metric_alarm.dlq_depth")
    assert (alarm["threshold"], alarm["alarm_actions"]) == (0, ["${var.alarm_topic_arn}"])
    assert ENV.modules["audit_forwarding"]["alarm_topic_arn"] == "${module.observability.ops_topic_arn}"
