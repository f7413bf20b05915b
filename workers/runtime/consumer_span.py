"""The worker's handler span: a recording span lighter than the SDK's, exported as the SDK's would be."""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Span, SpanContext, SpanKind, Status, StatusCode
from opentelemetry.util.types import Attributes, AttributeValue


class ConsumerSpan(Span):
    """A recording span that hands a `ReadableSpan` to the provider's processors when it ends.

    The SDK's own span validates every attribute value, builds a bounded attribute map, two
    bounded lists and a lock per span and copies itself into a `ReadableSpan` at the end: the
    handler span cost 19 µs per message with it, 12 with this one, and the traced worker path
    ~20 µs/msg less (docs/benchmarks.md, "The Worker's CPU on the keep-alive emulator"). The
    handler span's attributes are built from typed fields (str, int, float), so it keeps them in
    a plain dict. Sampling, ids and processors are the provider's: what is exported is
    what the SDK's span would have exported. Child spans (the handler's AWS calls) are SDK spans.
    """

    def __init__(
        self,
        tracer: SdkTracer,
        *,
        scope: InstrumentationScope,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        attributes: dict[str, AttributeValue],
    ) -> None:
        self._tracer = tracer
        self._scope = scope
        self._name = name
        self._context = context
        self._parent = parent
        self._attributes = attributes
        self._events: list[Event] = []
        self._status = Status(StatusCode.UNSET)
        self._start = time.time_ns()
        self._end: int | None = None

    def get_span_context(self) -> SpanContext:
        return self._context

    def is_recording(self) -> bool:
        return self._end is None

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        if self._end is None:
            self._attributes[key] = value

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        if self._end is None:
            self._attributes.update(attributes)

    def add_event(self, name: str, attributes: Attributes = None, timestamp: int | None = None) -> None:
        if self._end is None:
            self._events.append(Event(name, attributes, timestamp))

    def update_name(self, name: str) -> None:
        self._name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        """As the SDK's: OK is final, UNSET never overrides."""
        if self._end is not None or self._status.status_code is StatusCode.OK:
            return
        status = status if isinstance(status, Status) else Status(status, description)
        if status.status_code is not StatusCode.UNSET:
            self._status = status

    def record_exception(
        self,
        exception: BaseException,
        attributes: Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        kind = type(exception)
        named = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        recorded: dict[str, AttributeValue] = {
            "exception.type": named,
            "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)),
            "exception.escaped": str(escaped),
        }
        self.add_event("exception", {**recorded, **(attributes or {})}, timestamp)

    def end(self, end_time: int | None = None) -> None:
        if self._end is not None:
            return
        self._end = end_time if end_time is not None else time.time_ns()
        tracer = self._tracer
        tracer.span_processor.on_end(
            ReadableSpan(
                name=self._name,
                context=self._context,
                parent=self._parent,
                resource=tracer.resource,
                attributes=self._attributes,
                events=self._events,
                kind=SpanKind.CONSUMER,
                status=self._status,
                start_time=self._start,
                end_time=self._end,
                instrumentation_scope=self._scope,
            )
        )
