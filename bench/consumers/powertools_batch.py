"""B1 consumer: aws-lambda-powertools' BatchProcessor driven by a boto3 polling loop (receive 10,
process_partial_response, delete the successes in one batch) — what a Lambda-minded team would port."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    json.loads(record.body)


def as_lambda_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": "us-east-1",
    }


def main() -> None:
    url, k = os.environ["BENCH_QUEUE_URL"], int(os.environ["BENCH_K"])
    sqs = boto3.client("sqs")
    sqs.get_queue_url(QueueName=url.rsplit("/", 1)[-1])  # the client's first call, before READY as every B1 consumer
    arn = "arn:aws:sqs:us-east-1:123456789012:" + url.rsplit("/", 1)[-1]
    print("READY", flush=True)
    t0 = os.times()
    seen: set[str] = set()  # distinct messages: the emulator may deliver one twice under load
    while len(seen) < k:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = response.get("Messages", [])
        if not messages:
            continue
        event = {"Records": [as_lambda_record(m, arn) for m in messages]}
        result = process_partial_response(event=event, record_handler=record_handler, processor=processor)
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        done = [m for m in messages if m["MessageId"] not in failed]
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
        )
        seen.update(m["MessageId"] for m in done)
    t1 = os.times()
    times = {"user": t1.user - t0.user, "sys": t1.system - t0.system}
    print("DONE " + json.dumps({"handled": len(seen), "times": times}), flush=True)


if __name__ == "__main__":
    main()
