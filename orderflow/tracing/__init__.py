"""Distributed tracing (OpenTelemetry): one provider per process, W3C trace context in the envelope.

The API's request span, each worker's handler span and the AWS calls under them form one trace per
order: the producer stamps its span's context on the events it publishes (`stamp`), the consumer
continues from it (`context_of`). Nothing here ever fails a handler: a missing or malformed
context starts a new trace. docs/tracing.md says how it is set up locally and in AWS.
"""

from orderflow.tracing.propagation import context_of, detached_context, parent_of, stamp
from orderflow.tracing.setup import configure_tracing, trace_dir

__all__ = ["configure_tracing", "context_of", "detached_context", "parent_of", "stamp", "trace_dir"]
