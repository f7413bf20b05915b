"""Healing a simulated technical failure (the seed's `simulateTechnicalFailure` lever)."""

from __future__ import annotations

import time
import uuid

from orderflow.aws.dynamo import to_attrs
from orderflow.ops.aws import client
from orderflow.settings import Settings
from workers.services.simulation import ALL_ORDERS, HEALED_PK


def heal(settings: Settings, service: str, order_id: uuid.UUID | None, *, endpoint_url: str | None) -> None:
    """Write the heal switch that FaultSwitch reads, in the service's own table."""
    table = settings.topology.service(service).table or service
    dynamodb = client(settings, "dynamodb", endpoint_url)
    item = {"pk": HEALED_PK, "sk": str(order_id) if order_id else ALL_ORDERS, "healedAt": int(time.time())}
    dynamodb.put_item(TableName=settings.table_name(table), Item=to_attrs(item))
