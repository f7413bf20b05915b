"""What the routes need, built once per process in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

from api.outbox import OutboxRelay
from api.store import OrdersStore
from orderflow.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_events import EventBridgeClient


@dataclass(frozen=True)
class ApiDeps:
    settings: Settings
    store: OrdersStore
    relay: OutboxRelay
    events: EventBridgeClient


def get_deps(request: Request) -> ApiDeps:
    deps: ApiDeps = request.app.state.deps
    return deps
