"""Helpers and settings shared by the container fixtures and tests."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from testcontainers.core.container import DockerContainer

REPO_ROOT = Path(__file__).resolve().parents[2]
# The emulator image, pinned; ORDERFLOW_TEST_MOTO_IMAGE overrides it (a mirror, a newer moto).
MOTO_IMAGE = os.environ.get("ORDERFLOW_TEST_MOTO_IMAGE", "motoserver/moto:5.2.3")
MOTO_ALIAS = "moto"
MOTO_PORT = 5000
API_PORT = 8080

# What every orderflow container gets: the emulator by its network alias, dummy credentials
# (moto accepts any; they keep botocore from looking for real ones) and local mode.
AWS_ENV = {
    "AWS_ENDPOINT_URL": f"http://{MOTO_ALIAS}:{MOTO_PORT}",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "ORDERFLOW_LOCAL_MODE": "true",
    "ORDERFLOW_DEV_API_KEY": "container-dev-key-8e1d4f2a",
}
# What the tests send to the API container (local mode accepts the dev key as client `dev`).
AUTH = {"Authorization": f"Bearer {AWS_ENV['ORDERFLOW_DEV_API_KEY']}"}


def container_logs(container: DockerContainer, limit: int = 6000) -> str:
    """The tail of a container's stdout and stderr, for assertion messages."""
    out, err = container.get_logs()
    text = (out + err).decode(errors="replace")
    return text[-limit:]


def wait_for_http(url: str, *, timeout: float, container: DockerContainer) -> None:
    """Poll `url` until it answers 200, or fail with the container's logs."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    pytest.fail(f"{url} not ready after {timeout:.0f} s ({last}); logs:\n{container_logs(container)}")


def base_url(container: DockerContainer, port: int) -> str:
    return f"http://{container.get_container_host_ip()}:{container.get_exposed_port(port)}"
