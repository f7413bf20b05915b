"""Stock as operators see it: every catalogue SKU with its price and the units still reservable."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from orderflow.ops.aws import client
from orderflow.settings import Settings

_deserializer = TypeDeserializer()


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items += [{k: _deserializer.deserialize(v) for k, v in raw.items()} for raw in page["Items"]]
    return items


def stock_levels(settings: Settings, endpoint_url: str | None) -> list[dict[str, Any]]:
    dynamodb = client(settings, "dynamodb", endpoint_url)
    prices = {i["sku"]: i["price"] for i in _scan(dynamodb, settings.table_name("catalogue")) if i["sk"] == "PRODUCT"}
    stock = {
        i["sku"]: int(i["available"]) for i in _scan(dynamodb, settings.table_name("inventory")) if i["sk"] == "STOCK"
    }
    return [
        {"sku": sku, "price": _number(prices.get(sku)), "available": stock.get(sku, 0)}
        for sku in sorted(prices.keys() | stock.keys())
    ]


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
