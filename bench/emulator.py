"""E — the emulator's own costs, plain moto vs our fixes (orderflow/local/moto_patches, moto_server.py).

- SQS: one receive-10 + delete-batch-10 round on a queue holding only that batch vs one with
  `--depth` messages waiting (moto walks the queue on both calls; sqs_index does not).
- DynamoDB: Query on the orders table's partition key and GetItem, with 100 vs `--orders` orders
  stored (moto lists and sorts the table per Query; dynamodb.query_by_partition reads the partition).
- Connections: the client CPU of one receive-10 + delete-10 pair, `Connection: close` vs keep-alive.
Every variant runs on its own emulator; "plain" leaves out exactly the patch module under test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from typing import Any

import boto3
from botocore.config import Config

from bench.common import Table, save, start_emulator
from orderflow.local.provision import _table as create_platform_table


def _sqs_round(sqs: Any, url: str) -> float:
    before = time.perf_counter()
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
    sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
    )
    return time.perf_counter() - before


def _fill_queue(sqs: Any, url: str, count: int, prefix: str = "m") -> None:
    for start in range(0, count, 10):
        entries = [{"Id": str(i), "MessageBody": f"{prefix}{start + i}"} for i in range(min(10, count - start))]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def sqs_depth(without: tuple[str, ...], depth: int, rounds: int) -> tuple[float, float]:
    """Median seconds per round: (empty queue, `depth` waiting)."""
    emulator = start_emulator(without=without)
    try:
        sqs = boto3.client("sqs", endpoint_url=emulator.url)
        empty = sqs.create_queue(QueueName="e-empty")["QueueUrl"]
        deep = sqs.create_queue(QueueName="e-deep")["QueueUrl"]
        _fill_queue(sqs, deep, depth)
        shallow, deep_rounds = [], []
        for _ in range(rounds):
            _fill_queue(sqs, empty, 10, "e")
            shallow.append(_sqs_round(sqs, empty))
            deep_rounds.append(_sqs_round(sqs, deep))
        return statistics.median(shallow), statistics.median(deep_rounds)
    finally:
        emulator.stop()


def _store_orders(ddb: Any, table: str, count: int) -> None:
    requests = []
    for _ in range(count):
        pk = {"S": f"ORDER#{uuid.uuid4()}"}
        requests.append({"PutRequest": {"Item": {"pk": pk, "sk": {"S": "ORDER"}, "status": {"S": "SHIPPED"}}}})
        requests.append({"PutRequest": {"Item": {"pk": pk, "sk": {"S": f"EVENT#{uuid.uuid4()}"}}}})
    for start in range(0, len(requests), 25):
        ddb.batch_write_item(RequestItems={table: requests[start : start + 25]})


def _ddb_reads(ddb: Any, table: str, query: list[float], get: list[float]) -> None:
    pk = {"S": "ORDER#target"}
    before = time.perf_counter()
    key = {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": pk}}
    ddb.query(TableName=table, ConsistentRead=True, **key)
    query.append(time.perf_counter() - before)
    before = time.perf_counter()
    ddb.get_item(TableName=table, Key={"pk": pk, "sk": {"S": "ORDER"}}, ConsistentRead=True)
    get.append(time.perf_counter() - before)


def dynamodb_size(without: tuple[str, ...], orders: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """((Query, GetItem) median seconds on a table of 100 orders, the same on one of `orders`),
    read turn about so that the machine's load weighs on both alike."""
    emulator = start_emulator(without=without)
    try:
        ddb = boto3.client("dynamodb", endpoint_url=emulator.url, config=Config(max_pool_connections=2))
        reads: dict[str, tuple[list[float], list[float]]] = {}
        for table, count in (("small", 100), ("large", orders)):
            create_platform_table(ddb, table)
            ddb.put_item(TableName=table, Item={"pk": {"S": "ORDER#target"}, "sk": {"S": "ORDER"}})
            ddb.put_item(TableName=table, Item={"pk": {"S": "ORDER#target"}, "sk": {"S": "EVENT#1"}})
            _store_orders(ddb, table, count - 1)
            reads[table] = ([], [])
        for _ in range(15):
            for table, (query, get) in reads.items():
                _ddb_reads(ddb, table, query, get)
        small, large = reads["small"], reads["large"]
        return (
            (statistics.median(small[0]), statistics.median(small[1])),
            (statistics.median(large[0]), statistics.median(large[1])),
        )
    finally:
        emulator.stop()


def connection_cpu(connections: str, pairs: int) -> float:
    """Client CPU µs (this process, boto3) per receive-10 + delete-batch-10 pair, 600 messages queued."""
    emulator = start_emulator(connections)
    try:
        sqs = boto3.client("sqs", endpoint_url=emulator.url)
        url = sqs.create_queue(QueueName="e-conn")["QueueUrl"]
        _fill_queue(sqs, url, 600 + 10 * pairs)
        _sqs_round(sqs, url)  # warm: the client's first call builds its models
        before = os.times()
        for _ in range(pairs):
            _sqs_round(sqs, url)
        after = os.times()
        return (after.user - before.user + after.system - before.system) / pairs * 1e6
    finally:
        emulator.stop()


def main(argv: list[str] | None = None) -> list[Table]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depth", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=10000)
    args = parser.parse_args(argv)
    sqs = Table(
        f"E1 — SQS receive-10 + delete-10, empty queue vs {args.depth:,} waiting (medians)",
        ["emulator", "ms/round, empty", f"ms/round, {args.depth:,} waiting", "throughput ratio (deep ÷ empty)"],
    )
    for label, without, rounds in (("plain moto SQS", ("sqs_index",), 3), ("with sqs_index", (), 40)):
        empty, deep = sqs_depth(without, args.depth, rounds)
        sqs.add(label, empty * 1000, deep * 1000, f"{empty / deep:.3f}")
    ddb = Table(
        f"E2 — DynamoDB reads by key, 100 vs {args.orders:,} orders stored (2 items each; medians of 15, turn about)",
        ["emulator", "Query ms, 100", f"Query ms, {args.orders:,}", "Query ×", "GetItem ms, 100",
         f"GetItem ms, {args.orders:,}", "GetItem ×"],
    )  # fmt: skip
    for label, without in (("plain moto DynamoDB", ("dynamodb",)), ("with query_by_partition", ())):
        (q0, g0), (q1, g1) = dynamodb_size(without, args.orders)
        ddb.add(label, q0 * 1000, q1 * 1000, f"{q1 / q0:.2f}", g0 * 1000, g1 * 1000, f"{g1 / g0:.2f}")
    conn = Table(
        "E3 — client CPU per receive-10 + delete-10 pair (boto3, 60 pairs, ~600 queued)",
        ["emulator connections", "client CPU µs per pair"],
    )
    for connections in ("close", "keep-alive"):
        conn.add(connections, connection_cpu(connections, 60))
    for table in (sqs, ddb, conn):
        table.notes = ["Wall times are the emulator's (one moto process); the client runs in the benchmark process."]
    tables = [sqs, ddb, conn]
    save("emulator", tables, {"depth": args.depth, "orders": args.orders})
    return tables


if __name__ == "__main__":
    main()
