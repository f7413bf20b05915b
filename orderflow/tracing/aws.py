"""AWS SDK calls as child spans, through botocore's event hooks on our aiobotocore clients.

Written here because neither package does it for this client: opentelemetry-instrumentation-botocore
wraps botocore's synchronous `BaseClient._make_api_call`, which aiobotocore's client overrides, so it
records nothing for aiobotocore; aiobotocore-otel (its fork for aiobotocore) requires
aiobotocore < 3.10 and would downgrade ours. The hooks are botocore's public extension point, the
same the fault injector uses. A call is traced only under a recording span (a request or a handler):
idle long polls and shared batch flushes start no traces of their own.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

_TRACER = trace.get_tracer("orderflow.aws")
_KEY = "orderflow_span"


def instrument_client(client: Any) -> None:
    """Register the span hooks on one client (idempotent: unique ids per event name)."""
    service_id = client.meta.service_model.service_id.hyphenize()
    for stage, hook in (("before-call", _before), ("after-call", _after), ("after-call-error", _error)):
        client.meta.events.register(f"{stage}.{service_id}", hook, unique_id=f"orderflow-tracing-{stage}")


def _before(model: Any, context: dict[str, Any], **_: Any) -> None:
    if not trace.get_current_span().is_recording():
        return
    service = model.service_model.service_id
    context[_KEY] = _TRACER.start_span(
        f"{service}.{model.name}",
        kind=SpanKind.CLIENT,
        attributes={"rpc.system": "aws-api", "rpc.service": str(service), "rpc.method": model.name},
    )


def _after(http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    span = context.pop(_KEY, None)
    if span is None:
        return
    status = http_response.status_code
    span.set_attribute("http.response.status_code", status)
    request_id = parsed.get("ResponseMetadata", {}).get("RequestId")
    if request_id:
        span.set_attribute("aws.request_id", request_id)
    if status >= 300:
        span.set_status(Status(StatusCode.ERROR, str(parsed.get("Error", {}).get("Code", status))))
    span.end()


def _error(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    span = context.pop(_KEY, None)
    if span is None:
        return
    span.record_exception(exception)
    span.set_status(Status(StatusCode.ERROR, type(exception).__name__))
    span.end()
