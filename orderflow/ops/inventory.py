"""Stock as operators see it and change it: levels, reorder settings, open purchase orders, and
adjustments that travel as events through the bus (so the audit trail records them)."""

from __future__ import annotations

import getpass
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any, Literal

from boto3.dynamodb.types import TypeDeserializer

from orderflow.aws.dynamo import to_attrs
from orderflow.contracts.events import StockAdjustmentRequested, StockAdjustmentRequestedData
from orderflow.errors import OrderflowError
from orderflow.ops.aws import client
from orderflow.settings import Settings

_deserializer = TypeDeserializer()


class UnknownSku(OrderflowError):
    """The SKU is neither in the catalogue nor in stock."""


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items += [{k: _deserializer.deserialize(v) for k, v in raw.items()} for raw in page["Items"]]
    return items


def stock_levels(settings: Settings, endpoint_url: str | None) -> list[dict[str, Any]]:
    dynamodb = client(settings, "dynamodb", endpoint_url)
    prices = {i["sku"]: i["price"] for i in _scan(dynamodb, settings.table_name("catalogue")) if i["sk"] == "PRODUCT"}
    stock = {i["sku"]: i for i in _scan(dynamodb, settings.table_name("inventory")) if i["sk"] == "STOCK"}
    on_order: dict[str, list[int]] = defaultdict(list)
    for po in _scan(dynamodb, settings.table_name("replenishment")):
        if str(po["sk"]).startswith("PO#") and po.get("status") == "OPEN":
            on_order[str(po["sku"])].append(int(po["quantity"]))
    return [
        {
            "sku": sku,
            "price": _number(prices.get(sku)),
            "available": int(stock.get(sku, {}).get("available", 0)),
            "reorderPoint": _int(stock.get(sku, {}).get("reorderPoint")),
            "reorderQuantity": _int(stock.get(sku, {}).get("reorderQuantity")),
            "openPurchaseOrders": len(on_order[sku]),
            "onOrder": sum(on_order[sku]),
        }
        for sku in sorted(prices.keys() | stock.keys())
    ]


def request_adjustment(
    settings: Settings,
    endpoint_url: str | None,
    sku: str,
    mode: Literal["set", "restock"],
    quantity: int,
    *,
    reorder_point: int | None = None,
    reorder_quantity: int | None = None,
) -> StockAdjustmentRequested:
    """Publish the operator's request; inventory applies it (and the audit service records it)."""
    data = StockAdjustmentRequestedData(
        sku=sku,
        mode=mode,
        quantity=quantity,
        reorder_point=reorder_point,
        reorder_quantity=reorder_quantity,
        requested_by=_operator(),
    )
    dynamodb = client(settings, "dynamodb", endpoint_url)
    key = to_attrs({"pk": f"SKU#{sku}", "sk": "STOCK"})
    if "Item" not in dynamodb.get_item(TableName=settings.table_name("inventory"), Key=key, ConsistentRead=True):
        raise UnknownSku(f"unknown SKU {sku!r}: it has no stock record (see `orderflow inventory list`)")
    event = StockAdjustmentRequested.create(data, correlation_id=uuid.uuid4())
    response = client(settings, "events", endpoint_url).put_events(
        Entries=[
            {
                "EventBusName": settings.bus,
                "Source": event.source,
                "DetailType": event.event_type,
                "Detail": event.to_json().decode(),
            }
        ]
    )
    if response.get("FailedEntryCount"):
        raise OrderflowError(f"the bus refused the adjustment: {response['Entries'][0].get('ErrorMessage')}")
    return event


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:128]
    except (KeyError, OSError):  # no user name in a container without a passwd entry
        return "cli"


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
