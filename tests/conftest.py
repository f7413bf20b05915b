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
# and one applied environments/dev (read by the console's AWS source, then destroyed); the end-to-end
# tests share one `orderflow dev` stack (tests/e2e/conftest.py). Each lane runs on one worker; the
# rest fill both.
LANES = {"tests/infra/": "terraform", "tests/e2e/": "stack"}


def _lane(nodeid: str) -> str | None:
    return next((lane for prefix, lane in LANES.items() if nodeid.startswith(prefix)), None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` by our lanes. xdist's own loadgroup finds groups by rewriting node ids
    (`item._nodeid`), which pytest 9.2 no longer reads (node ids are `item._id`): its groups were
    silently ignored and each lane's session fixtures were built on both workers. Its scope
    scheduler, told our lanes as scopes, does what loadgroup promises."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # only where xdist runs the suite

    class LaneScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _lane(nodeid) or nodeid

    return LaneScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give the Terraform lane's tests room for the session's setup, and put the lanes first: xdist
    hands out work in collection order, so the long lanes start at once and the rest fill in."""
    order = {lane: rank for rank, lane in enumerate(dict.fromkeys(LANES.values()))}
    for item in items:
        # Whichever Terraform check runs first builds the session's workspace, plans or applied
        # environment in its setup: minutes on a busy machine, over the suite's 120 s default.
        if _lane(item.nodeid) == "terraform" and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(600))
    items.sort(key=lambda item: order.get(_lane(item.nodeid) or "", len(order)))


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
