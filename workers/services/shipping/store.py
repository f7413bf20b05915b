"""The shipping table: one shipment item per order, the place where a cancel races the carrier.

pk ORDER#{id} / sk SHIPMENT, `state`:
  BOOKING    claimed for the carrier (a cancel arriving now is refused: the parcel is going)
  BOOKED     the carrier booked it (shipmentId, carrier, trackingNumber, units)
  CANCELLED  a cancel claimed it first: this order is never booked

Whichever of the claim and the cancel writes first wins; the other finds the item and yields.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, is_conditional_failure, to_attrs
from orderflow.errors import AwsError
from workers.services.shipping.carrier import Booking

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef


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

    def record_shipment(self, order_id: uuid.UUID, booking: Booking, units: int) -> TransactWriteItemTypeDef:
        """BOOKING -> BOOKED, with what the carrier answered."""
        values = {
            ":booked": "BOOKED",
            ":booking": "BOOKING",
            ":sid": booking.shipment_id,
            ":carrier": booking.carrier,
            ":tracking": booking.tracking_number,
            ":units": units,
            ":now": int(time.time()),
        }
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_attrs(shipment_key(order_id)),
                "UpdateExpression": "SET #state = :booked, shipmentId = :sid, carrier = :carrier,"
                " trackingNumber = :tracking, units = :units, bookedAt = :now",
                "ConditionExpression": "#state = :booking",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": to_attrs(values),
            }
        }

    def record_cancellation(self, order_id: uuid.UUID) -> TransactWriteItemTypeDef:
        """The cancel's claim: only on an order nobody has claimed for the carrier."""
        item = {
            **shipment_key(order_id),
            "orderId": str(order_id),
            "state": "CANCELLED",
            "cancelledAt": int(time.time()),
        }
        return {
            "Put": {"TableName": self.table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}
        }
