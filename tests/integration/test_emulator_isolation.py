"""The emulator keeps DynamoDB's transaction isolation (see orderflow/local/moto_server.py).

A transaction that fails a condition restores a snapshot of the whole table taken when it began,
erasing what concurrent requests wrote meanwhile. Chaos found it as orders stuck in PAID with a
complete timeline; `Emulator(port, serialised=False)` runs plain moto to see it again.
"""

from __future__ import annotations

import contextlib
import threading

import boto3
import pytest
from botocore.config import Config

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


@pytest.mark.timeout(180)
def test_concurrent_failed_transactions_never_erase_acknowledged_writes() -> None:
    # GIVEN the emulator local mode and every test use (moto with DynamoDB serialised)
    emulator = Emulator(free_port()).start()
    try:
        # WHEN 4 writers commit 160 transactions while 2 others keep failing a condition
        acked, missing = _lost_writes(emulator.url)
    finally:
        emulator.stop()
    # THEN every acknowledged write is there (plain moto 5.2.5 loses a few: docs/chaos.md)
    assert (acked, missing) == (160, 0)
