"""Container fixtures: the image from this repository's Dockerfile, an emulator container, and
the API and workers running from that image on one Docker network, as in ECS.

Every fixture is session-scoped: the stack starts once for the module (the image build and
container starts dominate the run time) and is torn down by testcontainers afterwards.
The test module skips before any fixture runs when there is no Docker engine.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterator

import docker
import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.image import DockerImage
from testcontainers.core.network import Network

from tests.container.support import (
    API_PORT,
    AWS_ENV,
    MOTO_ALIAS,
    MOTO_IMAGE,
    MOTO_PORT,
    REPO_ROOT,
    base_url,
    container_logs,
    wait_for_http,
)


@pytest.fixture(scope="session", autouse=True)
def _collect_leaked_sockets() -> Iterator[None]:
    """Set up first, torn down last: after every container and network is gone, let the
    garbage collector close the sockets docker-py left open, with their ResourceWarnings
    silenced (outside a test they would surface as errors at the end of the session)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture(scope="session")
def orderflow_image() -> Iterator[str]:
    """The image under test: ORDERFLOW_TEST_IMAGE (CI builds it once with BuildKit), else
    built here from the repository's Dockerfile and removed afterwards."""
    prebuilt = os.environ.get("ORDERFLOW_TEST_IMAGE")
    if prebuilt:
        yield prebuilt
        return
    with DockerImage(path=REPO_ROOT, tag="orderflow:container-test", clean_up=True) as image:
        yield str(image)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture(scope="session")
def network() -> Iterator[Network]:
    with Network() as net:
        yield net


@pytest.fixture(scope="session")
def emulator(network: Network) -> Iterator[DockerContainer]:
    """moto's server, reachable from the other containers as http://moto:5000."""
    container = (
        DockerContainer(MOTO_IMAGE).with_network(network).with_network_aliases(MOTO_ALIAS).with_exposed_ports(MOTO_PORT)
    )
    with container:
        wait_for_http(f"{base_url(container, MOTO_PORT)}/moto-api/data.json", timeout=60, container=container)
        yield container


def orderflow_container(image: str, network: Network, *command: str) -> DockerContainer:
    """A container of the image under test; `command` follows ENTRYPOINT ["orderflow"], and
    none at all runs the image's default CMD."""
    container = DockerContainer(image).with_network(network)
    if command:
        container.with_command(list(command))
    for key, value in AWS_ENV.items():
        container.with_env(key, value)
    return container


def run_to_completion(image: str, network: Network, *command: str, timeout: int = 120) -> None:
    """Run a one-off `orderflow <command>` container and require exit code 0."""
    container = orderflow_container(image, network, *command)
    with container:
        result = container.get_wrapped_container().wait(timeout=timeout)
        code = result.get("StatusCode")
        assert code == 0, f"orderflow {' '.join(command)} exited {code}; logs:\n{container_logs(container)}"


@pytest.fixture(scope="session")
def provisioned(orderflow_image: str, network: Network, emulator: DockerContainer) -> None:
    """Bus, rules, queues, DLQs and tables from the image's topology.yaml, then the catalogue."""
    run_to_completion(orderflow_image, network, "provision", "--no-seed")
    run_to_completion(orderflow_image, network, "seed")


@pytest.fixture(scope="session")
def api(orderflow_image: str, network: Network, provisioned: None) -> Iterator[DockerContainer]:
    """The image's default command (`orderflow api`), ready once /readyz reaches the emulator."""
    container = orderflow_container(orderflow_image, network).with_exposed_ports(API_PORT)
    with container:
        wait_for_http(f"{base_url(container, API_PORT)}/readyz", timeout=60, container=container)
        yield container


@pytest.fixture(scope="session")
def api_url(api: DockerContainer) -> str:
    return base_url(api, API_PORT)


def start_worker(image: str, network: Network, service: str) -> DockerContainer:
    return orderflow_container(image, network, "worker", service).start()


@pytest.fixture(scope="session")
def inventory_worker(orderflow_image: str, network: Network, provisioned: None) -> Iterator[DockerContainer]:
    container = start_worker(orderflow_image, network, "inventory")
    yield container
    container.stop()


@pytest.fixture(scope="session")
def orders_worker(orderflow_image: str, network: Network, provisioned: None) -> Iterator[DockerContainer]:
    """The orders projector: it moves an order's status as the saga's events arrive."""
    container = start_worker(orderflow_image, network, "orders")
    yield container
    container.stop()
