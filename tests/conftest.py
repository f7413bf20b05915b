"""Shared fixtures: a real moto server over HTTP, provisioned from the real topology file.

Factories clean up after themselves; every AWS call goes through the same aiobotocore/boto3
code paths that production uses, pointed at the emulator by AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from orderflow.aws.clients import AwsClients
from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port
from orderflow.local.provision import Provisioned, provision
from orderflow.local.seed import seed
from orderflow.settings import Settings
from workers.bootstrap import build_worker
from workers.runtime.worker import Worker


def pytest_configure(config: pytest.Config) -> None:
    """Tests never touch a developer's local state folder (workers' status files, supervisor.json):
    every process a test starts inherits a throwaway one unless the test gives its own."""
    os.environ["ORDERFLOW_STATE_DIR"] = tempfile.mkdtemp(prefix="orderflow-test-state-")


# Tests that must share one worker under pytest-xdist (`make test` runs two), by folder: the
# Terraform checks share one synced workspace and one plan per environment (tests/infra/conftest.py),
# and one applied environments/dev (read by the console's AWS source, then destroyed); the end-to-end tests share one
# `orderflow dev` stack (tests/e2e/conftest.py). Each group is one lane; the rest fill both.
XDIST_GROUPS = {
    "tests/infra/": "terraform",
    "tests/e2e/": "stack",
}


def _group(item: pytest.Item) -> str | None:
    path = item.path.as_posix()
    return next((group for prefix, group in XDIST_GROUPS.items() if f"/{prefix}" in path), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each grouped test with its xdist group, and put the groups first, longest lane first:
    xdist hands out work in collection order, so the long lanes start at once and the short tests
    fill in around them."""
    order = {group: rank for rank, group in enumerate(dict.fromkeys(XDIST_GROUPS.values()))}
    for item in items:
        if group := _group(item):
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: order.get(_group(item) or "", len(order)))


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One moto server for the session, on a free 127.0.0.1 port."""
    saved = {k: os.environ.get(k) for k in (*LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL")}
    os.environ.update(LOCAL_CREDENTIALS)
    server = Emulator(free_port()).start()
    os.environ["AWS_ENDPOINT_URL"] = server.url
    yield server
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def settings(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Local-mode settings with fast retries, as `orderflow dev` uses."""
    return Settings(
        local_mode=True,
        heartbeat_dir=tmp_path_factory.mktemp("heartbeat"),
        state_dir=tmp_path_factory.mktemp("state"),
        backoff_base_seconds=1,
        # Stopping waits up to half the deadline for long polls in progress (they would steal
        # released messages if cancelled); 4 s keeps every test's teardown under 2 s of that.
        shutdown_deadline_seconds=4,
        outbox_sweep_seconds=0.5,
    )


@pytest.fixture
def provisioned(emulator: Emulator, settings: Settings) -> Provisioned:
    """A clean emulator with every resource of the topology and the demo catalogue."""
    emulator.reset()
    done = provision(settings, endpoint_url=emulator.url)
    seed(settings, endpoint_url=emulator.url)
    return done


@pytest.fixture
async def aws(settings: Settings, provisioned: Provisioned) -> AsyncIterator[AwsClients]:
    clients = await AwsClients.open(settings)
    yield clients
    await clients.close()


@pytest.fixture
async def start_worker(settings: Settings, provisioned: Provisioned) -> AsyncIterator[Callable[..., Awaitable[Worker]]]:
    """Factory: start a service's real Worker in this event loop; every one is stopped and drained
    at the end of the test (and must stop cleanly)."""
    stack = AsyncExitStack()
    running: list[tuple[Worker, asyncio.Task[None]]] = []

    async def start(service: str, **overrides: Any) -> Worker:
        worker = await stack.enter_async_context(
            build_worker(service, settings.model_copy(update=overrides) if overrides else settings)
        )
        running.append((worker, asyncio.create_task(worker.run())))
        return worker

    yield start
    for worker, _ in running:
        worker.stop()  # all at once: each drain waits for its long polls, in parallel
    await asyncio.wait_for(asyncio.gather(*(task for _, task in running)), timeout=30)
    await stack.aclose()
