"""Billed units per AWS request, by the published pricing rules (estimated client-side).

- SQS: every API request is billed; each 64 KiB chunk of a request's payload is one request.
- EventBridge PutEvents: billed per event; each 64 KiB chunk of an entry is one event.
- DynamoDB on demand: a write costs 1 WRU per 1 KiB of item (rounded up); a transactional write
  twice that; a strongly consistent read 1 RRU per 4 KiB (eventually consistent: half); a
  transactional read twice. Query and BatchGetItem sum their items, rounded up per call / item.
  Item size = attribute names + values (numbers ≈ 1 byte per 2 digits + 1). For UpdateItem the
  item is not visible client-side: its key plus the values written stand in (≥ 1 WRU) — an
  under-estimate for large items, said so in docs/benchmarks.md.
"""

from __future__ import annotations

import math
from typing import Any

CHUNK = 64 * 1024


def value_size(value: dict[str, Any]) -> int:
    (kind, raw), *_ = value.items()
    if kind in ("S", "B"):
        size = len(raw.encode() if isinstance(raw, str) else raw)
    elif kind == "N":
        size = len(str(raw).lstrip("-").replace(".", "")) // 2 + 1
    elif kind == "L":
        size = 3 + sum(value_size(v) + 1 for v in raw)
    elif kind == "M":
        size = 3 + sum(len(k) + value_size(v) + 1 for k, v in raw.items())
    elif kind in ("SS", "NS", "BS"):
        size = sum(len(str(v)) for v in raw)
    else:  # BOOL, NULL
        size = 1
    return size


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _wru(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _rru(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def _write_size(op: dict[str, Any]) -> int:
    if "Item" in op:
        return item_size(op["Item"])
    return item_size(op.get("Key", {})) + item_size(op.get("ExpressionAttributeValues", {}))


def dynamodb_units(operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> dict[str, float]:
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return {"WRU": _wru(_write_size(params))}
    if operation == "TransactWriteItems":
        wru = 0
        for entry in params.get("TransactItems", []):
            (kind, op), *_ = entry.items()
            wru += 2 * (1 if kind == "ConditionCheck" else _wru(_write_size(op)))
        return {"WRU": wru}
    return {"RRU": _read_units(operation, params, parsed)} if "Get" in operation or operation == "Query" else {}


def _read_units(operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return _rru(item_size(parsed.get("Item", {})), consistent)
    if operation == "Query":
        return _rru(sum(item_size(i) for i in parsed.get("Items", [])), consistent)
    if operation == "TransactGetItems":
        return sum(2 * _rru(item_size(r.get("Item", {})), True) for r in parsed.get("Responses", []))
    rru = 0.0  # BatchGetItem
    for table, items in parsed.get("Responses", {}).items():
        table_consistent = bool(params.get("RequestItems", {}).get(table, {}).get("ConsistentRead"))
        rru += sum(_rru(item_size(i), table_consistent) for i in items)
    return rru


def _json_size(value: Any) -> int:
    return len(str(value).encode())


def billed_units(service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> dict[str, float]:
    """Units of one call, keyed "service.Operation.unit"."""
    key = f"{service}.{operation}"
    if service == "sqs":
        entries = params.get("Entries") or [params]
        payload = sum(len(str(e.get("MessageBody", ""))) for e in entries)
        return {f"{key}.requests": max(1, math.ceil(payload / CHUNK))}
    if service == "events" and operation == "PutEvents":
        events = sum(max(1, math.ceil(_json_size(e.get("Detail", "")) / CHUNK)) for e in params.get("Entries", []))
        return {f"{key}.events": events}
    if service == "dynamodb":
        return {f"{key}.{unit}": n for unit, n in dynamodb_units(operation, params, parsed).items()}
    return {f"{key}.requests": 1}


# USD per million billed units, us-east-1, as published (pages and the date used: PRICING_SOURCE).
PRICE_PER_MILLION = {
    "SQS requests": 0.40,  # standard queue, first 100 billion requests a month
    "EventBridge events": 1.00,  # custom events published (PutEvents), per 64 KiB chunk
    "DynamoDB WRU": 0.625,  # on-demand write request units, standard table class
    "DynamoDB RRU": 0.125,  # on-demand read request units, standard table class
}
PRICING_SOURCE = (
    "AWS on-demand list prices, us-east-1, used on 2026-12-02: https://aws.amazon.com/sqs/pricing/ ($0.40 per "
    "million standard requests), https://aws.amazon.com/eventbridge/pricing/ ($1.00 per million custom events), "
    "https://aws.amazon.com/dynamodb/pricing/on-demand/ ($0.625 per million WRU, $0.125 per million RRU). The "
    "AWS pages themselves were not in the stored corpus; these are the rates as known, matching third-party "
    "2026 summaries of them (cloudburn.io SQS and EventBridge guides, March 2026; airbyte.com DynamoDB pricing)"
)


def dollars_per_million(per_order: dict[str, float]) -> float:
    """USD per million orders of the billed units per order (keys as in PRICE_PER_MILLION)."""
    return sum(per_order.get(unit, 0.0) * price for unit, price in PRICE_PER_MILLION.items())
