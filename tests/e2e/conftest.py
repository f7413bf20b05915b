"""The real local platform, as a user runs it: `orderflow dev` in a subprocess (emulator + API +
one OS process per worker), shared by the end-to-end tests of a session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from orderflow.local.emulator import LOCAL_CREDENTIALS, free_port
from orderflow.settings import Settings
from tests.e2e.journey import E2E_API_KEY, Stack, read_endpoints


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    emulator_port, api_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("stack") / "orderflow-dev.log"
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.update(
        LOCAL_CREDENTIALS,
        ORDERFLOW_LOG_FORMAT="json",
        ORDERFLOW_HEARTBEAT_DIR=str(log.parent),
        ORDERFLOW_DEV_STATE_FILE=str(log.parent / "dev-state.json"),
        ORDERFLOW_DEV_API_KEY=E2E_API_KEY,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderflow",
                "dev",
                "--emulator-port",
                str(emulator_port),
                "--api-port",
                str(api_port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(
        f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{emulator_port}", Settings(local_mode=True), log, process
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{stack.api_url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"orderflow dev did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    read_endpoints(stack, log.parent / "dev-state.json", deadline)
    yield stack
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert code == 0, log.read_text()[-3000:]
