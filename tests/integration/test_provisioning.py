"""Local provisioning creates what topology.yaml says, and the rules route each event to the
services that need it — the same file Terraform reads (see tests/infra)."""

from __future__ import annotations

import json

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.local.emulator import Emulator
from orderflow.local.provision import Provisioned, provision
from orderflow.settings import Settings
from tests.support import EXPECTED_ROUTES, drain_queue, one_of_each_event


async def test_every_service_gets_a_queue_with_dlq_redrive_and_rules(
    aws: AwsClients, settings: Settings, provisioned: Provisioned
) -> None:
    topology = settings.topology
    assert set(provisioned.queues) == set(topology.services)
    for name, service in topology.services.items():
        attrs = (await aws.sqs.get_queue_attributes(QueueUrl=provisioned.queues[name], AttributeNames=["All"]))[
            "Attributes"
        ]
        dlq_attrs = (await aws.sqs.get_queue_attributes(QueueUrl=provisioned.dlqs[name], AttributeNames=["All"]))[
            "Attributes"
        ]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert redrive == {
            "deadLetterTargetArn": dlq_attrs["QueueArn"],
            "maxReceiveCount": service.queue.max_receive_count,
        }
        assert int(attrs["VisibilityTimeout"]) == service.queue.visibility_timeout_seconds
        # RedriveAllowPolicy is sent too, but moto 5.2.5 silently drops it (not stored, not
        # returned); the Terraform structure tests prove it for AWS.
        assert int(dlq_attrs["MessageRetentionPeriod"]) == service.queue.dlq_retention_seconds
        policy = json.loads(attrs["Policy"])["Statement"][0]
        assert policy["Principal"] == {"Service": "events.amazonaws.com"}
        for subscription, pattern in service.subscriptions.items():
            rule = settings.rule_name(name, subscription)
            described = await aws.events.describe_rule(Name=rule, EventBusName=settings.bus)
            assert json.loads(described["EventPattern"]) == pattern
            assert described["Arn"] in policy["Condition"]["ArnEquals"]["aws:SourceArn"]
            [target] = (await aws.events.list_targets_by_rule(Rule=rule, EventBusName=settings.bus))["Targets"]
            assert target["Arn"] == attrs["QueueArn"]
            assert target["DeadLetterConfig"]["Arn"] == dlq_attrs["QueueArn"]
            assert target["RetryPolicy"]["MaximumRetryAttempts"] == service.delivery.maximum_retry_attempts


async def test_rules_route_each_event_type_to_exactly_the_services_that_need_it(
    aws: AwsClients, settings: Settings, provisioned: Provisioned
) -> None:
    await EventPublisher(aws.events, settings.bus).publish(one_of_each_event())
    heard = {event_type: set() for event_type in EXPECTED_ROUTES}
    for service, url in provisioned.queues.items():
        for delivered in await drain_queue(aws, url, wait=0.5):
            heard[delivered["detail-type"]].add(service)
    assert heard == EXPECTED_ROUTES


def test_provisioning_twice_changes_nothing(emulator: Emulator, settings: Settings, provisioned: Provisioned) -> None:
    again = provision(settings, endpoint_url=emulator.url)
    assert again == provisioned
