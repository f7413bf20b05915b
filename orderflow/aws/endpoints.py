"""Which endpoint a client of one AWS service uses: botocore's conventions, said once.

botocore reads AWS_ENDPOINT_URL for every service and AWS_ENDPOINT_URL_<SERVICE> for one service,
the latter winning. Local mode uses that to serve DynamoDB from an emulator process of its own
(orderflow.local.emulator); production code passes no endpoint and needs nothing from here.
"""

from __future__ import annotations

import os


def endpoint_variable(service: str) -> str:
    """botocore's service-specific endpoint variable, e.g. AWS_ENDPOINT_URL_DYNAMODB: it wins over
    AWS_ENDPOINT_URL for that service's clients, so production code needs no change."""
    return "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_").replace(" ", "_")


def service_endpoint(service: str, endpoint_url: str | None) -> str | None:
    """The endpoint for one service's client, given the one a caller passes explicitly.

    An explicit endpoint_url overrides botocore's variables, so a caller that forwards the global
    AWS_ENDPOINT_URL (the CLI, the ops tools) would send every service to the main emulator
    process; the service's own variable, when set, wins as it would without endpoint_url."""
    specific = os.environ.get(endpoint_variable(service))
    if specific and endpoint_url is not None and endpoint_url == os.environ.get("AWS_ENDPOINT_URL"):
        return specific
    return endpoint_url
