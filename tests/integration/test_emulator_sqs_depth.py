"""The emulator's SQS costs the same at any queue depth, and keeps SQS's semantics while doing so
(orderflow/local/moto_patches/sqs_index.py).

On plain moto 5.2.5 receive and delete walk the whole queue: with 5,000 messages waiting one
receive of 10 takes seconds, and the throughput test below fails by two orders of magnitude.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from orderflow.local.emulator import Emulator

DEPTH = 5000


@pytest.fixture
async def sqs(emulator: Emulator) -> AsyncIterator[Any]:
    config = AioConfig(region_name="us-east-1", max_pool_connections=20, retries={"max_attempts": 1})
    async with get_session().create_client("sqs", endpoint_url=emulator.url, config=config) as client:
        yield client


async def _queue(sqs: Any, **attributes: str) -> str:
    name = f"depth-{uuid.uuid4().hex[:12]}"
    return str((await sqs.create_queue(QueueName=name, Attributes=attributes))["QueueUrl"])


async def _send(sqs: Any, url: str, bodies: list[str]) -> None:
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])]
        await sqs.send_message_batch(QueueUrl=url, Entries=entries)


async def _receive_and_delete(sqs: Any, url: str) -> float:
    """Seconds for one receive of 10 and the batch delete of what it got."""
    before = time.perf_counter()
    got = (await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30))["Messages"]
    entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
    answer = await sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    assert len(got) == 10 and not answer.get("Failed")
    return time.perf_counter() - before


async def test_receive_and_delete_throughput_does_not_depend_on_queue_depth(sqs: Any) -> None:
    # GIVEN a queue holding only the batch being worked, and one with 5,000 messages waiting
    empty, deep = await _queue(sqs), await _queue(sqs)
    await asyncio.gather(*(_send(sqs, deep, [f"m{i}" for i in range(s, s + 500)]) for s in range(0, DEPTH, 500)))
    # WHEN both are worked, receive 10 + delete 10 at a time, rounds interleaved so load affects both alike
    shallow_rounds, deep_rounds = [], []
    for _ in range(40):
        await _send(sqs, empty, [f"e{i}" for i in range(10)])
        shallow_rounds.append(await _receive_and_delete(sqs, empty))
        deep_rounds.append(await _receive_and_delete(sqs, deep))
    # THEN the deep queue is served at ≥ 80 % of the empty one's rate (medians of per-round time)
    ratio = statistics.median(shallow_rounds) / statistics.median(deep_rounds)
    assert ratio >= 0.8, f"deep/empty throughput {ratio:.2f} (median s/round {statistics.median(deep_rounds):.4f})"


async def test_a_message_whose_visibility_ran_out_is_received_again_before_younger_ones(sqs: Any) -> None:
    # GIVEN three messages, the oldest received with a 1 s visibility timeout
    url = await _queue(sqs)
    await _send(sqs, url, ["first", "second", "third"])
    first = (await sqs.receive_message(QueueUrl=url, VisibilityTimeout=1))["Messages"][0]
    assert first["Body"] == "first"
    # WHEN its timeout runs out
    await asyncio.sleep(1.2)
    # THEN it comes back in its place in line, with a new receipt handle and a higher receive count
    again = (await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]))["Messages"]
    assert [m["Body"] for m in again] == ["first", "second", "third"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again[0]["ReceiptHandle"] != first["ReceiptHandle"]


async def test_counts_and_visibility_changes_follow_each_message(sqs: Any) -> None:
    url = await _queue(sqs)
    await _send(sqs, url, [f"m{i}" for i in range(5)])
    got = (await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60))["Messages"]

    async def counts() -> tuple[str, str]:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attrs = (await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names))["Attributes"]
        return attrs[names[0]], attrs[names[1]]

    assert await counts() == ("3", "2")
    # GIVEN a long poll parked on a queue whose visible messages are all taken
    await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=60)
    poll = asyncio.create_task(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5))
    await asyncio.sleep(0.3)
    # WHEN a message in flight is released (visibility 0)
    released = time.monotonic()
    await sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
    # THEN the parked poll gets it at once, and the counts say where every message is
    assert (await poll)["Messages"][0]["Body"] == got[0]["Body"]
    assert time.monotonic() - released < 1
    assert await counts() == ("0", "5")


async def test_delete_accepts_a_handle_twice_and_rejects_one_it_never_gave(sqs: Any) -> None:
    url = await _queue(sqs)
    await _send(sqs, url, ["only"])
    handle = (await sqs.receive_message(QueueUrl=url))["Messages"][0]["ReceiptHandle"]
    await sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    await sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)  # a retried delete succeeds, as in AWS
    with pytest.raises(ClientError) as caught:
        await sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle-we-gave")
    assert caught.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    assert "Messages" not in await sqs.receive_message(QueueUrl=url)


async def test_redrive_and_purge_keep_working_on_an_indexed_queue(sqs: Any) -> None:
    dlq = await _queue(sqs)
    dlq_arn = (await sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"]))["Attributes"]["QueueArn"]
    url = await _queue(sqs, RedrivePolicy=f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "2"}}')
    await _send(sqs, url, ["poison"])
    for _ in range(2):  # received twice, never deleted
        await sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    assert "Messages" not in await sqs.receive_message(QueueUrl=url)  # the third receive moves it
    assert (await sqs.receive_message(QueueUrl=dlq))["Messages"][0]["Body"] == "poison"
    await _send(sqs, url, ["a", "b"])
    await sqs.purge_queue(QueueUrl=url)
    await _send(sqs, url, ["after purge"])
    assert [m["Body"] for m in (await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10))["Messages"]] == [
        "after purge"
    ]


async def test_a_receive_with_visibility_zero_returns_each_message_once_and_redrives_none(sqs: Any) -> None:
    # Regression: the index registered each message in flight inside the receive loop, so with
    # VisibilityTimeout=0 it was due again at once and the same receive took it again — five copies
    # of one message, then the message copied to the DLQ while it stayed in the queue.
    dlq = await _queue(sqs)
    dlq_arn = (await sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"]))["Attributes"]["QueueArn"]
    url = await _queue(sqs, RedrivePolicy=f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "5"}}')
    await _send(sqs, url, ["one"])
    received = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert [m["Body"] for m in received["Messages"]] == ["one"]
    assert "Messages" not in await sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)
    again = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    assert [m["Body"] for m in again["Messages"]] == ["one"]
