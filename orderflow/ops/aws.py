"""boto3 clients for operator tools, pointed at AWS or at an emulator."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from orderflow.settings import Settings


def client(settings: Settings, service: str, endpoint_url: str | None, *, attempts: int = 3) -> Any:
    """`endpoint_url` as the CLI resolved it; a split local emulator serves some services on their
    own endpoint (orderflow.local.emulator.service_endpoint)."""
    from orderflow.local.emulator import service_endpoint  # noqa: PLC0415 - only with an emulator

    return boto3.session.Session(region_name=settings.region).client(
        service,
        endpoint_url=service_endpoint(service, endpoint_url),
        config=Config(retries={"mode": "standard", "max_attempts": attempts}),
    )
