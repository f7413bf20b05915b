"""The analytics service on the real runtime against the emulator: the console's funnel and
recent-orders index are kept from events alone, each event counted exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.console.orders import OrderReader
from orderflow.errors import AwsError
from orderflow.settings import Settings
from tests.support import cancellation_events, eventually, one_of_each_event, queue_url
from workers.runtime.worker import Worker
from workers.services.analytics.groups import CountingGroups
from workers.services.analytics.store import AnalyticsStore

StartWorker = Callable[..., Awaitable[Worker]]


def _reader(aws: AwsClients, settings: Settings) -> OrderReader:
    return OrderReader(aws.dynamodb, settings.table_name("analytics"), settings.table_name("orders"))


async def _counts(reader: OrderReader, window: str, expected: dict[str, int]) -> dict[str, int]:
    async def reached() -> dict[str, int] | None:
        counts = (await reader.funnel(window)).counts
        return counts if all(counts[k] >= v for k, v in expected.items()) else None

    return await eventually(reached, timeout=20, every=0.2)


async def test_every_outcome_is_counted_once_by_stage_even_when_delivered_twice(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN the analytics worker, and one event of every stage of an order's saga, the customer's
    # cancel (OrderCancelled) among them
    await start_worker("analytics")
    placed, reserved, out_of_stock, released, paid, declined, shipped = one_of_each_event()[:7]
    requested, cancelled, rejected, refunded = cancellation_events(placed)
    publisher = EventPublisher(aws.events, settings.bus)
    # WHEN the bus carries each of them twice (a redelivery, a replay), and a release, a cancel's
    # request, its rejection and a refund, none of which is a stage of the funnel
    for _ in range(2):
        await publisher.publish([placed, reserved, out_of_stock, released, paid, declined, shipped])
        await publisher.publish([requested, cancelled, rejected, refunded])
    expected = {
        "placed": 1,
        "reserved": 1,
        "paid": 1,
        "shipped": 1,
        "cancelled:OUT_OF_STOCK": 1,
        "cancelled:PAYMENT_DECLINED": 1,
        "cancelled:CUSTOMER_CANCELLED": 1,
    }
    reader = _reader(aws, settings)
    await _counts(reader, "all", expected)
    await eventually(lambda: _drained(aws, settings), timeout=20, every=0.2)
    # THEN each stage counts one, in every window that holds the events
    for window in ("5m", "1h", "24h", "all"):
        assert (await reader.funnel(window)).counts == expected, window


async def _drained(aws: AwsClients, settings: Settings) -> bool | None:
    url = await queue_url(aws, settings.queue_name("analytics"))
    attrs = (
        await aws.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )
    )["Attributes"]
    empty = attrs["ApproximateNumberOfMessages"] == attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    return True if empty else None


async def test_recent_orders_page_newest_first_with_a_cursor(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN five orders placed one after the other
    await start_worker("analytics")
    publisher = EventPublisher(aws.events, settings.bus)
    placed = [one_of_each_event()[0] for _ in range(5)]
    for event in placed:
        await publisher.publish([event])
    reader = _reader(aws, settings)
    await _counts(reader, "all", {"placed": 5})
    # WHEN the console asks for pages of two
    first = await reader.recent(limit=2)
    assert first.next_cursor is not None
    second = await reader.recent(limit=2, cursor=first.next_cursor)
    assert second.next_cursor is not None
    third = await reader.recent(limit=2, cursor=second.next_cursor)
    # THEN the pages hold every order once, newest first, and the last page says there is no more
    ids = [o["orderId"] for page in (first, second, third) for o in page.orders]
    assert ids == [str(e.data.order_id) for e in reversed(placed)]
    assert third.next_cursor is None
    # AND an order never stored in the orders table shows as unknown rather than failing
    assert {o["status"] for o in first.orders} == {"?"}


def _store(aws: AwsClients, settings: Settings) -> AnalyticsStore:
    return AnalyticsStore(aws.dynamodb, settings.table_name("analytics"))


def _transactions(aws: AwsClients) -> Callable[[], int]:
    """How many TransactWriteItems the test's DynamoDB client sends from now on."""
    sent: list[str] = []

    def seen(model: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems":
            sent.append(model.name)

    aws.dynamodb.meta.events.register("before-call.dynamodb.TransactWriteItems", seen)
    return lambda: len(sent)


async def test_a_group_holding_events_counted_before_counts_only_the_others(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order placed and reserved, both counted already (the placed one's marker is its
    # recent-orders entry, the reserved one's a processed record)
    placed, reserved, out_of_stock, _, paid, declined, shipped = one_of_each_event()[:7]
    store = _store(aws, settings)
    assert await store.count([placed, reserved]) == set()
    sent = _transactions(aws)
    # WHEN a group holding their redeliveries among three new events is counted
    duplicates = await store.count([paid, placed, out_of_stock, reserved, shipped, declined])
    # THEN the redeliveries are left out, the rest is committed on the second attempt,
    # and every stage counts one in every window, with the order listed once
    assert duplicates == {placed.event_id, reserved.event_id}
    assert sent() == 2
    reader = _reader(aws, settings)
    expected = {"placed": 1, "reserved": 1, "paid": 1, "shipped": 1}
    expected |= {"cancelled:OUT_OF_STOCK": 1, "cancelled:PAYMENT_DECLINED": 1, "cancelled:CUSTOMER_CANCELLED": 0}
    for window in ("5m", "24h", "all"):
        assert (await reader.funnel(window)).counts == expected, window
    assert [o["orderId"] for o in (await reader.recent(limit=10)).orders] == [str(placed.data.order_id)]


async def test_a_group_of_redeliveries_only_commits_nothing(aws: AwsClients, settings: Settings) -> None:
    # GIVEN two events counted already
    placed, reserved = one_of_each_event()[:2]
    store = _store(aws, settings)
    await store.count([placed, reserved])
    # WHEN both come again, together
    # THEN both are answered as counted and nothing moves
    assert await store.count([reserved, placed]) == {placed.event_id, reserved.event_id}
    assert (await _reader(aws, settings).funnel("all")).counts["placed"] == 1


async def test_events_handled_together_share_one_transaction_and_a_duplicate_in_flight_counts_once(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN the group committer, and four orders' placed and reserved events
    groups = CountingGroups(_store(aws, settings))
    events = [e for _ in range(4) for e in one_of_each_event()[:2]]
    sent = _transactions(aws)
    # WHEN every event is handled twice at the same time (a duplicate delivery in the same receive)
    await asyncio.gather(*(groups.count(e) for e in [*events, *events]))
    # THEN one transaction counted them, each once
    assert sent() == 1
    counts = (await _reader(aws, settings).funnel("all")).counts
    assert (counts["placed"], counts["reserved"]) == (4, 4)
    # AND a later redelivery of all of them counts nothing (their markers cancel, then nothing is left)
    await asyncio.gather(*(groups.count(e) for e in events))
    counts = (await _reader(aws, settings).funnel("all")).counts
    assert (counts["placed"], counts["reserved"]) == (4, 4)


async def test_a_group_that_fails_fails_each_of_its_handlers_and_the_next_group_commits(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN a group committer whose first transaction cannot reach its table
    store = _store(aws, settings)
    groups = CountingGroups(store)
    store.table = "no-such-table"
    placed, reserved = one_of_each_event()[:2]
    # WHEN two events are handled together
    results = await asyncio.gather(groups.count(placed), groups.count(reserved), return_exceptions=True)
    # THEN both handlers fail (the runtime retries their messages), and nothing was counted
    assert all(isinstance(r, AwsError) for r in results), results
    assert (await _reader(aws, settings).funnel("all")).counts["placed"] == 0
    # AND their retries, once the table is back, count each once
    store.table = settings.table_name("analytics")
    await asyncio.gather(groups.count(placed), groups.count(reserved))
    counts = (await _reader(aws, settings).funnel("all")).counts
    assert (counts["placed"], counts["reserved"]) == (1, 1)


async def test_the_naive_shape_counts_each_event_once_too(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN the analytics worker in the benchmarks' naive shape (a separate processed record)
    await start_worker("analytics", idempotency_in_transaction=False)
    placed, reserved = one_of_each_event()[:2]
    publisher = EventPublisher(aws.events, settings.bus)
    # WHEN each event comes twice
    for _ in range(2):
        await publisher.publish([placed, reserved])
    reader = _reader(aws, settings)
    await _counts(reader, "all", {"placed": 1, "reserved": 1})
    await eventually(lambda: _drained(aws, settings), timeout=20, every=0.2)
    # THEN each is counted once and the order listed once
    counts = (await reader.funnel("all")).counts
    assert (counts["placed"], counts["reserved"]) == (1, 1)
    assert len((await reader.recent(limit=10)).orders) == 1
