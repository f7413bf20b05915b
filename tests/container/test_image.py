"""The production image, run the way ECS runs it: API and workers as containers against an
emulator container. Runs in GitHub Actions (ci.yml, job `docker`); skipped where there is no
Docker engine, which is every machine of this project's own CI."""

from __future__ import annotations

import gc
import os
import time
import warnings

import docker
import httpx
import pytest
import requests
from testcontainers.core.container import DockerContainer

from tests.container.support import AUTH, container_logs


def docker_engine_answers() -> bool:
    """True when the engine that DOCKER_HOST (or the default socket) names answers a ping.
    The docker CLI being installed proves nothing: these machines have it without a daemon."""
    with warnings.catch_warnings():
        # docker-py leaves the socket of a refused connection to the garbage collector, whose
        # ResourceWarning would otherwise surface later as an error (warnings are errors here).
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            client = docker.from_env(timeout=5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (docker.errors.DockerException, requests.exceptions.RequestException, OSError):
            return False
        finally:
            gc.collect()


DOCKER_ENGINE = docker_engine_answers()
if not DOCKER_ENGINE and os.environ.get("ORDERFLOW_REQUIRE_DOCKER"):
    pytest.fail("ORDERFLOW_REQUIRE_DOCKER is set but no Docker engine answers", pytrace=False)

# skipif rather than a module-level skip: the tests are still collected (and reported as
# skipped), so running only this suite exits 0 instead of pytest's "no tests collected".
# The timeout: building the image (when CI has not built it already) and starting the stack
# are paid by the first test; the project-wide 120 s per-test timeout is too short for that.
# ResourceWarning: docker-py and testcontainers leave some sockets to the garbage collector;
# what this suite must clean up is containers and networks, which testcontainers removes.
pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(not DOCKER_ENGINE, reason="no Docker engine"),
    pytest.mark.timeout(900),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

ORDER = {
    "customerEmail": "student@example.com",
    "currency": "USD",
    "items": [{"sku": "LAPTOP-001", "quantity": 1, "price": 850}],
}


def exec_in(container: DockerContainer, *command: str) -> tuple[int, str]:
    """Run a command inside a running container (no ENTRYPOINT): exit code and output."""
    result = container.get_wrapped_container().exec_run(list(command))
    return result.exit_code, result.output.decode(errors="replace")


def test_image_declares_a_non_root_numeric_user(orderflow_image: str, docker_client: docker.DockerClient) -> None:
    # GIVEN the built image
    config = docker_client.images.get(orderflow_image).attrs["Config"]

    # THEN it runs as a numeric, non-root uid (what ECS and runAsNonRoot can verify)
    user = config.get("User") or ""
    uid = user.split(":", 1)[0]
    assert uid.isdigit(), f"USER should be numeric, is {user!r}"
    assert int(uid) != 0
    assert config["Entrypoint"] == ["orderflow"]
    assert config["Cmd"] == ["api"]


def test_api_container_process_is_not_root(api: DockerContainer) -> None:
    # WHEN we ask the running API container who it is
    code, output = exec_in(api, "python", "-c", "import os; print(os.getuid(), os.getgid())")

    # THEN it is not root
    assert code == 0, output
    uid, gid = (int(part) for part in output.split())
    assert uid != 0
    assert gid != 0


def test_image_healthcheck_passes_in_the_api_container(
    api: DockerContainer, orderflow_image: str, docker_client: docker.DockerClient
) -> None:
    # GIVEN the HEALTHCHECK command baked into the image
    test = docker_client.images.get(orderflow_image).attrs["Config"]["Healthcheck"]["Test"]
    assert test[0] == "CMD", test

    # WHEN it runs inside the API container
    code, output = exec_in(api, *test[1:])

    # THEN the API is healthy
    assert code == 0, f"{output}\nlogs:\n{container_logs(api)}"


def test_worker_health_command_is_healthy_once_the_worker_polls(inventory_worker: DockerContainer) -> None:
    # GIVEN a running inventory worker; WHEN ECS's health check command runs inside it
    deadline = time.monotonic() + 60
    code, output = exec_in(inventory_worker, "orderflow", "health", "inventory")
    while code != 0 and time.monotonic() < deadline:
        time.sleep(1)
        code, output = exec_in(inventory_worker, "orderflow", "health", "inventory")

    # THEN it exits 0 (the worker's heartbeat is fresh)
    assert code == 0, f"{output}\nlogs:\n{container_logs(inventory_worker)}"


def test_order_placed_through_the_api_reaches_stock_reserved(
    api_url: str, inventory_worker: DockerContainer, orders_worker: DockerContainer
) -> None:
    # WHEN a customer places an order for a laptop in stock
    response = httpx.post(f"{api_url}/orders", json=ORDER, headers=AUTH, timeout=10)

    # THEN the API accepts it
    assert response.status_code == 202, response.text
    order_id = response.json()["orderId"]

    # AND the inventory worker reserves the stock and the orders projector records it
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        view = httpx.get(f"{api_url}/orders/{order_id}", headers=AUTH, timeout=10)
        assert view.status_code == 200, view.text
        status = view.json()["status"]
        if status == "STOCK_RESERVED":
            break
        time.sleep(1)
    assert status == "STOCK_RESERVED", (
        f"order {order_id} is {status} after 60 s\n"
        f"inventory logs:\n{container_logs(inventory_worker)}\norders logs:\n{container_logs(orders_worker)}"
    )
