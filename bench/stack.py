"""The whole local platform for B2–B5: emulator, provisioning, a deep catalogue, and the API and each
worker as its own OS process, every one run under bench.instrument (AWS requests counted client-side)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import httpx

from bench.common import EMULATORS, BenchError, child_env, cpu_seconds, python, start_emulator, wait_exit
from bench.units import item_kind, item_size
from orderflow.local.emulator import Emulator, free_port
from orderflow.local.provision import provision
from orderflow.local.seed import CATALOGUE, seed
from orderflow.settings import Settings

API_KEY = "bench-dev-key"
NAIVE_ENV = {
    "ORDERFLOW_RECEIVE_BATCH_SIZE": "1",
    "ORDERFLOW_BATCH_DELETES": "false",
    "ORDERFLOW_PUBLISH_BATCH_SIZE": "1",
    "ORDERFLOW_IDEMPOTENCY_IN_TRANSACTION": "false",
}
ORDER = {
    "customerEmail": "student@example.com",
    "currency": "USD",
    "items": [{"sku": "LAPTOP-001", "quantity": 1, "price": 850}, {"sku": "MOUSE-002", "quantity": 2, "price": 25}],
}


@dataclass
class Snapshot:
    cpu: dict[str, float]
    requests: dict[str, Counter[str]]
    units: dict[str, Counter[str]]
    botocore_seconds: dict[str, float]
    calls: dict[str, int]

    def plus(self, other: Snapshot) -> Snapshot:
        return Snapshot(
            {k: self.cpu.get(k, 0.0) + other.cpu.get(k, 0.0) for k in self.cpu.keys() | other.cpu.keys()},
            {
                k: self.requests.get(k, Counter()) + other.requests.get(k, Counter())
                for k in self.requests.keys() | other.requests.keys()
            },
            {
                k: self.units.get(k, Counter()) + other.units.get(k, Counter())
                for k in self.units.keys() | other.units.keys()
            },
            {
                k: self.botocore_seconds.get(k, 0.0) + other.botocore_seconds.get(k, 0.0)
                for k in self.botocore_seconds.keys() | other.botocore_seconds.keys()
            },
            {k: self.calls.get(k, 0) + other.calls.get(k, 0) for k in self.calls.keys() | other.calls.keys()},
        )

    def minus(self, before: Snapshot) -> Snapshot:
        return Snapshot(
            {k: v - before.cpu.get(k, 0.0) for k, v in self.cpu.items()},
            {k: v - before.requests.get(k, Counter()) for k, v in self.requests.items()},
            {k: _sub(v, before.units.get(k, Counter())) for k, v in self.units.items()},
            {k: v - before.botocore_seconds.get(k, 0.0) for k, v in self.botocore_seconds.items()},
            {k: v - before.calls.get(k, 0) for k, v in self.calls.items()},
        )


def _sub(a: Counter[str], b: Counter[str]) -> Counter[str]:
    return Counter({k: a[k] - b.get(k, 0) for k in a if a[k] - b.get(k, 0)})


@dataclass
class Stack:
    naive: bool = False
    emulator_kind: str = "improved"  # bench.common.EMULATORS
    emulator: Emulator | None = None
    settings: Settings | None = None
    api_url: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-stack-")))

    def start(self, *, workers: bool = True) -> Stack:
        connections, without, split = EMULATORS[self.emulator_kind]
        self.emulator = start_emulator(connections, without=without, split=split)
        prefix = "bench"
        os.environ["ORDERFLOW_RESOURCE_PREFIX"] = prefix
        self.settings = Settings(local_mode=True, resource_prefix=prefix)
        dynamodb_url = self.emulator.dynamodb_url
        provision(self.settings, endpoint_url=self.emulator.url, dynamodb_url=dynamodb_url)
        deep = {sku: (name, price, 1_000_000) for sku, (name, price, _) in CATALOGUE.items()}
        seed(self.settings, endpoint_url=self.emulator.url, catalogue=deep, dynamodb_url=dynamodb_url)
        port = free_port()
        self.api_url = f"http://127.0.0.1:{port}"
        env = child_env(
            **self.emulator.endpoints(),
            ORDERFLOW_LOCAL_MODE="true",
            ORDERFLOW_RESOURCE_PREFIX=prefix,
            ORDERFLOW_API_PORT=str(port),
            ORDERFLOW_DEV_API_KEY=API_KEY,
            ORDERFLOW_LOG_FORMAT="json",
            ORDERFLOW_HEARTBEAT_DIR=str(self.workdir),
            ORDERFLOW_RATE_LIMIT_PER_SECOND="10000",
            ORDERFLOW_RATE_LIMIT_BURST="10000",
            **(NAIVE_ENV if self.naive else {}),
        )
        for name in ("api", *(tuple(self.settings.topology.services) if workers else ())):
            argv = ["api"] if name == "api" else ["worker", name]
            with (self.workdir / f"{name}.log").open("wb") as log:
                self.processes[name] = subprocess.Popen(
                    [python(), "-m", "bench.instrument", str(self.workdir / f"{name}.json"), *argv],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise BenchError(f"{name} exited with {process.returncode}: see {self.workdir / name}.log")
            try:
                if httpx.get(f"{self.api_url}/readyz", timeout=2).status_code == 200:
                    time.sleep(2)  # workers' first long polls are in place
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise BenchError(f"the API did not become ready; see {self.workdir}/api.log")

    def snapshot(self) -> Snapshot:
        for process in self.processes.values():
            process.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        snap = Snapshot({}, {}, {}, {}, {})
        for name, process in self.processes.items():
            snap.cpu[name] = cpu_seconds(process.pid)
            data = json.loads((self.workdir / f"{name}.json").read_text())
            snap.requests[name] = Counter(data["requests"])
            snap.units[name] = Counter(data["units"])
            snap.botocore_seconds[name] = data["botocore_seconds"]
            snap.calls[name] = data["calls"]
        return snap

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                wait_exit(process, 40)
            except BenchError:
                print(f"{name} did not stop in time (killed)", flush=True)
            except ChildProcessError:
                pass
        if self.emulator is not None:
            self.emulator.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def status_counts(stack: Stack) -> Counter[str]:
    """Orders by status, read from the orders table by the harness (not counted, not the API)."""
    assert stack.emulator is not None and stack.settings is not None
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator.dynamodb_url)
    counts: Counter[str] = Counter()
    kwargs: dict[str, Any] = {"TableName": stack.settings.table_name("orders"), "ProjectionExpression": "#s",
                              "ExpressionAttributeNames": {"#s": "status"}}  # fmt: skip
    while True:
        page = dynamodb.scan(**kwargs)
        counts.update(item["status"]["S"] for item in page.get("Items", []) if "status" in item)
        if "LastEvaluatedKey" not in page:
            return counts
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def wait_shipped(stack: Stack, total: int, timeout: float) -> float:
    """Block until `total` orders are SHIPPED; fail loudly if any ends otherwise or time runs out."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        counts = status_counts(stack)
        failed = {s: n for s, n in counts.items() if s in ("CANCELLED", "FAILED", "REJECTED")}
        if failed:
            raise BenchError(f"orders did not ship: {dict(counts)}")
        if counts["SHIPPED"] >= total:
            return time.monotonic() - began
        time.sleep(1.0)
    raise BenchError(f"only {status_counts(stack)['SHIPPED']} of {total} orders shipped in {timeout:.0f} s")


