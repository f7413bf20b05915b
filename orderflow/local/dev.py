"""`orderflow dev`: the whole platform on a laptop — emulator, provisioning, catalogue, API, workers."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from types import FrameType
from typing import NoReturn

import structlog

from orderflow.local.autoscaler import Autoscaler
from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator
from orderflow.local.provision import provision
from orderflow.local.seed import seed
from orderflow.local.state import clear_state, write_state
from orderflow.local.stopsignal import StopSignal
from orderflow.local.supervisor import Supervisor, env_for_children
from orderflow.settings import Settings

log = structlog.get_logger("orderflow.dev")


@dataclass(frozen=True)
class DevOptions:
    emulator_port: int = 4566
    api_port: int = 8080
    console_port: int | None = None  # default: api_port + 1 (8081), so stacks side by side do not collide
    endpoint_url: str | None = None  # use an emulator already running instead of starting one
    services: tuple[str, ...] = ()  # default: every service in the topology
    ready_timeout: float = 60.0
    tick_seconds: float = 1.0  # the scaling loop's period


class _Stop(Exception):
    pass


def _raise_force(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a second signal while draining: stop waiting


def dev_api_key(settings: Settings) -> str:
    """ORDERFLOW_DEV_API_KEY, else a fresh one for this run (printed in the banner, in the state file)."""
    return settings.dev_api_key.get_secret_value() if settings.dev_api_key else secrets.token_urlsafe(24)


def run_dev(settings: Settings, options: DevOptions) -> int:
    began = time.monotonic()
    api_key = dev_api_key(settings)
    # DynamoDB in a second emulator process: moto uses one core at most (issue 11).
    emulator = None if options.endpoint_url else Emulator(options.emulator_port, split=True).start()
    endpoints = emulator.endpoints() if emulator else {"AWS_ENDPOINT_URL": options.endpoint_url or ""}
    endpoint = endpoints["AWS_ENDPOINT_URL"]
    dynamodb_url = emulator.dynamodb_url if emulator else endpoint
    os.environ.update({k: v for k, v in LOCAL_CREDENTIALS.items() if k not in os.environ})
    os.environ.update(endpoints)  # the scaling loop's own clients read the queues there
    supervisor: Supervisor | None = None
    scaler: Autoscaler | None = None
    runner = asyncio.Runner()
    try:
        provision(settings, endpoint_url=endpoint, dynamodb_url=dynamodb_url)
        seed(settings, endpoint_url=endpoint, dynamodb_url=dynamodb_url)
        api_url = f"http://127.0.0.1:{options.api_port}"
        env = env_for_children(
            os.environ,
            **endpoints,
            ORDERFLOW_LOCAL_MODE="true",
            ORDERFLOW_API_PORT=str(options.api_port),
            ORDERFLOW_API_HOST="127.0.0.1",
            ORDERFLOW_RESOURCE_PREFIX=settings.resource_prefix,
            ORDERFLOW_TOPOLOGY_PATH=str(settings.topology_path),
            ORDERFLOW_DEV_API_KEY=api_key,
        )
        supervisor = Supervisor(env)
        supervisor.add("api", "api")
        console_url = f"http://127.0.0.1:{options.console_port or options.api_port + 1}"
        supervisor.add("console", "console", "--port", console_url.rsplit(":", 1)[1])
        scaler = Autoscaler(settings, options.services or tuple(settings.topology.services), env, options.tick_seconds)
        runner.run(scaler.open())
        supervisor.start_all()
        scaler.reconcile()  # every service's minimum, before the first tick
        stop = StopSignal(_Stop)
        stop.install(signal.SIGTERM, signal.SIGINT)  # Ctrl-C too: it would raise inside a fork as well
        _wait_ready(api_url, options.ready_timeout, supervisor, stop)
        write_state(
            emulatorUrl=endpoint, endpoints=endpoints, apiUrl=api_url, prefix=settings.resource_prefix, apiKey=api_key
        )
        _banner(api_url, console_url, endpoints, api_key, scaler, seconds=time.monotonic() - began)
        _supervise(supervisor, scaler, runner, stop)
    except (KeyboardInterrupt, _Stop):
        log.info("stopping", hint="workers drain their in-flight messages; Ctrl-C again to force")
        return 0
    finally:
        signal.signal(signal.SIGTERM, _raise_force)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C forces the stop
        _stop(settings, supervisor, scaler, runner)
        clear_state()
        if emulator is not None:
            emulator.stop()


def _supervise(supervisor: Supervisor, scaler: Autoscaler, runner: asyncio.Runner, stop: StopSignal) -> NoReturn:
    """Restart what died every quarter second; scale every tick."""
    next_tick = time.monotonic()
    while True:
        stop.check()  # SIGTERM is raised here, never inside a fork of a worker (orderflow.local.stopsignal)
        supervisor.check()
        if time.monotonic() >= next_tick:
            next_tick = time.monotonic() + scaler.tick_seconds
            runner.run(scaler.tick(supervisor.process_infos()))
        else:
            scaler.reconcile()
        time.sleep(min(0.25, max(0.0, next_tick - time.monotonic())))


def _stop(settings: Settings, supervisor: Supervisor | None, scaler: Autoscaler | None, runner: asyncio.Runner) -> None:
    deadline = settings.shutdown_deadline_seconds + 5
    try:
        if scaler is not None:
            log.info("stopped_workers", exitCodes=scaler.stop_all(deadline=deadline))
        if supervisor is not None:
            log.info("stopped", exitCodes=supervisor.stop_all(deadline=deadline))
    except KeyboardInterrupt:
        log.warning("forced_stop", hint="killing the processes without waiting for their drain")
        if scaler is not None:
            scaler.kill_all()
        for child in supervisor.children.values() if supervisor else ():
            if child.process is not None and child.process.poll() is None:
                child.process.kill()
    finally:
        if scaler is not None:
            runner.run(scaler.close())
        runner.close()


def _wait_ready(api_url: str, timeout: float, supervisor: Supervisor, stop: StopSignal) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stop.check()
        supervisor.check()
        try:
            with urllib.request.urlopen(f"{api_url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not become ready on {api_url} within {timeout:.0f} s")


# The seed article's request, verbatim.
SEED_REQUEST = (
    '{"customerEmail": "student@example.com", "currency": "USD", "items": '
    '[{"sku": "LAPTOP-001", "quantity": 1, "price": 850}, {"sku": "MOUSE-002", "quantity": 2, "price": 25}]}'
)


def _banner(
    api_url: str, console_url: str, endpoints: dict[str, str], api_key: str, scaler: Autoscaler, *, seconds: float
) -> None:
    workers = ", ".join(f"{s} {p.min_workers}-{p.max_workers}" for s, p in scaler.policies.items())
    endpoint = endpoints["AWS_ENDPOINT_URL"]
    variables = " ".join(f"{k}={v}" for k, v in endpoints.items())
    print(
        f"""
orderflow is running locally (ready in {seconds:.1f} s)
  order API     {api_url}          (OpenAPI: {api_url}/docs)
  console       {console_url}   (live queues, workers, scaling, funnel, DLQ triage)
  API key       {api_key}   (client "dev"; the orderflow CLI sends it by itself)
  AWS emulator  {endpoint}   (moto server; {variables})
  workers       {workers}   (processes, scaled by backlog)
  state         {scaler.runstate.root}   (supervisor.json, scaling.jsonl)

Try:
  curl -s -X POST {api_url}/orders -H 'Authorization: Bearer {api_key}' \\
       -H 'Content-Type: application/json' -d '{SEED_REQUEST}'
  orderflow orders get <orderId>

Ctrl-C stops everything (workers drain first).
""",
        flush=True,
    )
