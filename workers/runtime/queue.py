"""The runtime's SQS adapter: long-poll receive, batched deletes and visibility changes."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.batcher import MicroBatcher
from orderflow.errors import AwsError
from workers.runtime.messages import Received

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

log = structlog.get_logger("orderflow.worker")


class Queue:
    """One queue, as the worker sees it. Deletes and visibility changes from concurrent handlers
    are coalesced into *Batch calls of up to 10 entries."""

    def __init__(
        self,
        client: SQSClient,
        url: str,
        *,
        visibility_timeout: int,
        wait_seconds: int,
        linger: float = 0.005,
        visibility_linger: float = 0.05,
        batch_deletes: bool = True,
    ) -> None:
        """`linger`: how long a delete waits for others to share its batch (the handler does not wait
        for it). `visibility_linger`: the same for visibility changes, whose callers do wait (a retry's
        backoff, the drain's release of messages another worker should take at once): kept short."""
        self._client = client
        self.url = url
        self.visibility_timeout = visibility_timeout
        self.wait_seconds = wait_seconds
        self._deletes: MicroBatcher[str, None] = MicroBatcher(self._delete_batch, linger=linger)
        self._visibility: MicroBatcher[tuple[str, int], None] = MicroBatcher(
            self._visibility_batch, linger=visibility_linger
        )
        self._batch_deletes = batch_deletes
        self.delete_failures = 0
        self.calls: dict[str, int] = {
            "ReceiveMessage": 0,
            "DeleteMessageBatch": 0,
            "DeleteMessage": 0,
            "ChangeMessageVisibilityBatch": 0,
        }

    async def receive(self, max_messages: int) -> list[Received]:
        self.calls["ReceiveMessage"] += 1
        asked = time.monotonic()
        try:
            response = await self._client.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=max(1, min(10, max_messages)),
                WaitTimeSeconds=self.wait_seconds,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"ReceiveMessage failed: {exc}") from exc
        return [Received.from_sqs(m, self.visibility_timeout, asked_at=asked) for m in response.get("Messages", [])]

    async def delete(self, message: Received) -> None:
        """Batched (the default): hands the delete to the batcher and returns at once, so the handler's
        slot is free while the batch lingers; `drain()` sends what is left. A delete that fails is
        logged and its message comes back after its visibility timeout, which every consumer absorbs
        (idempotent by event id) — as it does a crash inside the linger.
        Unbatched: one DeleteMessage, awaited, its failure raised."""
        if self._batch_deletes:
            future = self._deletes.enqueue(message.receipt_handle)
            future.add_done_callback(functools.partial(self._deleted, message.message_id))
            return
        self.calls["DeleteMessage"] += 1
        try:
            await self._client.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt_handle)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"DeleteMessage failed: {exc}") from exc

    def _deleted(self, message_id: str, future: asyncio.Future[None]) -> None:
        if future.cancelled():
            error: BaseException | None = asyncio.CancelledError()
        else:
            error = future.exception()
        if error is not None:
            self.delete_failures += 1
            log.warning("delete_failed", messageId=message_id, error=str(error) or type(error).__name__)

    async def change_visibility(self, message: Received, seconds: int) -> None:
        await self._visibility.submit((message.receipt_handle, seconds))

    async def drain(self) -> None:
        await self._deletes.drain()
        await self._visibility.drain()

    async def _delete_batch(self, handles: list[str]) -> Sequence[BaseException | None]:
        self.calls["DeleteMessageBatch"] += 1
        try:
            response = await self._client.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles)],
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"DeleteMessageBatch failed: {exc}") from exc
        return _per_entry(len(handles), response.get("Failed", []), "DeleteMessageBatch")

    async def _visibility_batch(self, entries: list[tuple[str, int]]) -> Sequence[BaseException | None]:
        self.calls["ChangeMessageVisibilityBatch"] += 1
        try:
            response = await self._client.change_message_visibility_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": s} for i, (h, s) in enumerate(entries)
                ],
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"ChangeMessageVisibilityBatch failed: {exc}") from exc
        return _per_entry(len(entries), response.get("Failed", []), "ChangeMessageVisibilityBatch")


def _per_entry(count: int, failed: Sequence[object], operation: str) -> list[BaseException | None]:
    results: list[BaseException | None] = [None] * count
    for entry in failed:
        assert isinstance(entry, dict)
        results[int(entry["Id"])] = AwsError(f"{operation} entry failed: {entry.get('Code')}: {entry.get('Message')}")
    return results
