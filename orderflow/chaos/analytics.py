"""The analytics table accounted for: every funnel counter equals the events the orders' timelines hold.

Both sides keep each event once by its id (the orders projector's timeline entry, analytics' marker),
so after quiescence the TOTAL counter of each stage is exactly the number of timeline entries of the
stage's event type, and every order is listed once among the recent orders.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from orderflow.analytics_table import STAGES, TOTAL_KEY
from orderflow.aws.dynamo import from_attrs
from orderflow.chaos.accounting import Findings, Tables
from orderflow.ops.aws import client
from orderflow.settings import Settings


@dataclass
class Analytics:
    counted: Counter[str] = field(default_factory=Counter)  # stage -> its count in the TOTAL item
    listed: Counter[str] = field(default_factory=Counter)  # order id -> recent-orders entries

    @classmethod
    def read(cls, settings: Settings, endpoint_url: str) -> Analytics:
        dynamodb, read = client(settings, "dynamodb", endpoint_url), cls()
        paginator = dynamodb.get_paginator("scan")
        for page in paginator.paginate(TableName=settings.table_name("analytics"), ConsistentRead=True):
            for item in map(from_attrs, page["Items"]):
                pk, sk = str(item["pk"]), str(item["sk"])
                if (pk, sk) == (TOTAL_KEY["pk"], TOTAL_KEY["sk"]):
                    read.counted.update({stage: int(item.get(stage, 0)) for stage in STAGES.values()})
                elif pk.startswith("RECENT#"):
                    read.listed[str(item["orderId"])] += 1
        return read


def check_analytics(analytics: Analytics, tables: Tables, found: Findings) -> None:
    held = Counter(event_type for timeline in tables.timeline.values() for event_type in timeline)
    for event_type, stage in STAGES.items():
        if analytics.counted[stage] != held[event_type]:
            found.flag(
                "analytics miscounted",
                f"{stage}: counted {analytics.counted[stage]}, timelines hold {held[event_type]} {event_type}",
                abs(analytics.counted[stage] - held[event_type]),
            )
    for order_id in tables.orders.keys() | analytics.listed.keys():
        if analytics.listed[order_id] != 1:
            found.flag("analytics miscounted", f"{order_id} listed {analytics.listed[order_id]} times among recent")
