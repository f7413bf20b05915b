"""boto3 clients for operator tools, pointed at AWS or at an emulator."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from orderflow.aws.endpoints import service_endpoint
from orderflow.settings import Settings


def client(settings: Settings, service: str, endpoint_url: str | None, *, attempts: int = 3) -> Any:
    """`endpoint_url` as the CLI resolved it; a service's own endpoint variable, when set, still
    wins (orderflow.aws.endpoints.service_endpoint)."""
    return boto3.session.Session(region_name=settings.region).client(
        service,
        endpoint_url=service_endpoint(service, endpoint_url),
        config=Config(retries={"mode": "standard", "max_attempts": attempts}),
    )
