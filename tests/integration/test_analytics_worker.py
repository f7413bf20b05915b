"""The analytics service on the real runtime against the emulator: the console's funnel and
recent-orders index are kept from events alone, each event counted exactly once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.console.orders import OrderReader
from orderflow.settings import Settings
from tests.support import cancellation_events, eventually, one_of_each_event, queue_url
from workers.runtime.worker import Worker

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
