"""The provider's span processor chain, and which processors do nothing when a span starts."""

from __future__ import annotations

from opentelemetry.sdk.trace import SpanProcessor, SynchronousMultiSpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

# The SDK's processors whose `on_start` does nothing (exact types: a subclass may add one).
_SDK_NO_START = (SimpleSpanProcessor, BatchSpanProcessor, SpanProcessor)


def starts_nothing(processor: SpanProcessor) -> bool:
    """Whether the processor does nothing when a span starts: ours say so (`starts_nothing`), and the
    SDK's simple and batch processors do nothing there; anything else is assumed to do something."""
    return type(processor) in _SDK_NO_START or getattr(processor, "starts_nothing", False) is True


class ProcessorChain(SynchronousMultiSpanProcessor):
    """The provider's processors, called in order as the SDK's own chain calls them; it also knows
    whether any of them does anything when a span starts.

    The worker's handler span (workers/runtime/tracing.py) reads `starts_nothing` and, when none
    does, neither builds the parent context the processors' `on_start` takes nor calls the chain:
    ≈ 1 µs per handled message (bench/findings.md, "Tracing overhead"). A processor added later
    (tests add their own) is seen at once."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated
        self.starts_nothing = True

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        if not starts_nothing(span_processor):
            self.starts_nothing = False  # before it is in the chain: no span misses its on_start
        super().add_span_processor(span_processor)
