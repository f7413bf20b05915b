"""The emulator fixes `terraform apply` and `destroy` need (orderflow/local/moto_patches/
appautoscaling.py, sqs_attributes.py and dynamodb_errors.py), each shown against the patched
emulator and, for contrast, against the same server with those patch modules left out
(`Emulator(without=...)`), where the moto defect shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port

PATCH_MODULES = ("appautoscaling", "sqs_attributes", "dynamodb_errors")
TABLE_TARGET = {
    # A DynamoDB table's read capacity: a scalable target moto registers without other resources.
    "ServiceNamespace": "dynamodb",
    "ResourceId": "table/orders",
    "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
}


def _client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}),  # moto's HTTP 500s surface at once
    )


@pytest.fixture(scope="module")
def patched() -> Iterator[Emulator]:
    emulator = Emulator(free_port(), threads=8).start()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def unpatched() -> Iterator[Emulator]:
    emulator = Emulator(free_port(), threads=8, without=PATCH_MODULES).start()
    yield emulator
    emulator.stop()


def _queue_with_policy(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def _policy(sqs: Any, url: str) -> str | None:
    attributes: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attributes.get("Policy")


def test_scalable_target_keeps_tags_and_answers_tag_calls(patched: Emulator) -> None:
    # GIVEN a scalable target registered with tags, as the Terraform provider registers it
    scaling = _client(patched.url, "application-autoscaling")
    arn = scaling.register_scalable_target(
        **TABLE_TARGET, MinCapacity=1, MaxCapacity=5, Tags={"Project": "orderflow", "Environment": "dev"}
    )["ScalableTargetARN"]
    # WHEN tags are read, added and removed by the target's ARN
    first = scaling.list_tags_for_resource(ResourceARN=arn)["Tags"]
    scaling.tag_resource(ResourceARN=arn, Tags={"Owner": "ops"})
    scaling.untag_resource(ResourceARN=arn, TagKeys=["Environment"])
    # THEN each call answers as AWS does
    assert first == {"Project": "orderflow", "Environment": "dev"}
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "orderflow", "Owner": "ops"}
    missing = arn.rsplit("/", 1)[0] + "/doesnotexist"
    with pytest.raises(ClientError) as caught:
        scaling.list_tags_for_resource(ResourceARN=missing)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_setting_other_attributes_keeps_the_queue_policy(patched: Emulator) -> None:
    # GIVEN a queue whose policy lets EventBridge send to it
    sqs = _client(patched.url, "sqs")
    url, _ = _queue_with_policy(sqs, "keeps-policy")
    before = _policy(sqs, url)
    # WHEN another attribute is set, as aws_sqs_queue_redrive_policy or an operator does
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
    # THEN the policy is unchanged; an empty Policy still removes it, as in AWS
    assert before is not None
    assert _policy(sqs, url) == before
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert _policy(sqs, url) is None


def test_redrive_allow_policy_is_returned(patched: Emulator) -> None:
    # GIVEN a DLQ that only its source queue may use
    sqs = _client(patched.url, "sqs")
    dlq = sqs.create_queue(QueueName="allow-dlq")["QueueUrl"]
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": ["arn:aws:sqs:us-east-1:123:src"]})
    # WHEN the redrive-allow policy is set
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": allow})
    # THEN it is returned by name and with All; an empty value removes it
    by_name = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])["Attributes"]
    assert by_name == {"RedriveAllowPolicy": allow}
    assert sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]["RedriveAllowPolicy"] == allow
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": ""})
    assert "RedriveAllowPolicy" not in sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]


def _deleted_table_error(url: str) -> str:
    """The message of a second DeleteTable of one table (what an SDK retry of a done delete meets)."""
    dynamodb = _client(url, "dynamodb")
    dynamodb.create_table(
        TableName="gone",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    dynamodb.delete_table(TableName="gone")
    with pytest.raises(ClientError) as caught:
        dynamodb.delete_table(TableName="gone")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    return str(caught.value.response["Error"]["Message"])


def test_missing_table_error_names_the_table(patched: Emulator) -> None:
    # GIVEN a table already deleted; WHEN it is deleted again; THEN AWS's wording, which the
    # Terraform provider reads as "already gone"
    assert _deleted_table_error(patched.url) == "Requested resource not found: Table: gone not found"


def test_plain_moto_has_each_defect(unpatched: Emulator) -> None:
    """The same calls on moto without these patches: what the tests above would meet."""
    scaling = _client(unpatched.url, "application-autoscaling")
    arn = scaling.register_scalable_target(**TABLE_TARGET, MinCapacity=1, MaxCapacity=5)["ScalableTargetARN"]
    with pytest.raises(ClientError) as caught:
        scaling.list_tags_for_resource(ResourceARN=arn)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    sqs = _client(unpatched.url, "sqs")
    url, _ = _queue_with_policy(sqs, "loses-policy")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
    assert _policy(sqs, url) is None

    assert _deleted_table_error(unpatched.url) == "Requested resource not found"

    allow = json.dumps({"redrivePermission": "allowAll"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": allow})
    assert "RedriveAllowPolicy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
