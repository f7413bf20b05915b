"""Dead-letter queues: depth, a look inside, and redrive back to the source queue."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from botocore.exceptions import ClientError

from orderflow.ops.aws import client
from orderflow.settings import Settings


@dataclass(frozen=True)
class QueueStatus:
    service: str
    visible: int
    inFlight: int  # noqa: N815 - the JSON field name scripts read
    dlq: int
    oldestDlqAgeSeconds: float | None  # noqa: N815

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DeadMessage:
    message_id: str
    event_type: str
    order_id: str
    receive_count: int
    age_seconds: float
    body: str


class DeadLetters:
    def __init__(self, settings: Settings, endpoint_url: str | None) -> None:
        self.settings = settings
        self.sqs = client(settings, "sqs", endpoint_url)
        # One attempt: an endpoint without StartMessageMoveTask answers 500, which botocore would retry.
        self._sqs_once = client(settings, "sqs", endpoint_url, attempts=1)

    def urls(self, service: str) -> tuple[str, str]:
        self.settings.topology.service(service)
        queue = self.sqs.get_queue_url(QueueName=self.settings.queue_name(service))["QueueUrl"]
        dlq = self.sqs.get_queue_url(QueueName=self.settings.dlq_name(service))["QueueUrl"]
        return queue, dlq

    def status(self) -> list[QueueStatus]:
        rows = []
        for service in self.settings.topology.services:
            queue, dlq = self.urls(service)
            main, dead = self._counts(queue), self._counts(dlq)
            oldest = self.peek(service, limit=1)
            rows.append(
                QueueStatus(
                    service, main[0], main[1], dead[0] + dead[1], round(oldest[0].age_seconds, 1) if oldest else None
                )
            )
        return rows

    def _counts(self, url: str) -> tuple[int, int]:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def peek(self, service: str, *, limit: int = 10) -> list[DeadMessage]:
        """Read without taking: received with a zero visibility timeout, so they stay available.
        (It does count as a receive on the DLQ, which has no maxReceiveCount of its own.)"""
        _, dlq = self.urls(service)
        seen: dict[str, DeadMessage] = {}
        while len(seen) < limit:
            response = self.sqs.receive_message(
                QueueUrl=dlq,
                MaxNumberOfMessages=min(10, limit - len(seen)),
                VisibilityTimeout=0,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            )
            fresh = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen[message["MessageId"]] = _describe(message)
        return sorted(seen.values(), key=lambda m: -m.age_seconds)[:limit]

    def redrive(
        self, service: str, *, max_per_second: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Move every dead message back to the service's queue; answers how many moved."""
        queue, dlq = self.urls(service)
        total = self._counts(dlq)[0]
        try:
            return self._move_task(queue, dlq, total, max_per_second, progress)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400) < 500:
                raise
        return self._move_by_hand(queue, dlq, total, max_per_second, progress)

    def _arn(self, url: str) -> str:
        return str(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    def _move_task(
        self, queue: str, dlq: str, total: int, rate: int | None, progress: Callable[[int, int], None] | None
    ) -> int:
        """AWS's own redrive: StartMessageMoveTask, watched through ListMessageMoveTasks."""
        source = self._arn(dlq)
        kwargs: dict[str, Any] = {"SourceArn": source, "DestinationArn": self._arn(queue)}
        if rate:
            kwargs["MaxNumberOfMessagesPerSecond"] = rate
        self._sqs_once.start_message_move_task(**kwargs)
        while True:
            [task] = self.sqs.list_message_move_tasks(SourceArn=source, MaxResults=1)["Results"]
            moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
            if progress:
                progress(moved, int(task.get("ApproximateNumberOfMessagesToMove", total)))
            if task["Status"] in ("COMPLETED", "FAILED", "CANCELLED"):
                if task["Status"] != "COMPLETED":
                    raise RuntimeError(f"message move task {task['Status']}: {task.get('FailureReason', '')}")
                return moved
            time.sleep(1)

    def _move_by_hand(
        self, queue: str, dlq: str, total: int, rate: int | None, progress: Callable[[int, int], None] | None
    ) -> int:
        """Receive → send → delete, for endpoints without move tasks (moto's server today).

        Why the order is safe: a message is deleted from the DLQ only after the source queue
        accepted its copy. Interrupted between send and delete, it stays in the DLQ (visible
        again after 30 s) and a second redrive sends it once more — a duplicate delivery, which
        every consumer absorbs by event id. Nothing is ever deleted before it is safe elsewhere.
        """
        moved = 0
        while True:
            response = self.sqs.receive_message(
                QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=30, MessageAttributeNames=["All"]
            )
            messages = response.get("Messages", [])
            if not messages:
                return moved
            began = time.monotonic()
            entries = [
                {
                    "Id": str(i),
                    "MessageBody": m["Body"],
                    **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {}),
                }
                for i, m in enumerate(messages)
            ]
            sent = self.sqs.send_message_batch(QueueUrl=queue, Entries=entries)
            ok = {int(e["Id"]) for e in sent.get("Successful", [])}
            done = [{"Id": str(i), "ReceiptHandle": messages[i]["ReceiptHandle"]} for i in sorted(ok)]
            if done:
                self.sqs.delete_message_batch(QueueUrl=dlq, Entries=done)
            moved += len(done)
            if progress:
                progress(moved, max(total, moved))
            if rate:
                time.sleep(max(0.0, len(messages) / rate - (time.monotonic() - began)))


def _describe(message: dict[str, Any]) -> DeadMessage:
    attrs = message.get("Attributes", {})
    event_type, order_id = "?", "?"
    try:
        envelope = orjson.loads(message["Body"])
        detail = envelope.get("detail", {}) if isinstance(envelope, dict) else {}
        event_type = str(detail.get("eventType") or envelope.get("detail-type") or "?")
        order_id = str((detail.get("data") or {}).get("orderId", "?"))
    except (orjson.JSONDecodeError, AttributeError):
        event_type = "(not JSON)"
    sent = int(attrs.get("SentTimestamp", time.time() * 1000))
    return DeadMessage(
        message["MessageId"],
        event_type,
        order_id,
        int(attrs.get("ApproximateReceiveCount", 0)),
        time.time() - sent / 1000,
        message["Body"],
    )
