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
