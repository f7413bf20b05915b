"""moto's server as a child process on 127.0.0.1: the AWS endpoint of local mode and of the tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from orderflow.aws.endpoints import endpoint_variable
from orderflow.settings import Settings
from orderflow.topology import load_topology

LOCAL_CREDENTIALS = {
    # moto accepts any credentials; these keep botocore from searching the machine for real ones.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}

SHORT_CALL_THREADS = 64

# Served by a process of their own when the emulator is split (`Emulator(split=True)`): services
# that deliver nothing to another service inside moto. EventBridge delivers to SQS synchronously
# inside PutEvents, and SES's captured mailbox is read from the main process's dashboard, so
# events, SQS and SES stay together; DynamoDB (no streams consumed here) has no such tie.
SPLIT_SERVICES = ("dynamodb",)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def long_poll_threads(topology_path: Path | None = None, receivers: int | None = None) -> int:
    """Server threads for every long poll of every worker at maximum scale, plus room for the
    short calls (API, supervisor, console) that must never queue behind them."""
    settings = Settings()
    topology = load_topology(topology_path or settings.topology_path, local=True)
    tasks = sum(service.scaling.max_tasks for service in topology.services.values())
    return tasks * (receivers or settings.receivers) + SHORT_CALL_THREADS


@dataclass
class Emulator:
    """moto's server on 127.0.0.1. `serialised` (the default) runs it through
    orderflow.local.moto_server: our fixes (DynamoDB isolation, SQS and DynamoDB cost independent
    of size), served by a keep-alive server with `threads` threads (default: long_poll_threads()).
    `server="werkzeug"` and `without` (patch modules to leave out) exist for benchmarks that
    compare; `serialised=False` runs plain moto.

    `split=True` serves SPLIT_SERVICES (DynamoDB) from a second process on its own port: moto uses
    at most one core (the GIL), and under load the one process saturated it while the machine's
    other core had room. Clients find it through `endpoints()` (AWS_ENDPOINT_URL plus
    AWS_ENDPOINT_URL_DYNAMODB), which local mode, chaos and the benchmarks give their processes."""

    port: int
    process: subprocess.Popen[bytes] | None = None
    serialised: bool = True
    server: Literal["waitress", "werkzeug"] = "waitress"
    threads: int | None = None
    without: tuple[str, ...] = ()
    split: bool = False
    apart: Emulator | None = None  # the process serving SPLIT_SERVICES when split

    def command(self) -> list[str]:
        address = ["-H", "127.0.0.1", "-p", str(self.port)]
        if not self.serialised:
            return [sys.executable, "-m", "moto.server", *address]
        options = ["--server", self.server, "--threads", str(self.threads or long_poll_threads())]
        options += [arg for module in self.without for arg in ("--without", module)]
        return [sys.executable, "-m", "orderflow.local.moto_server", *address, *options]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, service: str) -> str:
        """Where `service`'s requests go (the main process unless split off)."""
        return self.apart.url if self.apart is not None and service in SPLIT_SERVICES else self.url

    @property
    def dynamodb_url(self) -> str:
        return self.url_for("dynamodb")

    def endpoints(self) -> dict[str, str]:
        """The environment that points botocore's clients at this emulator, service by service."""
        split = {endpoint_variable(s): self.url_for(s) for s in SPLIT_SERVICES} if self.apart is not None else {}
        return {"AWS_ENDPOINT_URL": self.url, **split}

    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """The emulator's processes by role: "emulator", and "emulator-dynamodb" when split."""
        roles = {"emulator": self.process, "emulator-dynamodb": self.apart.process if self.apart else None}
        return {role: process for role, process in roles.items() if process is not None}

    def start(self, *, timeout: float = 60.0) -> Emulator:
        """Start the server (both, when split: side by side) and wait until it answers. It needs
        ~1.5 s of CPU to import moto and its patches: on a busy 2-core machine (two test workers,
        a benchmark) that took over 20 s."""
        if port_in_use(self.port):
            raise RuntimeError(f"port {self.port} is taken; choose another with --emulator-port")
        if self.split and self.apart is None:
            # DynamoDB calls are short: no long poll holds a thread there.
            self.apart = Emulator(
                free_port(), serialised=self.serialised, server=self.server, threads=SHORT_CALL_THREADS,
                without=self.without,
            )  # fmt: skip
        try:
            for emulator in (self, self.apart):
                if emulator is not None:
                    emulator.spawn()
            deadline = time.monotonic() + timeout
            for emulator in (self, self.apart):
                if emulator is not None:
                    emulator.wait_ready(deadline, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def spawn(self) -> None:
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **LOCAL_CREDENTIALS},
        )

    def wait_ready(self, deadline: float, timeout: float) -> None:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited with code {self.process.returncode}")
            if self.ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"the emulator did not answer on {self.url} within {timeout:.0f} s")

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def reset(self) -> None:
        """Wipe every resource, in every process (tests use this between cases)."""
        for url in {self.url, self.dynamodb_url}:
            request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
            with urllib.request.urlopen(request, timeout=10):
                pass

    def stop(self) -> None:
        if self.apart is not None:
            self.apart.stop()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
