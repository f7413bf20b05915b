"""The shipping table: at most one shipment per order."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from orderflow.aws.dynamo import to_attrs
from workers.services.shipping.carrier import Booking

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef


def shipment_key(order_id: uuid.UUID) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": "SHIPMENT"}


class ShippingStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def record_shipment(self, order_id: uuid.UUID, booking: Booking, units: int) -> TransactWriteItemTypeDef:
        item = {
            **shipment_key(order_id),
            "orderId": str(order_id),
            "shipmentId": booking.shipment_id,
            "carrier": booking.carrier,
            "trackingNumber": booking.tracking_number,
            "units": units,
            "bookedAt": int(time.time()),
        }
        return {
            "Put": {"TableName": self.table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}
        }
