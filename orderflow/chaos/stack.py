"""The chaos run's own stack, from local mode's building blocks: emulator, provisioning, catalogue,
and a supervisor whose children log to files (the terminal belongs to the progress bar)."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from orderflow.chaos.config import ChaosConfig
from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port
from orderflow.local.provision import provision
from orderflow.local.seed import seed
from orderflow.local.stopsignal import StopSignal
from orderflow.local.supervisor import Child, Supervisor, env_for_children
from orderflow.settings import Settings

_PR_SET_PDEATHSIG = 1
# Loaded once in the parent: after fork, in a threaded parent, the child may call into libc but
# must not dlopen (another thread may have held the loader's lock at fork time).
_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class FileLoggingSupervisor(Supervisor):
    log_dir: Path = field(default_factory=Path.cwd)

    def start(self, child: Child) -> None:
        with (self.log_dir / f"{child.name}.log").open("ab") as out:
            child.process = subprocess.Popen(
                child.argv,
                env=dict(self.env),
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - one libc call: no lock, no dlopen
            )
        child.started_at = time.monotonic()


@dataclass
class ChaosStack:
    config: ChaosConfig
    workdir: Path
    stop_signal: StopSignal = field(default_factory=lambda: StopSignal(SystemExit))  # checked where it waits
    settings: Settings = field(init=False)
    emulator: Emulator = field(init=False)
    supervisor: FileLoggingSupervisor = field(init=False)
    api_url: str = field(init=False)

    @property
    def ledger(self) -> Path:
        return self.workdir / "faults.jsonl"

    @property
    def workers(self) -> list[str]:
        return [name for name in self.supervisor.children if name != "api"]

    def start(self) -> ChaosStack:
        os.environ.update({k: v for k, v in LOCAL_CREDENTIALS.items() if k not in os.environ})
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(local_mode=True)
        self.emulator = Emulator(free_port(), split=True).start()  # DynamoDB in a process of its own
        try:
            self._start_platform()
        except BaseException:  # a failed start, or SIGTERM/Ctrl-C during it: leave nothing running
            self.stop()
            raise
        return self

    def _start_platform(self) -> None:
        dynamodb_url = self.emulator.dynamodb_url
        provision(self.settings, endpoint_url=self.emulator.url, dynamodb_url=dynamodb_url)
        seed(
            self.settings, endpoint_url=self.emulator.url, catalogue=self.config.catalogue(), dynamodb_url=dynamodb_url
        )
        api_port = free_port()
        self.api_url = f"http://127.0.0.1:{api_port}"
        self.supervisor = FileLoggingSupervisor(self._env(faults=False, api_port=api_port), log_dir=self.workdir)
        self.supervisor.add("api", "api")
        for service in self.settings.topology.services:
            self.supervisor.add(service, "worker", service)
        # The API runs without faults (its clients are ours); workers get them.
        self.supervisor.start(self.supervisor.children["api"])
        self.supervisor.env = self._env(faults=True, api_port=api_port)
        for name in self.workers:
            self.supervisor.start(self.supervisor.children[name])
        self._wait_ready()

    def _env(self, *, faults: bool, api_port: int) -> dict[str, str]:
        extra = {
            **self.emulator.endpoints(),
            "ORDERFLOW_LOCAL_MODE": "true",
            "ORDERFLOW_API_PORT": str(api_port),
            "ORDERFLOW_API_HOST": "127.0.0.1",
            "ORDERFLOW_TOPOLOGY_PATH": str(self.settings.topology_path),
            "ORDERFLOW_LOG_FORMAT": "json",
            "ORDERFLOW_HEARTBEAT_DIR": str(self.workdir),
            "ORDERFLOW_BACKOFF_BASE_SECONDS": "1",
            "ORDERFLOW_BACKOFF_MAX_SECONDS": "20",
            "ORDERFLOW_SHUTDOWN_DEADLINE_SECONDS": "45",
            "ORDERFLOW_OUTBOX_SWEEP_SECONDS": "2",
            "ORDERFLOW_DEV_API_KEY": self.config.api_key,
        }
        if faults:
            extra |= {
                "ORDERFLOW_FAULTS": self.config.faults_spec(),
                "ORDERFLOW_FAULTS_SEED": str(self.config.seed),
                "ORDERFLOW_FAULTS_LEDGER": str(self.ledger),
            }
        base = {k: v for k, v in os.environ.items() if not k.startswith("ORDERFLOW_FAULTS")}
        return env_for_children(base, **extra)

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.stop_signal.check()
            self.supervisor.check()
            try:
                with urllib.request.urlopen(f"{self.api_url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the API did not become ready on {self.api_url} within {timeout:.0f} s")

    def heal(self) -> None:
        """Faults off: every worker stopped (SIGTERM, drained) and started again without ORDERFLOW_FAULTS."""
        self.supervisor.env = {k: v for k, v in self.supervisor.env.items() if not k.startswith("ORDERFLOW_FAULTS")}
        children = [self.supervisor.children[name] for name in self.workers]
        for child in children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in children:
            if child.process is not None:
                try:
                    child.process.wait(timeout=50)
                except subprocess.TimeoutExpired:
                    child.process.kill()
                    child.process.wait()
            child.not_before = 0.0
            self.supervisor.start(child)

    def stop(self) -> dict[str, int | None]:
        try:
            supervisor = getattr(self, "supervisor", None)  # unset if the start failed before it
            return supervisor.stop_all(deadline=50) if supervisor is not None else {}
        finally:
            self.emulator.stop()
