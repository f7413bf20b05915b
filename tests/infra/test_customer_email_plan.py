"""Customer email through SES, planned by the real AWS provider with the feature switched on.

GIVEN terraform/environments/dev planned with customer_email_sender set (tests/infra/plan.py),
THEN SES has the identity and a configuration set whose bounce and complaint events go to the ops
topic (whose policy and key admit SES), the notification worker is told the sender and the set,
and its task role may call ses:SendEmail, from that address only, and nothing else of SES.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra import plan, provider
from tests.infra.hcl import REPO, load_module
from tests.infra.plan import of_type

SENDER = "orders@shop.example"
Plan = dict[str, Any]


@pytest.fixture(scope="module")
def email_plan(aws_provider: provider.Provider, sts_endpoint: str) -> Plan:
    workspace = plan.plan_workspace(aws_provider, provider.WORKSPACE / "plan")
    return plan.plan_environment(workspace, "dev", sts_endpoint, {"customer_email_sender": SENDER})


def _values(plan_json: Plan, resource_type: str) -> list[dict[str, Any]]:
    return [r["values"] for r in of_type(plan_json, resource_type)]


def _notification(plan_json: Plan, resource_type: str) -> list[dict[str, Any]]:
    return [r for r in of_type(plan_json, resource_type) if '["notification"]' in r["address"]]


def test_the_identity_and_a_configuration_set_reporting_bounces_to_the_ops_topic(email_plan: Plan) -> None:
    (identity,) = _values(email_plan, "aws_sesv2_email_identity")
    (config_set,) = _values(email_plan, "aws_sesv2_configuration_set")
    (destination,) = _values(email_plan, "aws_sesv2_configuration_set_event_destination")
    assert identity["email_identity"] == SENDER
    assert identity["configuration_set_name"] == config_set["configuration_set_name"]
    assert config_set["delivery_options"][0]["tls_policy"] == "REQUIRE"
    event = destination["event_destination"][0]
    assert {"BOUNCE", "COMPLAINT"} <= set(event["matching_event_types"]) and event["enabled"]
    assert len(event["sns_destination"]) == 1  # the ops topic (its ARN is known after apply)


def test_the_ops_topic_and_its_key_admit_ses() -> None:
    # Read from the module's HCL: both policy documents depend on the topic's and the key's ARNs, so
    # the provider reads them only at apply time and the plan holds no values for them.
    observability = load_module(REPO / "terraform" / "modules" / "observability")
    topic_principals = [
        set(p["identifiers"])
        for s in observability.data["aws_iam_policy_document.ops"]["statement"]
        for p in s.get("principals", [])
    ]
    key_services = {s["service"] for s in observability.modules["kms"]["service_statements"]}
    assert any("ses.amazonaws.com" in p for p in topic_principals)
    assert "ses.amazonaws.com" in key_services


def test_the_notification_worker_is_told_the_sender_and_may_send_from_it_alone(email_plan: Plan) -> None:
    # The container environment holds the topic's ARN, unknown until apply, so the plan has no value
    # for it: what the worker is told is read from the HCL that builds it.
    told = load_module(REPO / "terraform" / "modules" / "customer-email").outputs["worker_environment"]["value"]
    assert told["ORDERFLOW_EMAIL_SENDER"] == "${var.sender_address}"
    assert set(told) == {"ORDERFLOW_EMAIL_SENDER", "ORDERFLOW_EMAIL_CONFIGURATION_SET"}
    merged = load_module(REPO / "terraform" / "environments" / "dev").locals["worker_environment"]["notification"]
    assert "local.customer_email.worker_environment" in merged
    # Likewise the task role's statements name the identity's ARN: read them from the module, and
    # check that no planned policy document of another component mentions SES.
    (send,) = (
        load_module(REPO / "terraform" / "modules" / "customer-email")
        .outputs["sender_policy_statements"]["value"]
        .values()
    )
    assert send["actions"] == ["ses:SendEmail"]
    assert [(c["variable"], c["values"]) for c in send["conditions"]] == [
        ("ses:FromAddress", ["${var.sender_address}"])
    ]
    assert "local.customer_email.sender_policy_statements" in str(
        load_module(REPO / "terraform" / "environments" / "dev").locals["worker_task_policy_statements"]["notification"]
    )
    others = [r for r in of_type(email_plan, "aws_iam_policy_document") if '["notification"]' not in r["address"]]
    assert not any("ses:" in a for r in others for s in r["values"].get("statement") or [] for a in s["actions"] or [])
