"""Customer email through SES, planned by the real AWS provider with the feature switched on.

GIVEN terraform/environments/dev planned with customer_email_sender set (tests/infra/plan.py),
THEN SES has the identity and a configuration set whose bounce and complaint events go to the ops
topic (whose policy and key admit SES), the notification worker is told the sender and the set,
and its task role may call ses:SendEmail, from that address only, and nothing else of SES.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra import plan, provider
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


def test_the_ops_topic_and_its_key_admit_ses(email_plan: Plan) -> None:
    documents = [r["values"] for r in of_type(email_plan, "aws_iam_policy_document") if "observability" in r["address"]]
    principals = [
        set(p["identifiers"]) for d in documents for s in d["statement"] or [] for p in s.get("principals") or []
    ]
    assert sum("ses.amazonaws.com" in p for p in principals) == 2  # the topic policy and the key policy


def test_the_notification_worker_is_told_the_sender_and_may_send_from_it_alone(email_plan: Plan) -> None:
    (task,) = _notification(email_plan, "aws_ecs_task_definition")
    environment = {e["name"]: e["value"] for e in json.loads(task["values"]["container_definitions"])[0]["environment"]}
    assert environment["ORDERFLOW_EMAIL_SENDER"] == SENDER
    assert environment["ORDERFLOW_EMAIL_CONFIGURATION_SET"].endswith("-customer-email")
    statements = [s for r in _notification(email_plan, "aws_iam_policy_document") for s in r["values"]["statement"]]
    ses = [s for s in statements if any(a.startswith("ses:") for a in s["actions"])]
    assert [(s["sid"], s["actions"]) for s in ses] == [("SendCustomerEmail", ["ses:SendEmail"])]
    assert [(c["variable"], c["values"]) for c in ses[0]["condition"]] == [("ses:FromAddress", [SENDER])]
    others = [r for r in of_type(email_plan, "aws_iam_policy_document") if '["notification"]' not in r["address"]]
    assert not any("ses:" in a for r in others for s in r["values"]["statement"] or [] for a in s["actions"] or [])
