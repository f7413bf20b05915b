"""Fault injection against the emulator: each flavour does exactly what it says, and nothing is
injected unless ORDERFLOW_FAULTS is set."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from orderflow.aws.clients import AwsClients
from orderflow.aws.dynamo import to_attrs
from orderflow.aws.faults import FaultInjector, FaultSpecError, parse_faults
from orderflow.aws.publisher import EventPublisher
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import drain_queue, eventbridge_body, get_item, order_placed, queue_depth, queue_url
from workers.services.shipping.carrier import CarrierUnavailable, SimulatedCarrier

Faulty = Callable[[str], Awaitable[AwsClients]]


@pytest.fixture
async def faulty(settings: Settings, provisioned: Provisioned, tmp_path: Path) -> AsyncIterator[Faulty]:
    """Factory: clients with the given ORDERFLOW_FAULTS spec (and a ledger in tmp_path)."""
    opened: list[AwsClients] = []

    async def open_with(spec: str) -> AwsClients:
        update = {"faults": spec, "faults_seed": 7, "faults_ledger": tmp_path / "faults.jsonl"}
        clients = await AwsClients.open(settings.model_copy(update=update))
        opened.append(clients)
        return clients

    yield open_with
    for clients in opened:
        await clients.close()


def _put(table: str, pk: str) -> dict[str, object]:
    return {"Put": {"TableName": table, "Item": to_attrs({"pk": pk, "sk": "X"})}}


async def test_no_spec_means_no_injector_and_no_hooks(aws: AwsClients) -> None:
    assert aws.faults is None
    assert FaultInjector.from_spec(None) is None
    assert FaultInjector.from_spec("  ;  ") is None


async def test_before_fault_fails_the_call_and_nothing_is_written(
    faulty: Faulty, aws: AwsClients, settings: Settings
) -> None:
    # GIVEN TransactWriteItems failing before the call, always
    clients = await faulty("dynamodb.TransactWriteItems:before=1")
    table, pk = settings.table_name("payment"), f"T#{uuid.uuid4()}"
    # WHEN a transaction is written THEN the caller sees throttling or a 5xx...
    with pytest.raises(ClientError) as raised:
        await clients.dynamodb.transact_write_items(TransactItems=[_put(table, pk)])  # type: ignore[list-item]
    assert raised.value.response["Error"]["Code"] in ("ThrottlingException", "ServiceUnavailable")
    assert "injected fault" in str(raised.value)
    # ...and the item does not exist
    assert await get_item(aws, table, pk, "X") is None
    assert clients.faults is not None and clients.faults.counts["dynamodb.TransactWriteItems:before"] == 1


async def test_after_fault_reports_an_error_although_the_write_happened(
    faulty: Faulty, aws: AwsClients, settings: Settings, tmp_path: Path
) -> None:
    # GIVEN TransactWriteItems failing after the call, always
    clients = await faulty("dynamodb.TransactWriteItems:after=1")
    table, pk = settings.table_name("payment"), f"T#{uuid.uuid4()}"
    # WHEN a transaction is written THEN the caller sees an error (5xx or a read timeout)...
    with pytest.raises((ClientError, ReadTimeoutError)):
        await clients.dynamodb.transact_write_items(TransactItems=[_put(table, pk)])  # type: ignore[list-item]
    # ...yet the write is there: the nastiest case
    assert await get_item(aws, table, pk, "X") is not None
    [line] = (tmp_path / "faults.jsonl").read_bytes().splitlines()
    assert orjson.loads(line)["operation"] == "dynamodb.TransactWriteItems"
    assert orjson.loads(line)["flavour"] == "after"


async def test_putevents_partial_failure_reports_failed_entries_that_were_published(
    faulty: Faulty, aws: AwsClients, settings: Settings
) -> None:
    # GIVEN PutEvents reporting every entry failed although it was published
    clients = await faulty("events.PutEvents:partial=1")
    inventory = await queue_url(aws, settings.queue_name("inventory"))
    event = order_placed()
    entry = {"EventBusName": settings.bus, "Source": event.source, "DetailType": event.event_type}
    response = await clients.events.put_events(Entries=[{**entry, "Detail": event.to_json().decode()}])  # type: ignore[list-item]
    # THEN the response says failed, but the subscriber's queue has the event
    assert response["FailedEntryCount"] == 1
    assert response["Entries"][0]["ErrorCode"] == "InternalFailure"
    [delivered] = await drain_queue(aws, inventory)
    assert delivered["detail"]["eventId"] == str(event.event_id)


async def test_publisher_retries_partial_failures_so_the_bus_sees_duplicates(
    faulty: Faulty, aws: AwsClients, settings: Settings
) -> None:
    # GIVEN half of the entries of every PutEvents reported failed (seeded)
    clients = await faulty("events.PutEvents:partial=0.5")
    inventory = await queue_url(aws, settings.queue_name("inventory"))
    events = [order_placed() for _ in range(6)]
    # WHEN the publisher publishes them THEN it succeeds (retrying the "failed" ones)...
    await EventPublisher(clients.events, settings.bus).publish(events)
    delivered = [e["detail"]["eventId"] for e in await drain_queue(aws, inventory)]
    # ...and every event arrived, some more than once
    assert set(delivered) == {str(e.event_id) for e in events}
    assert len(delivered) == 6 + sum(clients.faults.counts.values())  # type: ignore[union-attr]
    assert len(delivered) > 6


async def test_receive_duplicate_sends_the_same_body_to_the_queue_again(
    faulty: Faulty, aws: AwsClients, settings: Settings
) -> None:
    clients = await faulty("sqs.ReceiveMessage:duplicate=1")
    url = await queue_url(aws, settings.queue_name("inventory"))
    body = eventbridge_body(order_placed())
    await aws.sqs.send_message(QueueUrl=url, MessageBody=body)
    first = await clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    assert [m["Body"] for m in first["Messages"]] == [body]
    # THEN a second copy is waiting: the same event, delivered again
    again = await aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    assert [m["Body"] for m in again["Messages"]] == [body]
    assert again["Messages"][0]["MessageId"] != first["Messages"][0]["MessageId"]


async def test_delete_after_fault_deleted_the_message_but_reports_an_error(
    faulty: Faulty, aws: AwsClients, settings: Settings
) -> None:
    clients = await faulty("sqs.DeleteMessageBatch:after=1;sqs.ReceiveMessage:before=1")
    url = await queue_url(aws, settings.queue_name("inventory"))
    await aws.sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(order_placed()))
    with pytest.raises(ClientError):
        await clients.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert await queue_depth(aws, url) == 1  # the before-fault received nothing
    [message] = (await aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1))["Messages"]
    with pytest.raises((ClientError, ReadTimeoutError)):
        await clients.sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": "0", "ReceiptHandle": message["ReceiptHandle"]}]
        )
    assert await queue_depth(aws, url) == 0


async def test_carrier_faults_fail_before_or_after_booking() -> None:
    reference = uuid.uuid4()
    before = SimulatedCarrier(faults=FaultInjector(parse_faults("carrier:before=1")))
    with pytest.raises(CarrierUnavailable, match="before booking"):
        await before.book(reference=reference, units=1)
    after = SimulatedCarrier(faults=FaultInjector(parse_faults("carrier:after=1")))
    with pytest.raises(CarrierUnavailable, match="booked, then"):
        await after.book(reference=reference, units=1)
    # The carrier deduplicates on the reference: a retry gets the same booking.
    assert await SimulatedCarrier().book(reference=reference, units=1) == await SimulatedCarrier().book(
        reference=reference, units=1
    )


def test_same_seed_same_faults() -> None:
    rules = parse_faults("carrier:before=0.3")
    one, two = FaultInjector(rules, seed=3), FaultInjector(rules, seed=3)
    assert [one.roll("carrier", "before") for _ in range(50)] == [two.roll("carrier", "before") for _ in range(50)]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sqs.ReceiveMessage:sometimes=0.1", "unknown flavour"),
        ("sqs.ReceiveMessage:before=2", "outside 0..1"),
        ("sqs.ReceiveMessage:before=lots", "not a probability"),
        ("dynamodb.PutItem:partial=0.1", "events.PutEvents only"),
        ("dynamodb.PutItem:duplicate=0.1", "sqs.ReceiveMessage only"),
        ("ReceiveMessage=0.1", "expected"),
    ],
)
def test_bad_specs_are_rejected_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        parse_faults(spec)


def test_bad_spec_stops_settings_naming_the_variable(settings: Settings) -> None:
    with pytest.raises(ValueError, match="faults"):
        Settings(faults="sqs.ReceiveMessage:before=7")


async def test_unknown_operation_is_rejected_when_clients_open(faulty: Faulty) -> None:
    with pytest.raises(FaultSpecError, match="no operation"):
        await faulty("sqs.ReceiveMessages:before=0.1")
