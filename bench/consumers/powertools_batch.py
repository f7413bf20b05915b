"""B1 consumer: aws-lambda-powertools' BatchProcessor driven by a boto3 polling loop (receive 10,
process_partial_response, delete the successes in one batch) — what a Lambda-minded team would port.

With BENCH_EQUAL_WORK=1 ("powertools, same work" in B1) its record handler does what orderflow's
Worker does for every message besides its runtime: decode and validate the envelope against the
event contract (orderflow's own `decode`) and write one JSON log line through the same logging set-up,
so the two rows differ only in the consumer runtime."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

processor = BatchProcessor(event_type=EventType.SQS)
EQUAL_WORK = os.environ.get("BENCH_EQUAL_WORK") == "1"


def record_handler(record: SQSRecord) -> None:
    json.loads(record.body)


def same_work_handler() -> Callable[[SQSRecord], None]:
    """Imported only for this variant: the plain peer's process stays as small as it was."""
    import structlog  # noqa: PLC0415

    from orderflow.observability import configure_logging  # noqa: PLC0415
    from orderflow.settings import Settings  # noqa: PLC0415
    from workers.runtime.messages import decode  # noqa: PLC0415

    configure_logging(Settings(log_format="json"), service="bench")
    log = structlog.get_logger("bench.powertools")

    def handler(record: SQSRecord) -> None:
        event = decode(record.body)
        log.info("message_handled", outcome="handled", eventId=str(event.event_id), eventType=event.event_type)

    return handler


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
    handler = same_work_handler() if EQUAL_WORK else record_handler
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
        result = process_partial_response(event=event, record_handler=handler, processor=processor)
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
