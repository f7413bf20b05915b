"""DLQ triage's AWS part: read a DLQ without taking it, redrive a group (or all) at a set rate, discard one.

Redrive moves by receive → send → delete, for one reason AWS's own move task cannot serve: it moves
a whole queue, never a group. (The CLI's `orderflow dlq redrive` uses StartMessageMoveTask where the
endpoint has it.) A message is deleted from the DLQ only after the source queue accepted its copy;
interrupted in between, it stays in the DLQ and a second redrive sends it again — a duplicate
delivery, which every consumer absorbs by event id.

Every operation on one DLQ holds that DLQ's lock: a listing hides the messages it walks through for
a moment, and a redrive hides the messages it skips until it ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orderflow.console.grouping import UNKNOWN_REASON, DeadMessage, Group, describe_body, group
from orderflow.failures import failures_path, last_failures

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

_WALK_VISIBILITY = 30  # seconds a listing or a redrive hides what it has seen (released at its end)


@dataclass
class Progress:
    total: int
    moved: int = 0
    done: bool = False
    error: str | None = None


@dataclass
class Triage:
    sqs: SQSClient
    queue_names: Callable[[str], tuple[str, str]]  # service -> (queue name, DLQ name)
    state_dir: Path | None  # where local workers record failure reasons; None in AWS
    max_messages: int = 500  # a listing reads at most this many (the page says so when there are more)
    _urls: dict[str, tuple[str, str]] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def lock(self, service: str) -> asyncio.Lock:
        return self._locks.setdefault(service, asyncio.Lock())

    async def urls(self, service: str) -> tuple[str, str]:
        if service not in self._urls:
            queue, dlq = self.queue_names(service)
            self._urls[service] = (
                (await self.sqs.get_queue_url(QueueName=queue))["QueueUrl"],
                (await self.sqs.get_queue_url(QueueName=dlq))["QueueUrl"],
            )
        return self._urls[service]

    async def depth(self, service: str) -> int:
        _, dlq = await self.urls(service)
        attrs = await self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    async def counts(self, service: str, *, dlq: bool) -> tuple[int, int]:
        """(visible, in flight) of the service's queue, or of its DLQ."""
        queue, dead = await self.urls(service)
        attrs = await self.sqs.get_queue_attributes(
            QueueUrl=dead if dlq else queue,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        a = attrs["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    async def groups(self, service: str) -> list[Group]:
        async with self.lock(service):
            _, dlq = await self.urls(service)
            seen: list[MessageTypeDef] = []
            try:
                while len(seen) < self.max_messages:
                    batch = await self._receive(dlq, min(10, self.max_messages - len(seen)))
                    if not batch:
                        break
                    seen += batch
            finally:
                await self._release(dlq, seen)
        return group(self._describe(seen, self._reasons(service, [m["MessageId"] for m in seen])))

    async def redrive(self, service: str, key: str | None, rate: float, progress: Progress) -> None:
        """Move the messages of group `key` (every message when None) back to the service's queue."""
        async with self.lock(service):
            queue, dlq = await self.urls(service)
            skipped: list[MessageTypeDef] = []
            reasons = self._reasons(service, None)  # read once: the ledger does not change what is dead
            try:
                while True:
                    began = time.monotonic()
                    batch = await self._receive(dlq, 10)
                    if not batch:
                        break
                    described = self._describe(batch, reasons)
                    chosen = [m for m, d in zip(batch, described, strict=True) if key in (None, d.group_key)]
                    skipped += [m for m in batch if m not in chosen]
                    progress.moved += await self._move(queue, dlq, chosen)
                    if chosen:
                        await asyncio.sleep(max(0.0, len(chosen) / rate - (time.monotonic() - began)))
            finally:
                await self._release(dlq, skipped)
                progress.done = True

    async def discard(self, service: str, message_id: str) -> bool:
        """Delete one dead message; False when the DLQ holds no message with that id."""
        async with self.lock(service):
            _, dlq = await self.urls(service)
            seen: list[MessageTypeDef] = []
            try:
                while len(seen) < self.max_messages:
                    batch = await self._receive(dlq, 10)
                    if not batch:
                        return False
                    seen += batch
                    match = next((m for m in batch if m["MessageId"] == message_id), None)
                    if match is not None:
                        await self.sqs.delete_message(QueueUrl=dlq, ReceiptHandle=match["ReceiptHandle"])
                        seen.remove(match)
                        return True
                return False
            finally:
                await self._release(dlq, seen)

    # -- helpers --------------------------------------------------------------------------------

    async def _receive(self, url: str, count: int) -> list[MessageTypeDef]:
        response = await self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=count,
            VisibilityTimeout=_WALK_VISIBILITY,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    async def _move(self, queue: str, dlq: str, messages: list[MessageTypeDef]) -> int:
        if not messages:
            return 0
        entries: list[Any] = [
            {
                "Id": str(i),
                "MessageBody": m["Body"],
                **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {}),
            }
            for i, m in enumerate(messages)
        ]
        sent = await self.sqs.send_message_batch(QueueUrl=queue, Entries=entries)
        ok = sorted(int(e["Id"]) for e in sent.get("Successful", []))
        if ok:
            await self.sqs.delete_message_batch(
                QueueUrl=dlq, Entries=[{"Id": str(i), "ReceiptHandle": messages[i]["ReceiptHandle"]} for i in ok]
            )
        return len(ok)

    async def _release(self, url: str, messages: list[MessageTypeDef]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            await self.sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(chunk)
                ],
            )

    def _reasons(self, service: str, ids: list[str] | None) -> dict[str, str]:
        if self.state_dir is None:
            return {}
        return {k: r.reason for k, r in last_failures(failures_path(self.state_dir, service), ids).items()}

    @staticmethod
    def _describe(messages: list[MessageTypeDef], reasons: dict[str, str]) -> list[DeadMessage]:
        now_ms = time.time() * 1000
        described = []
        for m in messages:
            event_type, order_id, body_reason = describe_body(m["Body"])
            attrs = m.get("Attributes", {})
            described.append(
                DeadMessage(
                    message_id=m["MessageId"],
                    event_type=event_type,
                    order_id=order_id,
                    receive_count=int(attrs.get("ApproximateReceiveCount", 0)),
                    age_seconds=max(0.0, (now_ms - int(attrs.get("SentTimestamp", now_ms))) / 1000),
                    body=m["Body"],
                    reason=reasons.get(m["MessageId"]) or body_reason or UNKNOWN_REASON,
                )
            )
        return described
