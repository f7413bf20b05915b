"""Errors shared by every orderflow package."""


class OrderflowError(Exception):
    """Base of every error orderflow raises on purpose."""


class TopologyError(OrderflowError):
    """The topology file is missing, malformed, or refers to something that does not exist."""


class ConfigurationError(OrderflowError):
    """A setting is missing or inconsistent."""


class AwsError(OrderflowError):
    """An AWS call failed for a technical reason (throttling, 5xx, network); worth retrying."""


class PublishError(AwsError):
    """The event bus did not accept every event after retries."""


PROBLEM_JSON = "application/problem+json"


class ProblemError(OrderflowError):
    """An error an HTTP surface (the order API, the console) answers as an RFC 9457 problem: a status
    and a title per kind of error, a detail per case."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def problem_body(
    status: int, title: str, detail: str, *, instance: str | None = None, errors: list[dict[str, str]] | None = None
) -> dict[str, object]:
    """The problem+json body both HTTP surfaces answer with (orderflow.contracts.api.Problem's shape)."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body
