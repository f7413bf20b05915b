"""Head sampling by ratio that still keeps the spans of failed handlers.

Unsampled traces are recorded (RECORD_ONLY) but not exported, so that when a handler fails its
spans can be exported after all; everything else of an unsampled trace is dropped when its local
root span ends. At ratio 1 (local mode) every span is sampled and none of this buffering happens.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult, TraceIdRatioBased
from opentelemetry.trace import Link, SpanContext, SpanKind, StatusCode, TraceFlags, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from orderflow.tracing.chain import starts_nothing

MAX_TRACES = 512  # unsampled traces buffered at once (the oldest is dropped first)
MAX_SPANS_PER_TRACE = 128
# A failed request or handler keeps its spans; a failed AWS call inside a handler that went on to
# succeed (a conditional write that found a duplicate) does not.
_WORK_KINDS = (SpanKind.CONSUMER, SpanKind.SERVER)


class RatioKeepingFailures(Sampler):
    """Follows a valid parent's decision; decides new traces by trace-id ratio. Never drops: what is
    not sampled is recorded only, for `KeepFailedSpans`."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(  # noqa: PLR0917 - the SDK's Sampler interface, called positionally
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        parent = get_current_span(parent_context).get_span_context()
        if parent.is_valid:
            sampled = self.follows(parent)
        else:
            by_ratio = self._ratio.should_sample(parent_context, trace_id, name, kind, attributes, links)
            sampled = by_ratio.decision is Decision.RECORD_AND_SAMPLE
        decision = Decision.RECORD_AND_SAMPLE if sampled else Decision.RECORD_ONLY
        return SamplingResult(decision, attributes, parent.trace_state if parent.is_valid else None)

    @staticmethod
    def follows(parent: SpanContext) -> bool:
        """The decision for a child of a valid `parent` (its trace state is kept too): a caller that
        holds the parent's span context asks this instead of `should_sample`, without a context."""
        return parent.trace_flags.sampled

    def get_description(self) -> str:
        return f"RatioKeepingFailures{{{self._ratio.get_description()}}}"


class KeepFailedSpans(SpanProcessor):
    """Passes sampled spans to `inner`; buffers unsampled ones per trace and passes them on only when
    a span of this process ends in error (a failed handler), else forgets them at the local root."""

    def __init__(self, inner: SpanProcessor) -> None:
        self._inner = inner
        self._held: OrderedDict[int, list[ReadableSpan]] = OrderedDict()

    @property
    def starts_nothing(self) -> bool:
        """As the processor it wraps (orderflow.tracing.chain.ProcessorChain)."""
        return starts_nothing(self._inner)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._inner.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        if context is None or context.trace_flags.sampled:
            self._inner.on_end(span)
            return
        held = self._held.setdefault(context.trace_id, [])
        if len(held) < MAX_SPANS_PER_TRACE:
            held.append(span)
        if len(self._held) > MAX_TRACES:
            self._held.popitem(last=False)
        if span.status.status_code is StatusCode.ERROR and span.kind in _WORK_KINDS:
            for kept in self._held.pop(context.trace_id, []):
                self._inner.on_end(_as_sampled(kept))
        elif span.parent is None or span.parent.is_remote:
            self._held.pop(context.trace_id, None)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def _as_sampled(span: ReadableSpan) -> ReadableSpan:
    """The same span flagged sampled: exporters (and BatchSpanProcessor) skip unsampled spans."""
    ctx = span.context
    assert ctx is not None  # checked by the caller
    flagged = SpanContext(ctx.trace_id, ctx.span_id, ctx.is_remote, TraceFlags(TraceFlags.SAMPLED), ctx.trace_state)
    return ReadableSpan(
        name=span.name,
        context=flagged,
        parent=span.parent,
        resource=span.resource,
        attributes=span.attributes,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )
