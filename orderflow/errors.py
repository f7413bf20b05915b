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
