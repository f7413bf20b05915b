"""The shipping table: one shipment item per order, the place where a cancel races the carrier.

pk ORDER#{id} / sk SHIPMENT, `state`:
  BOOKING    claimed for the carrier (a cancel arriving now is refused: the parcel is going)
  BOOKED     the carrier booked it (shipmentId, carrier, trackingNumber, units)
  CANCELLED  a cancel claimed it first: this order is never booked

Whichever of the claim and the cancel writes first wins; the other finds the item and yields.
The item is also the processed-event record of what was decided on it (docs/architecture.md,
"Idempotency"): `bookEvent` / `bookAt`, `cancelEvent` / `cancelAt`, `refusedEvent` / `refusedAt`
name the event that decided and when its outcome occurred, so a redelivery republishes the same
outcome. Every change is one conditional write of this one item: no transaction.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, is_conditional_failure, to_attrs, write_if
from orderflow.errors import AwsError
from workers.services.shipping.carrier import Booking

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


def shipment_key(order_id: uuid.UUID) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": "SHIPMENT"}


class ShippingStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    async def shipment(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs(shipment_key(order_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading the shipment failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None

    async def claim_for_booking(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        """Claim the order for the carrier (again, for our own retry). None when we hold the claim;
        otherwise the item that stands (CANCELLED: a cancel won; BOOKED: already booked)."""
        try:
            await self._client.update_item(
                TableName=self.table,
                Key=to_attrs(shipment_key(order_id)),
                UpdateExpression="SET #state = :booking, orderId = :order, claimedAt = if_not_exists(claimedAt, :now)",
                ConditionExpression="attribute_not_exists(pk) OR #state = :booking",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_attrs(
                    {":booking": "BOOKING", ":order": str(order_id), ":now": int(time.time())}
                ),
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise AwsError(f"claiming the shipment failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"claiming the shipment failed: {exc}") from exc
        else:
            return None
        found = await self.shipment(order_id)
        if found is None:
            raise AwsError(f"shipment of {order_id} vanished after a failed claim")
        return found

    async def record_shipment(
        self, order_id: uuid.UUID, booking: Booking, units: int, *, event: uuid.UUID, at: datetime
    ) -> bool:
        """BOOKING -> BOOKED, with what the carrier answered. False: no longer BOOKING (a
        concurrent delivery of the same event recorded it first)."""
        values = {
            ":booked": "BOOKED",
            ":booking": "BOOKING",
            ":sid": booking.shipment_id,
            ":carrier": booking.carrier,
            ":tracking": booking.tracking_number,
            ":units": units,
            ":now": int(time.time()),
            ":event": str(event),
            ":at": at.isoformat(),
        }
        return await write_if(
            self._client,
            "update_item",
            "recording the shipment",
            TableName=self.table,
            Key=to_attrs(shipment_key(order_id)),
            UpdateExpression="SET #state = :booked, shipmentId = :sid, carrier = :carrier,"
            " trackingNumber = :tracking, units = :units, bookedAt = :now, bookEvent = :event, bookAt = :at",
            ConditionExpression="#state = :booking",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=to_attrs(values),
        )

    async def record_cancellation(self, order_id: uuid.UUID, *, event: uuid.UUID, at: datetime) -> bool:
        """The cancel's claim: only on an order nobody has claimed for the carrier. False: claimed."""
        item = {
            **shipment_key(order_id),
            "orderId": str(order_id),
            "state": "CANCELLED",
            "cancelledAt": int(time.time()),
            "cancelEvent": str(event),
            "cancelAt": at.isoformat(),
        }
        return await write_if(
            self._client,
            "put_item",
            "recording the cancel",
            TableName=self.table,
            Item=to_attrs(item),
            ConditionExpression="attribute_not_exists(pk)",
        )

    async def record_refusal(self, order_id: uuid.UUID, *, event: uuid.UUID, at: datetime) -> datetime:
        """Note on the claimed item that `event`'s cancel was refused; answers when it first was, so
        a redelivery refuses with the same time (the same body)."""
        try:
            response = await self._client.update_item(
                TableName=self.table,
                Key=to_attrs(shipment_key(order_id)),
                UpdateExpression="SET refusedEvent = if_not_exists(refusedEvent, :event),"
                " refusedAt = if_not_exists(refusedAt, :at)",
                ConditionExpression="attribute_exists(pk) AND #state <> :cancelled",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_attrs(
                    {":event": str(event), ":at": at.isoformat(), ":cancelled": "CANCELLED"}
                ),
                ReturnValues="ALL_NEW",
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"recording the refused cancel failed: {exc}") from exc
        return datetime.fromisoformat(str(from_attrs(response["Attributes"])["refusedAt"]))