def headers() -> dict[str, str]:
    return {"X-Api-Key": API_KEY, "Content-Type": "application/json"}


async def place(client: httpx.AsyncClient, api_url: str) -> tuple[str, float]:
    """POST /orders; answers the order id and the request's latency in seconds."""
    began = time.perf_counter()
    response = await client.post(f"{api_url}/orders", json=ORDER, headers=headers())
    latency = time.perf_counter() - began
    if response.status_code != 202:
        raise BenchError(f"POST /orders answered {response.status_code}: {response.text[:300]}")
    return str(response.json()["orderId"]), latency


async def order(client: httpx.AsyncClient, api_url: str, order_id: str) -> dict[str, Any]:
    response = await client.get(f"{api_url}/orders/{order_id}", headers=headers())
    if response.status_code != 200:
        raise BenchError(f"GET /orders/{order_id} answered {response.status_code}")
    data: dict[str, Any] = response.json()
    return data


def shipped_after(view: dict[str, Any]) -> float | None:
    """Seconds from acceptance to the shipment, from the order's own timeline; None until shipped."""
    if view["status"] != "SHIPPED":
        return None
    created = datetime.fromisoformat(view["createdAt"])
    shipped = [datetime.fromisoformat(e["occurredAt"]) for e in view["timeline"] if e["eventType"] == "ShipmentCreated"]
    return (max(shipped) - created).total_seconds() if shipped else None


def item_sizes(stack: Stack) -> dict[str, int]:
    """The largest item of each kind (table and sort-key prefix) in the platform's tables, in bytes as
    DynamoDB bills them (bench.units.item_size): the check that a single-item write is 1 WRU (≤ 1 KiB)."""
    assert stack.emulator is not None and stack.settings is not None
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator.dynamodb_url)
    largest: dict[str, int] = {}
    for table in ("orders", "inventory", "payment", "shipping", "notification", "audit", "analytics"):
        kwargs: dict[str, Any] = {"TableName": stack.settings.table_name(table)}
        while True:
            page = dynamodb.scan(**kwargs)
            for item in page.get("Items", []):
                kind = item_kind(table, item["sk"]["S"])
                largest[kind] = max(largest.get(kind, 0), item_size(item))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return largest
