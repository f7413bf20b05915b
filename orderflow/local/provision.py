"""Create, from the topology file, what Terraform creates in AWS: bus, rules, targets, queues, DLQs, tables.

Idempotent: running it twice changes nothing. Synchronous boto3, because it is a one-shot tool.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from orderflow.settings import Settings
from orderflow.topology import Service


@dataclass
class Provisioned:
    """What exists after provisioning, by name — the structure tests compare it to the topology."""

    bus: str = ""
    tables: list[str] = field(default_factory=list)
    queues: dict[str, str] = field(default_factory=dict)  # service -> queue URL
    dlqs: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule name -> pattern


def clients(settings: Settings, endpoint_url: str | None, dynamodb_url: str | None = None) -> tuple[Any, Any, Any]:
    session = boto3.session.Session(region_name=settings.region)
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    urls = {"events": endpoint_url, "sqs": endpoint_url, "dynamodb": dynamodb_url or endpoint_url}
    events, sqs, dynamodb = (session.client(name, endpoint_url=url, config=config) for name, url in urls.items())
    return events, sqs, dynamodb


def provision(settings: Settings, *, endpoint_url: str | None = None, dynamodb_url: str | None = None) -> Provisioned:
    """Every resource of the topology. `dynamodb_url`: where the tables are made when DynamoDB is
    served apart (a split emulator, orderflow.local.emulator); default `endpoint_url`."""
    events, sqs, dynamodb = clients(settings, endpoint_url, dynamodb_url)
    done = Provisioned(bus=settings.bus)
    _ensure(lambda: events.create_event_bus(Name=settings.bus), "ResourceAlreadyExistsException")
    for table in settings.topology.tables:
        done.tables.append(_table(dynamodb, settings.table_name(table)))
    for service in settings.topology.services.values():
        _service(settings, events, sqs, service, done)
    if sender := settings.customer_email_sender:
        # SES sends only from a verified identity; the emulator verifies at once and keeps every
        # message it sends (the captured mailbox: `orderflow mail list`).
        ses = boto3.session.Session(region_name=settings.region).client("sesv2", endpoint_url=endpoint_url)
        _ensure(lambda: ses.create_email_identity(EmailIdentity=sender), "AlreadyExistsException")
    return done


def _ensure(call: Any, *tolerated: str) -> None:
    try:
        call()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in tolerated:
            raise


def _table(dynamodb: Any, name: str) -> str:
    _ensure(
        lambda: dynamodb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        ),
        "ResourceInUseException",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    _ensure(
        lambda: dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
        ),
        "ValidationException",
    )
    return name


def _queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _service(settings: Settings, events: Any, sqs: Any, service: Service, done: Provisioned) -> None:
    q = service.queue
    dlq_url, dlq_arn = _queue(
        sqs, settings.dlq_name(service.name), {"MessageRetentionPeriod": str(q.dlq_retention_seconds)}
    )
    url, arn = _queue(
        sqs,
        settings.queue_name(service.name),
        {
            "VisibilityTimeout": str(q.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(q.retention_seconds),
            "ReceiveMessageWaitTimeSeconds": str(q.wait_time_seconds),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": q.max_receive_count}),
        },
    )
    sqs.set_queue_attributes(
        QueueUrl=dlq_url,
        Attributes={
            "RedriveAllowPolicy": json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]}),
        },
    )
    rule_arns = []
    for subscription, pattern in service.subscriptions.items():
        rule = settings.rule_name(service.name, subscription)
        rule_arns.append(
            events.put_rule(
                Name=rule,
                EventBusName=settings.bus,
                EventPattern=json.dumps(pattern),
                State="ENABLED",
                Description=service.description[:512],
            )["RuleArn"]
        )
        events.put_targets(
            Rule=rule,
            EventBusName=settings.bus,
            Targets=[
                {
                    "Id": "queue",
                    "Arn": arn,
                    "DeadLetterConfig": {"Arn": dlq_arn},
                    "RetryPolicy": {
                        "MaximumRetryAttempts": service.delivery.maximum_retry_attempts,
                        "MaximumEventAgeInSeconds": service.delivery.maximum_event_age_seconds,
                    },
                }
            ],
        )
        done.rules[rule] = pattern
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(_queue_policy(arn, rule_arns))})
    done.queues[service.name] = url
    done.dlqs[service.name] = dlq_url


def _queue_policy(queue_arn: str, rule_arns: list[str]) -> dict[str, Any]:
    """Only this service's rules may send to its queue (the same policy Terraform writes)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowEventBridgeRules",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arns}},
            }
        ],
    }
