"""The emulator fact behind orderflow.chaos.emulator: moto's TransactWriteItems is not isolated.

A transaction that fails a condition restores a snapshot of the whole table taken when it began,
erasing what concurrent requests wrote meanwhile. Chaos found it as orders stuck in PAID with a
complete timeline; this test proves it without any orderflow code, and that the serialised
emulator the chaos run uses does not lose writes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

from orderflow.chaos.emulator import SerialisedEmulator
from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port


def _lost_writes(url: str) -> tuple[int, int]:
    """(acknowledged transactional puts, how many of them are missing afterwards)."""
    ddb = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(max_pool_connections=20, retries={"mode": "standard", "max_attempts": 10}),
    )
    ddb.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    for i in range(1500):  # a table of some size widens the snapshot window
        ddb.put_item(TableName="t", Item={"pk": {"S": f"filler{i}"}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "guard"}})
    new = {"ConditionExpression": "attribute_not_exists(pk)", "TableName": "t"}
    acked: list[str] = []

    def writer(n: int) -> None:
        for i in range(40):
            ddb.transact_write_items(TransactItems=[{"Put": {**new, "Item": {"pk": {"S": f"w{n}-{i}"}}}}])
            acked.append(f"w{n}-{i}")

    def failer() -> None:
        for _ in range(60):
            with contextlib.suppress(ddb.exceptions.TransactionCanceledException):
                ddb.transact_write_items(TransactItems=[{"Put": {**new, "Item": {"pk": {"S": "guard"}}}}])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=failer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    missing = [k for k in acked if "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": k}}, ConsistentRead=True)]
    return len(acked), len(missing)


@pytest.fixture(params=["moto", "serialised"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    emulator = (Emulator if request.param == "moto" else SerialisedEmulator)(free_port()).start()
    yield request.param, emulator.url
    emulator.stop()


@pytest.mark.timeout(180)
def test_concurrent_failed_transactions_erase_acknowledged_writes_only_in_plain_moto(server: tuple[str, str]) -> None:
    kind, url = server
    acked, missing = _lost_writes(url)
    assert acked == 160
    if kind == "serialised":
        assert missing == 0
    elif missing == 0:
        pytest.xfail("the race did not hit this time (it usually loses a few writes of 160)")
    else:
        assert missing > 0  # documented emulator defect: acknowledged writes vanished
