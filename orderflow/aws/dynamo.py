"""DynamoDB helpers: plain dicts in, AttributeValues out, and errors translated at the boundary."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from orderflow.errors import AwsError

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attrs(item: Mapping[str, Any]) -> dict[str, Any]:
    """Python values (str, int, Decimal, bool, list, dict, None) -> DynamoDB AttributeValues."""
    return {key: _serializer.serialize(_normalise(value)) for key, value in item.items()}


def from_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in attrs.items()}


def _normalise(value: Any) -> Any:
    # boto3's serializer refuses float; money and counts are Decimal or int here anyway.
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_conditional_failure(exc: ClientError) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def cancellation_codes(exc: ClientError) -> list[str]:
    """Per-item reason codes of a cancelled TransactWriteItems ("None" for items that were fine)."""
    if error_code(exc) != "TransactionCanceledException":
        return []
    reasons = exc.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


async def write_if(client: Any, operation: str, what: str, **request: Any) -> bool:
    """One conditional single-item write (`put_item`, `update_item`, `delete_item`): True when it
    was made, False when its condition failed; any other failure is an AwsError (technical)."""
    try:
        await getattr(client, operation)(**request)
    except ClientError as exc:
        if is_conditional_failure(exc):
            return False
        raise AwsError(f"{what} failed: {exc}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"{what} failed: {exc}") from exc
    return True
