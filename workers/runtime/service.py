"""What a service gives the runtime: plain async handlers keyed by event model, and its dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.contracts import Event
from orderflow.contracts.events import UnknownEventVersionError
from orderflow.settings import Settings

Outcome = Sequence[Event]
"""The events a handler wants published; the message is deleted once the bus accepted them all."""

Handler = Callable[[Any, Any], Awaitable[Outcome]]


@dataclass(frozen=True)
class ServiceContext:
    """What a service may build its dependencies from."""

    name: str
    settings: Settings
    aws: AwsClients


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    handlers: dict[type[Event], Handler]
    build_deps: Callable[[ServiceContext], Awaitable[Any]]
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def handler_for(self, event: Event) -> Handler:
        handler = self.handlers.get(type(event))
        if handler is None:
            handled = ", ".join(f"{m.EVENT_TYPE} v{m.EVENT_VERSION}" for m in self.handlers)
            raise UnknownEventVersionError(
                f"{self.name} does not handle {event.event_type} v{event.event_version} (handles {handled});"
                " check the topology's subscriptions"
            )
        return handler
