"""The runtime's AWS request shapes: the optimised defaults and the naive switches the benchmarks use.

Both shapes must give the same business result; only the number and kind of requests differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from orderflow.aws.clients import AwsClients
from orderflow.aws.idempotency import ProcessedEvents
from orderflow.aws.publisher import EventPublisher
from orderflow.settings import Settings
from tests.support import drain_queue, eventually, get_item, order_placed, queue_depth, queue_url, stock
from workers.runtime.worker import Worker
from workers.services.inventory.store import InventoryStore

StartWorker = Callable[..., Awaitable[Worker]]

NAIVE = {
    "receive_batch_size": 1,
    "batch_deletes": False,
    "publish_batch_size": 1,
    "idempotency_in_transaction": False,
}


async def _reserve_three_orders(aws: AwsClients, settings: Settings, worker: Worker) -> list[dict[str, Any]]:
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("SKU-A", 10)
    orders = [order_placed([("SKU-A", 2)]) for _ in range(3)]
    await EventPublisher(aws.events, settings.bus).publish(orders)
    url = await queue_url(aws, settings.queue_name("orders"))
    seen: list[dict[str, Any]] = []

    async def all_reserved() -> list[dict[str, Any]] | None:
        seen.extend(await drain_queue(aws, url, wait=0))
        return seen if len(seen) >= 3 and worker.stats["handled"] >= 3 else None

    await eventually(all_reserved, timeout=20)
    table = settings.table_name("inventory")
    for placed in orders:
        record = await get_item(aws, table, f"EVENT#{placed.event_id}", "PROCESSED")
        carrier = await get_item(aws, table, f"ORDER#{placed.data.order_id}", "RESERVATION")
        carried = carrier is not None and carrier.get("processedEvent") == str(placed.event_id)
        assert (record is not None) != carried, "every applied event leaves one processed record"
    return seen


def _count_requests(worker: Worker) -> Counter[str]:
    """Every request the worker's clients send, by operation (a botocore hook, as the benchmarks use)."""
    sent: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        sent[model.name] += 1

    deps = worker._deps
    deps.processed._client.meta.events.register("before-call", count)
    worker._queue._client.meta.events.register("before-call", count)
    worker._publisher._client.meta.events.register("before-call", count)
    return sent


@pytest.mark.parametrize("shape", ["optimised", "naive"])
async def test_both_request_shapes_reserve_stock_once_per_order(
    aws: AwsClients, settings: Settings, start_worker: StartWorker, shape: str
) -> None:
    # GIVEN an inventory worker in one request shape
    worker = await start_worker("inventory", **(NAIVE if shape == "naive" else {}))
    sent = _count_requests(worker)
    # WHEN three orders are placed
    outcomes = await _reserve_three_orders(aws, settings, worker)
    # THEN the business result is the same: three reservations, stock 10 - 3 × 2
    assert sorted(o["detail-type"] for o in outcomes) == ["InventoryReserved"] * 3
    assert await stock(aws, settings, "SKU-A") == 4
    # AND the requests have the shape asked for
    if shape == "naive":
        assert await get_item(
            aws, settings.table_name("inventory"), f"EVENT#{outcomes[0]['detail']['causationId']}", "PROCESSED"
        )
        assert sent["DeleteMessage"] == 3 and sent["DeleteMessageBatch"] == 0
        assert sent["PutItem"] == 3, "the processed record is its own conditional put"
        assert sent["PutEvents"] == 3
        assert sent["GetItem"] == 3, "check-then-act: one pre-read of the processed record per message"
    else:
        # The deletes linger (delete_linger_seconds) after the handlers finish: wait for them to go out.
        inventory = await queue_url(aws, settings.queue_name("inventory"))
        await eventually(lambda: _empty(aws, inventory), timeout=10)
        assert sent["DeleteMessage"] == 0 and sent["DeleteMessageBatch"] >= 1
        assert sent["PutItem"] == 0, "the processed record rides on the reservation, in the state transaction"
        assert sent["GetItem"] == 0, "no pre-read: the transaction's condition on the record catches duplicates"
    assert sent["TransactWriteItems"] == 3


async def _empty(aws: AwsClients, url: str) -> bool | None:
    return await queue_depth(aws, url) == 0 or None


async def test_separate_record_answers_the_stored_outcome_on_a_duplicate(aws: AwsClients, settings: Settings) -> None:
    # GIVEN the naive idempotency shape and an event already applied
    processed = ProcessedEvents(aws.dynamodb, settings.table_name("inventory"), separate_record=True)
    placed = order_placed([("SKU-A", 1)])
    first = await processed.commit(placed.event_id, [], [placed])
    # WHEN the same event is committed again with a different outcome
    again = await processed.commit(placed.event_id, [], [])
    # THEN the first outcome stands
    assert [e.event_id for e in again] == [e.event_id for e in first] == [placed.event_id]


async def test_transactional_shape_answers_the_stored_outcome_on_a_duplicate_without_a_pre_read(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN the optimised shape and an event applied with a state change
    table = settings.table_name("inventory")
    processed = ProcessedEvents(aws.dynamodb, table)
    store = InventoryStore(aws.dynamodb, table)
    await store.put_stock("SKU-DUP", 5)
    placed = order_placed([("SKU-DUP", 2)])
    assert await processed.check_first(placed.event_id) is None
    units = {"SKU-DUP": 2}
    first = await processed.commit_on(
        placed.event_id, store.take(units), store.reservation_item(placed.data.order_id, units), [placed]
    )
    # WHEN a duplicate delivery skips the pre-read and tries the same change again
    assert await processed.check_first(placed.event_id) is None, "the transactional shape never pre-reads"
    again = await processed.commit_on(
        placed.event_id, store.take(units), store.reservation_item(placed.data.order_id, units), []
    )
    # THEN the first outcome is answered and the stock moved once
    assert [e.event_id for e in again] == [e.event_id for e in first] == [placed.event_id]
    assert await stock(aws, settings, "SKU-DUP") == 3


async def test_receive_batch_size_caps_each_receive(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    worker = await start_worker("inventory", receive_batch_size=1)
    asked: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        asked.append(params["MaxNumberOfMessages"])

    worker._queue._client.meta.events.register("provide-client-params.sqs.ReceiveMessage", record)
    await _reserve_three_orders(aws, settings, worker)
    assert asked and set(asked) == {1}
