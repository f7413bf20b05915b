"""The event envelope carried in EventBridge's `detail`, and deterministic outcome ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

import orjson
from pydantic import AwareDatetime, Field, ValidationError, field_validator

from orderflow.contracts.base import Contract

# Namespace for outcome ids: uuid5(NAMESPACE, "{cause}:{service}:{outcome}").
OUTCOME_NAMESPACE = uuid.UUID("7c0f3a52-9d4b-5e1f-8a6c-2b3d4e5f6a7b")


def outcome_id(cause: uuid.UUID, service: str, outcome: str) -> uuid.UUID:
    """The same cause always yields the same outcome id, so a retried handler republishes
    an event that downstream deduplication recognises."""
    return uuid.uuid5(OUTCOME_NAMESPACE, f"{cause}:{service}:{outcome}")


def utcnow() -> datetime:
    return datetime.now(UTC)


class TraceContext(Contract):
    """W3C trace context (www.w3.org/TR/trace-context) of the span that produced the event.

    Free-form strings on purpose: the tracing layer parses them and ignores what does not parse,
    so a malformed header can never make a consumer reject an event.
    """

    traceparent: str = Field(description="W3C traceparent: version-traceid-parentid-flags.")
    tracestate: str | None = Field(default=None, description="W3C tracestate: vendor key=value pairs.")


class Event(Contract):
    """The versioned envelope. Subclasses pin `event_type`, `event_version`, `source` and `data`."""

    EVENT_TYPE: ClassVar[str]
    EVENT_VERSION: ClassVar[int]
    SOURCE: ClassVar[str]

    event_id: uuid.UUID
    event_type: str
    event_version: int = Field(ge=1)
    source: str
    occurred_at: AwareDatetime
    correlation_id: uuid.UUID = Field(description="The order's journey: every event of one order shares it.")
    causation_id: uuid.UUID | None = Field(default=None, description="The event that caused this one.")
    data: Contract
    trace_context: TraceContext | None = Field(
        default=None,
        description="Optional since v1 (a compatible addition, docs/contracts.md): where the trace goes on.",
    )

    @field_validator("trace_context", mode="before")
    @classmethod
    def _advisory_trace_context(cls, value: Any) -> Any:
        """Trace context is advisory: one that does not validate is dropped, never a reason to
        send the event to the DLQ (docs/tracing.md)."""
        if value is None or isinstance(value, TraceContext):
            return value
        try:
            return TraceContext.model_validate(value)
        except ValidationError:
            return None

    @classmethod
    def create(
        cls,
        data: Any,
        *,
        correlation_id: uuid.UUID,
        event_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Self:
        return cls(
            event_id=event_id or uuid.uuid4(),
            event_type=cls.EVENT_TYPE,
            event_version=cls.EVENT_VERSION,
            source=cls.SOURCE,
            occurred_at=occurred_at or utcnow(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            data=data,
        )

    @classmethod
    def caused_by(cls, cause: Event, data: Any, *, service: str, occurred_at: datetime | None = None) -> Self:
        """An outcome of `cause`, with a deterministic id and the cause's correlation. A service that
        rebuilds an outcome it published before passes the stored `occurred_at`: same id, same body."""
        return cls.create(
            data,
            event_id=outcome_id(cause.event_id, service, cls.EVENT_TYPE),
            correlation_id=cause.correlation_id,
            causation_id=cause.event_id,
            occurred_at=occurred_at,
        )

    def to_json(self) -> bytes:
        # Without trace context the wire form is exactly the one before the field existed, so a
        # consumer of the previous release still parses it (docs/contracts.md, "Rolling out").
        exclude = {"trace_context"} if self.trace_context is None else None
        return orjson.dumps(self.model_dump(mode="json", exclude=exclude))

    @property
    def order_id(self) -> uuid.UUID | None:
        """Every saga event is about one order; None only for events that are not."""
        value = getattr(self.data, "order_id", None)
        return value if isinstance(value, uuid.UUID) else None


EventModel = type[Event]
