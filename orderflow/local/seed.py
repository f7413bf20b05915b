"""The demo catalogue: the seed article's products, with prices and stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3

from orderflow.aws.dynamo import to_attrs
from orderflow.settings import Settings
from workers.services.inventory.store import stock_item

# sku -> (name, price in USD, units in stock)
CATALOGUE: dict[str, tuple[str, Decimal, int]] = {
    "LAPTOP-001": ("Laptop 14-inch", Decimal(850), 100),
    "MOUSE-002": ("Wireless mouse", Decimal(25), 500),
    "KEYBOARD-003": ("Mechanical keyboard", Decimal(75), 200),
    "MONITOR-004": ("27-inch monitor", Decimal(300), 50),
    "HEADSET-005": ("USB headset", Decimal("59.99"), 150),
}

# sku -> (reorder point, reorder quantity): when a reservation takes available stock to or below
# the point, inventory raises StockLow and replenishment orders the quantity.
REORDER: dict[str, tuple[int, int]] = {
    "LAPTOP-001": (20, 50),
    "MOUSE-002": (100, 200),
    "KEYBOARD-003": (40, 100),
    "MONITOR-004": (10, 25),
    "HEADSET-005": (30, 60),
}


def product_item(sku: str, name: str, price: Decimal, currency: str = "USD") -> dict[str, Any]:
    return {"pk": f"SKU#{sku}", "sk": "PRODUCT", "sku": sku, "name": name, "price": price, "currency": currency}


def seed(
    settings: Settings,
    *,
    endpoint_url: str | None = None,
    catalogue: dict[str, tuple[str, Decimal, int]] | None = None,
    dynamodb_url: str | None = None,
) -> int:
    """Write products and stock; returns how many SKUs were written. `dynamodb_url`: DynamoDB's
    own endpoint when it is served apart (default `endpoint_url`)."""
    session = boto3.session.Session(region_name=settings.region)
    dynamodb = session.client("dynamodb", endpoint_url=dynamodb_url or endpoint_url)
    products = catalogue or CATALOGUE
    for sku, (name, price, units) in products.items():
        dynamodb.put_item(TableName=settings.table_name("catalogue"), Item=to_attrs(product_item(sku, name, price)))
        point, quantity = REORDER.get(sku, (None, 0))
        stock = stock_item(sku, units, point, quantity)
        dynamodb.put_item(TableName=settings.table_name("inventory"), Item=to_attrs(stock))
    return len(products)
