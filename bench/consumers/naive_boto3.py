"""B1 consumer: the tutorial loop — receive 1, handle, delete 1 — with boto3."""

from __future__ import annotations

import json
import os

import boto3


def handle(body: str) -> None:
    json.loads(body)  # the no-op handler still reads its message


def main() -> None:
    url, k = os.environ["BENCH_QUEUE_URL"], int(os.environ["BENCH_K"])
    sqs = boto3.client("sqs")
    sqs.get_queue_url(QueueName=url.rsplit("/", 1)[-1])  # the client's first call, before READY as every B1 consumer
    print("READY", flush=True)
    seen: set[str] = set()  # distinct messages: the emulator may deliver one twice under load
    while len(seen) < k:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
        for message in response.get("Messages", []):
            handle(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            seen.add(message["MessageId"])
    print("DONE " + json.dumps({"handled": len(seen)}), flush=True)


if __name__ == "__main__":
    main()
