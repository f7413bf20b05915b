"""An order's (or a SKU's) audit trail as operators read it: every event in stream order, with causes."""

from __future__ import annotations

from typing import Any

import orjson
from boto3.dynamodb.types import TypeDeserializer

from orderflow.aws.dynamo import to_attrs
from orderflow.ops.aws import client
from orderflow.settings import Settings

_deserializer = TypeDeserializer()


def trail(settings: Settings, endpoint_url: str | None, stream: str) -> list[dict[str, Any]]:
    """Stream positions in version order; `causedBy` is the position of the cause when it is in
    the same stream (None for a first event, or a cause in another stream)."""
    dynamodb = client(settings, "dynamodb", endpoint_url)
    entries: list[dict[str, Any]] = []
    pages = dynamodb.get_paginator("query").paginate(
        TableName=settings.table_name("audit"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
        ExpressionAttributeValues=to_attrs({":pk": f"STREAM#{stream}", ":v": "V#"}),
        ConsistentRead=True,
    )
    for page in pages:
        entries += [{k: _deserializer.deserialize(v) for k, v in raw.items()} for raw in page["Items"]]
    shown = [_entry(e) for e in entries]
    position = {str(e["eventId"]): e["version"] for e in shown}
    return [{**e, "causedBy": position.get(str(e["causationId"]))} for e in shown]


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    """A stream position as shown: its version (the sort key) and the event's envelope (the body)."""
    body = orjson.loads(item["body"])
    return {
        "version": int(str(item["sk"]).removeprefix("V#")),
        "eventId": body["eventId"],
        "eventType": body["eventType"],
        "eventVersion": int(body["eventVersion"]),
        "source": body["source"],
        "occurredAt": body["occurredAt"],
        "correlationId": body["correlationId"],
        "causationId": body.get("causationId"),
        "data": body.get("data"),
    }
