"""Exactly one customer notification per order and piece of news, against the emulator: the
notification handler called directly (as the runtime would), sending through SES, read back from
the captured mailbox. The case that broke: an order cancelled OUT_OF_STOCK (or PAYMENT_DECLINED) and
also by its customer got two cancellation emails, even when the two events were handled together."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiobotocore.session import get_session

from orderflow.aws.clients import AwsClients
from orderflow.local.emulator import Emulator
from orderflow.ops.mail import mailbox
from orderflow.settings import Settings
from tests.support import cancellation_events, one_of_each_event
from workers.runtime import Retry
from workers.services.notification.email import SesChannel
from workers.services.notification.handlers import NotificationDeps, notify
from workers.services.notification.store import NotificationStore
from workers.services.simulation import FaultSwitch


def by_type(events: list[Any]) -> dict[str, Any]:
    return {e.event_type: e for e in events}


async def deliver(aws: AwsClients, settings: Settings, emulator: Emulator, batches: list[list[Any]]) -> None:
    """Each batch is handled concurrently (one receive of several messages), batches in turn; a
    delivery that asks to be retried (a duplicate of an event being sent) comes back after its batch,
    as the runtime would bring it back (sooner than its delay: the holder has finished by then)."""
    table = settings.table_name("notification")
    async with get_session().create_client("sesv2", region_name=settings.region, endpoint_url=emulator.url) as ses:
        deps = NotificationDeps(
            NotificationStore(aws.dynamodb, table),
            SesChannel(ses, str(settings.customer_email_sender)),
            FaultSwitch(aws.dynamodb, table, enabled=False),
        )
        for batch in batches:
            answers = await asyncio.gather(*(notify(event, deps) for event in batch), return_exceptions=True)
            again = [event for event, answer in zip(batch, answers, strict=True) if isinstance(answer, Retry)]
            assert not [a for a in answers if isinstance(a, BaseException) and not isinstance(a, Retry)], answers
            assert await asyncio.gather(*(notify(event, deps) for event in again)) == [[] for _ in again]


def outcomes_sent(emulator: Emulator, order_id: str) -> list[str]:
    return sorted(str(m.outcome) for m in mailbox(emulator.url) if m.order_id == order_id)


@pytest.mark.parametrize("failure", ["InventoryReservationFailed", "PaymentFailed"])
@pytest.mark.parametrize("arrival", ["failure first", "cancel first", "together", "together, each twice"])
async def test_a_business_cancellation_and_a_customer_cancel_send_one_cancellation_email(
    aws: AwsClients, settings: Settings, emulator: Emulator, failure: str, arrival: str
) -> None:
    # GIVEN an order that the saga cancels (out of stock, or declined) and its customer cancels too
    events = one_of_each_event()
    saga = by_type(events)
    placed, cause = saga["OrderPlaced"], saga[failure]
    cancelled = by_type(cancellation_events(placed))["OrderCancelled"]
    # WHEN notification hears both, in either order, or in one batch (with duplicate deliveries)
    batches = {
        "failure first": [[placed], [cause], [cancelled]],
        "cancel first": [[placed], [cancelled], [cause]],
        "together": [[placed], [cause, cancelled]],
        "together, each twice": [[placed], [cause, cancelled, cancelled, cause], [cancelled, cause]],
    }[arrival]
    await deliver(aws, settings, emulator, batches)
    # THEN the customer got one "received" email and one cancellation email, and the ledger agrees
    order_id = str(placed.data.order_id)
    sent = outcomes_sent(emulator, order_id)
    assert len(sent) == 2 and "OrderPlaced" in sent and set(sent) - {"OrderPlaced"} <= {failure, "OrderCancelled"}, sent
    if arrival in ("failure first", "cancel first"):
        assert sent == sorted(["OrderPlaced", failure if arrival == "failure first" else "OrderCancelled"])
    ledger = await aws.dynamodb.query(
        TableName=settings.table_name("notification"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ORDER#{order_id}"}},
        ConsistentRead=True,
    )
    assert sorted(i["outcome"]["S"] for i in ledger["Items"]) == sent


async def test_different_news_for_one_order_are_each_sent_once(
    aws: AwsClients, settings: Settings, emulator: Emulator
) -> None:
    # GIVEN a paid order that the customer cancels and is refunded: four pieces of news
    saga = by_type(one_of_each_event())
    cancel = by_type(cancellation_events(saga["OrderPlaced"]))
    news = [saga["OrderPlaced"], saga["PaymentCompleted"], cancel["OrderCancelled"], cancel["PaymentRefunded"]]
    # WHEN they arrive together, and again (a redelivery)
    await deliver(aws, settings, emulator, [news, news])
    # THEN each is sent once: only cancellations share one notification
    sent = outcomes_sent(emulator, str(saga["OrderPlaced"].data.order_id))
    assert sent == ["OrderCancelled", "OrderPlaced", "PaymentCompleted", "PaymentRefunded"]
