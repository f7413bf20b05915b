"""Billed units per AWS request, by the published pricing rules (estimated client-side).

- SQS: every API request is billed; each 64 KiB chunk of a request's payload is one request.
- EventBridge PutEvents: billed per event; each 64 KiB chunk of an entry is one event.
- DynamoDB on demand: a write costs 1 WRU per 1 KiB of item (rounded up); a transactional write
  twice that; a strongly consistent read 1 RRU per 4 KiB (eventually consistent: half); a
  transactional read twice. Query and BatchGetItem sum their items, rounded up per call / item.
  Item size = attribute names + values (numbers ≈ 1 byte per 2 digits + 1).
- An update (UpdateItem, or an Update inside a transaction) bills the larger of the item before and
  after, which a client does not see: it is counted as "updated TABLE KIND" and priced after the run
  by `settle_updates` at the largest item of that table and kind then (items here only grow, so
  that bounds every update from above).
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
    return item_size(op["Item"]) if "Item" in op else item_size(op.get("Key", {}))


def item_kind(table: str, sk: str) -> str:
    """'TABLE KIND': the table's short name and the sort key's prefix (digits: a time bucket)."""
    prefix = sk.split("#", maxsplit=1)[0]
    return f"{table.rsplit('-', 1)[-1]} {'(time bucket)' if prefix[:1].isdigit() else prefix}"


def _updated(op: dict[str, Any]) -> str:
    return "updated " + item_kind(op["TableName"], op["Key"]["sk"]["S"])


def dynamodb_units(operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> dict[str, float]:
    if operation == "UpdateItem":
        return {_updated(params): 1}
    if operation in ("PutItem", "DeleteItem"):
        return {"WRU": _wru(_write_size(params))}
    if operation == "TransactWriteItems":
        units: dict[str, float] = {"WRU": 0}
        for entry in params.get("TransactItems", []):
            (kind, op), *_ = entry.items()
            if kind == "Update":
                units[_updated(op)] = units.get(_updated(op), 0) + 2  # transactional: twice
            else:
                units["WRU"] += 2 * (1 if kind == "ConditionCheck" else _wru(_write_size(op)))
        return units
    return {"RRU": _read_units(operation, params, parsed)} if "Get" in operation or operation == "Query" else {}


def settle_updates(units: dict[str, float], largest: dict[str, int]) -> dict[str, float]:
    """`units` with every "SERVICE.OPERATION.updated TABLE KIND" count priced as WRU at the largest
    item of that kind (bench.stack.item_sizes after the run; 1 WRU where the kind left no item)."""
    settled: dict[str, float] = {}
    for key, n in units.items():
        head, _, unit = key.rpartition(".")
        if unit.startswith("updated "):
            wru = f"{head}.WRU"
            settled[wru] = settled.get(wru, 0) + n * _wru(largest.get(unit.removeprefix("updated "), 0))
        else:
            settled[key] = settled.get(key, 0) + n
    return settled


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
