"""The seed article's technical-failure lever, as a real technical failure.

An order placed with `simulateTechnicalFailure: <service>` makes that service raise a technical
error — retried with backoff, then the DLQ — until an operator heals it
(`orderflow simulate heal <service>`), after which a redrive completes the order. The heal
switch lives in the service's own table, so it survives restarts and works across tasks.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import to_attrs
from orderflow.contracts.events import Simulation
from orderflow.errors import AwsError
from workers.runtime.errors import SimulatedTechnicalFailure

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

HEALED_PK = "SIMULATION#HEALED"
ALL_ORDERS = "*"


class FaultSwitch:
    def __init__(self, client: DynamoDBClient, table: str, *, enabled: bool) -> None:
        self._client = client
        self._table = table
        self.enabled = enabled

    async def fail_if_asked(self, service: str, order_id: uuid.UUID, simulation: Simulation | None) -> None:
        if not self.enabled or simulation is None or service not in simulation.technical_failure:
            return
        if await self._healed(order_id):
            return
        raise SimulatedTechnicalFailure(
            f"simulated {service} failure for order {order_id}; heal with `orderflow simulate heal {service}`"
        )

    async def _healed(self, order_id: uuid.UUID) -> bool:
        keys = [to_attrs({"pk": HEALED_PK, "sk": sk}) for sk in (str(order_id), ALL_ORDERS)]
        try:
            response = await self._client.batch_get_item(
                RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading the fault switch failed: {exc}") from exc
        return bool(response.get("Responses", {}).get(self._table))

    async def heal(self, order_id: uuid.UUID | None = None) -> None:
        item = {"pk": HEALED_PK, "sk": str(order_id) if order_id else ALL_ORDERS, "healedAt": int(time.time())}
        await self._client.put_item(TableName=self._table, Item=to_attrs(item))
