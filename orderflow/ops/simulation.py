"""Operator actions on a running platform that are simplest as synchronous boto3 calls."""

from __future__ import annotations

import time
import uuid

import boto3

from orderflow.aws.dynamo import to_attrs
from orderflow.settings import Settings
from workers.services.simulation import ALL_ORDERS, HEALED_PK


def heal(settings: Settings, service: str, order_id: uuid.UUID | None, *, endpoint_url: str | None) -> None:
    """Write the heal switch that FaultSwitch reads, in the service's own table."""
    table = settings.topology.service(service).table or service
    dynamodb = boto3.session.Session(region_name=settings.region).client("dynamodb", endpoint_url=endpoint_url)
    item = {"pk": HEALED_PK, "sk": str(order_id) if order_id else ALL_ORDERS, "healedAt": int(time.time())}
    dynamodb.put_item(TableName=settings.table_name(table), Item=to_attrs(item))
