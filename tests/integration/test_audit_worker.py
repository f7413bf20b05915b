"""The audit service on the real runtime against the emulator: every event of an order lands once,
at its own version, in causal order — whatever the delivery order, duplicates or concurrency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts import Event
from orderflow.ops.audit import trail
from orderflow.settings import Settings
from tests.support import eventbridge_body, eventually, get_item, one_of_each_event, queue_url
from workers.runtime.worker import Worker

StartWorker = Callable[..., Awaitable[Worker]]


def _stream(settings: Settings, event: Event) -> list[dict[str, object]]:
    return trail(settings, None, f"order:{event.order_id}")


async def _trail_of(settings: Settings, event: Event, count: int, timeout: float = 20) -> list[dict[str, object]]:
    async def complete() -> list[dict[str, object]] | None:
        entries = _stream(settings, event)
        return entries if len(entries) >= count else None

    return await eventually(complete, timeout=timeout, every=0.2)


async def test_events_published_out_of_order_are_stored_in_causal_order(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN the audit worker, and an order's chain placed -> reserved -> paid -> shipped
    await start_worker("audit")
    placed, reserved, _, _, paid, _, shipped = one_of_each_event()[:7]
    paid = paid.model_copy(update={"causation_id": reserved.event_id})
    shipped = shipped.model_copy(update={"causation_id": paid.event_id})
    # WHEN the bus carries them newest first
    for event in (shipped, paid, reserved, placed):
        await EventPublisher(aws.events, settings.bus).publish([event])
    # THEN the stream holds them oldest first, each after its cause, with the causation links
    entries = await _trail_of(settings, placed, 4)
    assert [e["eventType"] for e in entries] == [
        "OrderPlaced",
        "InventoryReserved",
        "PaymentCompleted",
        "ShipmentCreated",
    ]
    assert [e["version"] for e in entries] == [1, 2, 3, 4]
    assert [e["causedBy"] for e in entries] == [None, 1, 2, 3]


async def test_a_duplicate_delivery_is_recognised_and_appends_nothing(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    await start_worker("audit")
    placed, reserved = one_of_each_event()[:2]
    await EventPublisher(aws.events, settings.bus).publish([placed, reserved])
    await _trail_of(settings, placed, 2)
    # WHEN both are delivered again, twice, straight onto the audit queue
    url = await queue_url(aws, settings.queue_name("audit"))
    for event in (placed, reserved, reserved, placed):
        await aws.sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(event))

    await _settle(aws, settings)
    # THEN the stream still holds each once
    assert [e["eventId"] for e in _stream(settings, placed)] == [str(placed.event_id), str(reserved.event_id)]


async def test_a_position_stores_the_envelope_once_and_the_trail_reads_it_from_the_body(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN the audit worker, and a reservation caused by its order's placement
    await start_worker("audit")
    placed, reserved = one_of_each_event()[:2]
    # WHEN both are appended
    await EventPublisher(aws.events, settings.bus).publish([placed, reserved])
    entries = await _trail_of(settings, placed, 2)
    # THEN the stored position holds the body and only what is read without parsing it (1 WRU per KiB)
    item = await get_item(aws, settings.table_name("audit"), f"STREAM#order:{placed.order_id}", "V#0000000002")
    assert item is not None
    assert set(item) == {"pk", "sk", "eventId", "eventType", "occurredAt", "appendedAt", "body"}
    # AND the trail shows the whole envelope, read from the body
    shown = entries[1]
    assert (shown["eventId"], shown["eventType"], shown["eventVersion"]) == (
        str(reserved.event_id),
        "InventoryReserved",
        reserved.event_version,
    )
    assert (shown["source"], shown["correlationId"]) == (reserved.source, str(reserved.correlation_id))
    assert (shown["causationId"], shown["causedBy"]) == (str(placed.event_id), 1)
    assert shown["data"] == orjson.loads(reserved.to_json())["data"]


async def _stats(aws: AwsClients, url: str) -> int:
    attrs = await aws.sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )
    return sum(int(v) for v in attrs["Attributes"].values())


async def test_concurrent_appends_to_one_stream_each_get_their_own_version(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN an order already in its stream, and two audit workers
    await start_worker("audit")
    await start_worker("audit")
    events = one_of_each_event()[:7]
    placed, outcomes = events[0], events[1:]
    await EventPublisher(aws.events, settings.bus).publish([placed])
    await _trail_of(settings, placed, 1)
    # WHEN six outcomes of it arrive at once (both workers append to the same stream concurrently)
    await EventPublisher(aws.events, settings.bus).publish(outcomes)
    # THEN each is appended exactly once, the versions are 1..7 without a gap, every cause first
    await _trail_of(settings, placed, 7)
    await _settle(aws, settings)
    entries = _stream(settings, placed)
    assert [e["version"] for e in entries] == list(range(1, 8))
    assert sorted(str(e["eventId"]) for e in entries) == sorted(str(e.event_id) for e in events)
    assert entries[0]["eventType"] == "OrderPlaced"
    assert all(e["causedBy"] == 1 for e in entries[1:])


async def _settle(aws: AwsClients, settings: Settings) -> None:
    url = await queue_url(aws, settings.queue_name("audit"))

    async def empty() -> bool:
        return await _stats(aws, url) == 0

    await eventually(empty, timeout=15)


async def test_an_orders_events_received_together_are_appended_in_arrival_order_without_a_retry(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN an order's chain placed -> reserved -> paid waiting in the audit queue, in that order, for
    # one worker that receives them together and runs their handlers at once
    placed, reserved, _, _, paid = one_of_each_event()[:5]
    paid = paid.model_copy(update={"causation_id": reserved.event_id})
    url = await queue_url(aws, settings.queue_name("audit"))
    entries = [{"Id": str(i), "MessageBody": eventbridge_body(e)} for i, e in enumerate((placed, reserved, paid))]
    await aws.sqs.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
    # WHEN the worker starts
    worker = await start_worker("audit", receivers=1)
    # THEN each is appended after its cause at the first attempt: the later ones wait for the
    # stream, not for a retry 2 s later (racing, they read the stream before their cause was in it)
    stored = await _trail_of(settings, placed, 3, timeout=10)
    assert [e["eventType"] for e in stored] == ["OrderPlaced", "InventoryReserved", "PaymentCompleted"]
    assert (worker.stats["handled"], worker.stats["retry"]) == (3, 0)
