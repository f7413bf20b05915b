"""The emulator keeps HTTP/1.1 connections alive and serves every long poll of a platform at full
scale without starving short calls (orderflow/local/moto_server.py).

moto's own server (werkzeug's development server) answers `Connection: close` to every request, so
every AWS call paid a new TCP connection; AWS endpoints keep connections open.
"""

from __future__ import annotations

import asyncio
import http.client
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from orderflow.local.emulator import LOCAL_CREDENTIALS, SHORT_CALL_THREADS, Emulator, long_poll_threads


def _signed_list_queues(url: str) -> AWSRequest:
    request = AWSRequest(
        method="POST",
        url=url,
        data="Action=ListQueues&Version=2012-11-05",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = Credentials(LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"], LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    SigV4Auth(credentials, "sqs", "us-east-1").add_auth(request)
    return request


def test_responses_keep_the_connection_open(emulator: Emulator) -> None:
    # GIVEN one HTTP/1.1 connection to the emulator the tests and local mode use
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    try:
        sockets = []
        for _ in range(3):
            # WHEN it carries several signed AWS calls one after another
            request = _signed_list_queues(emulator.url + "/")
            connection.request("POST", "/", body=request.body, headers=dict(request.headers))
            response = connection.getresponse()
            response.read()
            # THEN every answer is HTTP/1.1 without `Connection: close`, on the same socket
            assert response.status == 200
            assert response.version == 11
            assert (response.getheader("Connection") or "").lower() != "close"
            assert connection.sock is not None
            sockets.append(connection.sock)
        assert all(sock is sockets[0] for sock in sockets)
    finally:
        connection.close()


@pytest.fixture
async def sqs(emulator: Emulator) -> AsyncIterator[Any]:
    config = AioConfig(region_name="us-east-1", max_pool_connections=long_poll_threads() + 16, read_timeout=30)
    async with get_session().create_client("sqs", endpoint_url=emulator.url, config=config) as client:
        yield client


async def test_every_long_poll_at_max_scale_leaves_short_calls_unqueued(emulator: Emulator, sqs: Any) -> None:
    # GIVEN as many concurrent long polls as every worker of the topology opens at maximum scale
    polls = long_poll_threads() - SHORT_CALL_THREADS
    idle = (await sqs.create_queue(QueueName="keepalive-idle"))["QueueUrl"]
    busy = (await sqs.create_queue(QueueName="keepalive-busy"))["QueueUrl"]
    waiting = [
        asyncio.create_task(sqs.receive_message(QueueUrl=idle, WaitTimeSeconds=5, MaxNumberOfMessages=10))
        for _ in range(polls)
    ]
    try:
        await asyncio.sleep(1.5)  # let them all reach the server and park
        started = time.monotonic()
        # WHEN short calls arrive while they all wait
        for i in range(10):
            await sqs.send_message(QueueUrl=busy, MessageBody=f"m{i}")
        # THEN every short call is answered while every long poll is still parked (a server out of
        # threads would hold them until polls end), and the polls end together at their wait time
        assert time.monotonic() - started < 1.5
        assert not any(task.done() for task in waiting)
        answers = await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)
        assert all(not answer.get("Messages") for answer in answers)
    finally:
        await asyncio.gather(*waiting, return_exceptions=True)
