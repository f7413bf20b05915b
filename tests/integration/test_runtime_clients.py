"""The process's AWS clients: what every request they send carries."""

from __future__ import annotations

from typing import Any

import botocore

from orderflow.aws.clients import USER_AGENT, AwsClients


async def test_every_request_carries_the_fixed_user_agent(aws: AwsClients) -> None:
    # GIVEN a hook that records the User-Agent of each request as it leaves
    seen: list[str] = []

    def record(request: Any, **_: Any) -> None:
        seen.append(request.headers["User-Agent"].decode())

    aws.sqs.meta.events.register("before-send.sqs", record)
    # WHEN the client makes a call
    await aws.sqs.list_queues()
    await aws.sqs.list_queues()
    # THEN the header is the fixed string (botocore adds only its version), not the per-request
    # rebuilt metadata string
    assert len(seen) == 2
    assert seen[0] == seen[1] == f"{USER_AGENT} botocore/{botocore.__version__}"


async def test_a_service_specific_client_shares_the_process_config(aws: AwsClients) -> None:
    # GIVEN a client opened for one service only (notification's SES), through the process's clients
    ses = await aws.client("sesv2")
    seen: list[str] = []

    def record(request: Any, **_: Any) -> None:
        seen.append(request.headers["User-Agent"].decode())

    ses.meta.events.register("before-send.sesv2", record)
    # WHEN it makes calls
    await ses.create_email_identity(EmailIdentity="shop@example.com")
    await ses.send_email(
        FromEmailAddress="shop@example.com",
        Destination={"ToAddresses": ["customer@example.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
    )
    # THEN it was built from the same config as the process's SQS, DynamoDB and EventBridge clients
    # (a client from a second `get_session()` would send botocore's rebuilt User-Agent, retry in
    # legacy mode and load botocore's endpoint data a second time: +10 MB of RSS in notification)
    assert seen == [f"{USER_AGENT} botocore/{botocore.__version__}"] * 2
    assert ses.meta.config.retries == aws.sqs.meta.config.retries
