"""The worker's handler span: a recording span lighter than the SDK's, exported as the SDK's would be."""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping

from opentelemetry.sdk.trace import Event
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Span, SpanContext, SpanKind, Status, StatusCode
from opentelemetry.util.types import Attributes, AttributeValue

from orderflow.tracing.local import FlatSpan

_UNSET = Status(StatusCode.UNSET)  # immutable: shared by every span that sets no status


class ConsumerSpan(Span, FlatSpan):
    """A recording span that is its own `ReadableSpan`: when it ends, the provider's processors get
    the span itself.

    The SDK's own span validates every attribute value, builds a bounded attribute map, two
    bounded lists and a lock per span and copies itself into a `ReadableSpan` at the end: the
    handler span cost 19 µs per message with it, 12 with a plain-dict span that still made the
    copy, and ~11 without the copy (bench/findings.md, "Tracing overhead"). The handler span's
    attributes are built from typed fields (str, int, float), so it keeps them in a plain dict; once
    ended nothing changes it (as the SDK's span, every setter is ignored then), so processors may
    keep it. Sampling, ids and processors are the provider's: what is exported is what the SDK's
    span would have exported. Child spans (the handler's AWS calls) are SDK spans. Its ids in hex
    (`hex_ids`, the parent's as the traceparent spelled them) and its attribute dict are what the
    local span file writes (`FlatSpan`).
    """

    # ReadableSpan's fields that are the same for every handler span, as class attributes: fewer
    # stores per span. `_events` is replaced by a new list at each event (rare: a recorded exception).
    _kind = SpanKind.CONSUMER
    _instrumentation_info = None
    _links = ()
    _status = _UNSET
    _end_time: int | None = None
    _events: list[Event] | tuple[()] = ()

    def __init__(
        self,
        tracer: SdkTracer,
        *,
        scope: InstrumentationScope,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        attributes: dict[str, AttributeValue],
        hex_ids: tuple[str, str, str | None],
    ) -> None:
        # ReadableSpan's fields, set here rather than through its __init__ (a third of the span's start).
        self._name = name
        self._context = self._span_context = context
        self._instrumentation_scope = scope
        self._parent = parent
        self._attributes = self.attribute_dict = attributes  # the same dict, typed as ours to mutate
        self.hex_ids = hex_ids
        self._resource = tracer.resource
        self._processor = tracer.span_processor
        self._start_time = time.time_ns()

    def get_span_context(self) -> SpanContext:
        return self._span_context

    def is_recording(self) -> bool:
        return self._end_time is None

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        if self._end_time is None:
            self.attribute_dict[key] = value

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        if self._end_time is None:
            self.attribute_dict.update(attributes)

    def add_event(self, name: str, attributes: Attributes = None, timestamp: int | None = None) -> None:
        if self._end_time is None:
            self._events = [*self._events, Event(name, attributes, timestamp)]

    def update_name(self, name: str) -> None:
        if self._end_time is None:
            self._name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        """As the SDK's: OK is final, UNSET never overrides."""
        if self._end_time is not None or self._status.status_code is StatusCode.OK:
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
        if self._end_time is not None:
            return
        self._end_time = end_time if end_time is not None else time.time_ns()
        self._processor.on_end(self)
