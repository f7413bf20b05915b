"""B1 — consumer CPU per message vs peers: same queue, same emulator, same bodies, same no-op handler."""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from bench.common import (
    SERVERS,
    BenchError,
    Table,
    child_env,
    cpu_seconds,
    median,
    order_placed_body,
    peak_rss_mb,
    python,
    save,
    start_emulator,
    wait_exit,
)
from bench.consumers.celery_app import make_app
from bench.proxy import CountingProxy

CONSUMERS = {
    "orderflow": "orderflow Worker (aiobotocore)",
    "powertools": "powertools BatchProcessor + boto3",
    "powertools-same-work": "powertools BatchProcessor + boto3, same work (contract decode + a log line)",
    "naive": "naive boto3 (receive 1 / delete 1)",
    "celery-solo": "Celery + kombu SQS, solo",
    "celery-prefork": "Celery + kombu SQS, prefork ×2, polling 0",
}


@dataclass
class Run:
    consumer: str
    connections: str
    k: int
    cpu_s: float  # "ready" -> K-th message deleted
    whole_cpu_s: float  # whole process, start to exit
    wall_s: float
    calls: int
    rss_mb: float
    operations: dict[str, int]


def _command(consumer: str) -> list[str]:
    if consumer.startswith("celery"):
        pool = consumer.split("-")[1]
        extra = ["--concurrency", "2"] if pool == "prefork" else []
        return [
            python(), "-m", "celery", "-A", "bench.consumers.celery_app", "worker",
            "--pool", pool, *extra, "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ]  # fmt: skip
    if consumer == "orderflow" and os.environ.get("BENCH_PROFILE"):
        # py-spy samples from outside the process; the raw (collapsed) stacks go to BENCH_PROFILE.
        spy = [str(Path(python()).parent / "py-spy"), "record", "--format", "raw", "--rate", "1000", "--nonblocking"]
        return [*spy, "-o", os.environ["BENCH_PROFILE"], "--", python(), "-m", "bench.consumers.orderflow_worker"]
    module = {
        "orderflow": "orderflow_worker",
        "powertools": "powertools_batch",
        "powertools-same-work": "powertools_batch",
        "naive": "naive_boto3",
    }[consumer]
    return [python(), "-m", f"bench.consumers.{module}"]


def _preload(sqs: Any, consumer: str, k: int, *, emulator_port: int, proxy_port: int, bodies: list[str]) -> str:
    name = f"b1-{consumer}-{time.monotonic_ns()}"
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    if consumer.startswith("celery"):
        os.environ["BENCH_CELERY_QUEUE"] = name
        app = make_app(str(emulator_port), url)
        app.conf.broker_transport_options["predefined_queues"] = {name: {"url": url}}
        app.conf.task_default_queue = name
        with app.producer_or_acquire() as producer:
            for body in bodies[:k]:
                app.send_task("bench.noop", args=[body], producer=producer, queue=name)
    else:
        for start in range(0, k, 10):
            entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : min(k, start + 10)])]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
    depth = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"])  # fmt: skip
    if depth != k:
        raise BenchError(f"preloaded {depth} messages, wanted {k}")
    return url.replace(f":{emulator_port}/", f":{proxy_port}/")


def _read_line(process: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.05)
        if ready:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            if line.startswith(prefix):
                return line
    raise BenchError(f"{process.args!r}: no {prefix!r} line within {timeout:.0f} s (exit code {process.poll()})")


def _counted(counter: Path, k: int, process: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if counter.exists() and len(set(counter.read_text().split())) >= k:
            return
        if process.poll() is not None:
            raise BenchError(f"celery exited with {process.returncode} before handling {k} tasks")
        time.sleep(0.02)
    raise BenchError(f"celery did not handle all {k} tasks in {timeout:.0f} s")


def _deleted(proxy: CountingProxy, k: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while proxy.calls["DeleteMessage"] < k:
        if time.monotonic() > deadline:
            raise BenchError(f"only {proxy.calls['DeleteMessage']} of {k} messages deleted in time")
        time.sleep(0.005)


def run_one(
    consumer: str, k: int, *, connections: str, sqs: Any, emulator_port: int, proxy: CountingProxy, bodies: list[str]
) -> Run:
    url = _preload(sqs, consumer, k, emulator_port=emulator_port, proxy_port=proxy.port, bodies=bodies)
    counter = Path(tempfile.mkstemp(prefix="bench-celery-")[1])
    counter.unlink()
    env = child_env(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy.port}",
        BENCH_QUEUE_URL=url,
        BENCH_K=str(k),
        BENCH_BROKER_PORT=str(proxy.port),
        BENCH_COUNTER=str(counter),
        BENCH_CELERY_QUEUE=url.rsplit("/", 1)[-1],
        BENCH_POLLING_INTERVAL="0" if consumer == "celery-prefork" else "1",
        BENCH_EQUAL_WORK="1" if consumer.endswith("same-work") else "0",
    )
    log = Path(tempfile.gettempdir()) / f"bench-b1-{consumer}.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(_command(consumer), env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    tree = consumer == "celery-prefork" or bool(consumer == "orderflow" and os.environ.get("BENCH_PROFILE"))
    try:
        _read_line(process, "READY", 60)
        proxy.reset()
        cpu0, t0 = cpu_seconds(process.pid, tree=tree), time.monotonic()
        if consumer.startswith("celery"):
            _counted(counter, k, process, 600)
            _deleted(proxy, k, 30)  # kombu deletes each message with its own call: wait for the K-th
        else:
            done = json.loads(_read_line(process, "DONE", 600).split(" ", 1)[1])
            if "times" in done:
                print(f"  in-process user/sys: {done['times']}", flush=True)
            if done["handled"] < k:
                raise BenchError(f"{consumer} handled {done['handled']} of {k}")
            if done.get("deliveries", k) > k:  # the emulator handed a message to two receives
                print(f"  {consumer}: {done['deliveries'] - k} duplicate deliveries from the emulator", flush=True)
        cpu1, t1 = cpu_seconds(process.pid, tree=tree), time.monotonic()
        rss = peak_rss_mb(process.pid, tree=tree)
        calls = proxy.reset()
        if consumer.startswith("celery"):
            process.terminate()
        exited = wait_exit(process, 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if exited.code != 0:
        raise BenchError(f"{consumer} exited with {exited.code}; see {log}")
    left = sqs.get_queue_attributes(
        QueueUrl=url.replace(f":{proxy.port}/", f":{emulator_port}/"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    if int(left["ApproximateNumberOfMessages"]):
        raise BenchError(f"{consumer}: messages left in the queue after the run: {left}")
    if int(left["ApproximateNumberOfMessagesNotVisible"]):  # duplicates in flight at stop: not lost
        print(f"  {consumer}: {left['ApproximateNumberOfMessagesNotVisible']} in flight at stop", flush=True)
    sqs.delete_queue(QueueUrl=url.replace(f":{proxy.port}/", f":{emulator_port}/"))
    counter.unlink(missing_ok=True)
    sqs_calls = sum(n for op, n in calls.items() if op != "GetQueueAttributes")
    return Run(consumer, connections, k, cpu1 - cpu0, exited.cpu_seconds, t1 - t0, sqs_calls, rss, dict(calls))


def main(argv: list[str] | None = None) -> list[Table]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, nargs="+", default=[500])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--consumers", nargs="+", default=list(CONSUMERS))
    parser.add_argument("--connections", nargs="+", choices=list(SERVERS), default=list(SERVERS))
    args = parser.parse_args(argv)
    bodies = [order_placed_body(5) for _ in range(max(args.k))]
    runs: list[Run] = []
    for connections in args.connections:
        runs += _runs(connections, args, bodies)
    tables = [_table(runs, c, k, args.repeat, len(bodies[0])) for c in args.connections for k in args.k]
    save("b1", tables, {"k": args.k, "repeat": args.repeat, "runs": [r.__dict__ for r in runs]})
    return tables


def _runs(connections: str, args: argparse.Namespace, bodies: list[str]) -> list[Run]:
    emulator = start_emulator(connections)
    proxy = CountingProxy(emulator.port).start()
    sqs = boto3.client("sqs", endpoint_url=emulator.url)
    runs: list[Run] = []
    try:
        for k in args.k:
            for rep in range(args.repeat):
                for consumer in args.consumers:
                    run = run_one(
                        consumer, k, connections=connections, sqs=sqs, emulator_port=emulator.port, proxy=proxy,
                        bodies=bodies,
                    )  # fmt: skip
                    runs.append(run)
                    print(
                        f"B1 {connections} K={k} rep {rep + 1}/{args.repeat} {consumer:15s} "
                        f"{run.cpu_s / k * 1e6:7.0f} µs/msg {k / run.wall_s:6.1f} msg/s calls={run.operations} "
                        f"rss={run.rss_mb:.0f} MB",
                        flush=True,
                    )
    finally:
        emulator.stop()
    return runs


def _table(runs: list[Run], connections: str, k: int, repeat: int, body_bytes: int) -> Table:
    table = Table(
        f"B1 — consumer cost per message, {connections} emulator, K = {k} (medians of {repeat})",
        ["consumer", "CPU µs/msg (ready→K-th delete)", "CPU µs/msg (whole process)", "msg/s", "SQS calls",
         "calls/msg", "peak RSS MB", "× orderflow CPU"],
    )  # fmt: skip
    mine_all = [r for r in runs if r.connections == connections and r.k == k]
    base = median([r.cpu_s for r in mine_all if r.consumer == "orderflow"]) / k * 1e6
    for consumer, label in CONSUMERS.items():
        mine = [r for r in mine_all if r.consumer == consumer]
        if not mine:
            continue
        cpu = median([r.cpu_s for r in mine]) / k * 1e6
        calls = median([r.calls for r in mine])
        table.add(
            label, cpu, median([r.whole_cpu_s for r in mine]) / k * 1e6, k / median([r.wall_s for r in mine]),
            int(calls), calls / k, median([r.rss_mb for r in mine]), f"{cpu / base:.2f}",
        )  # fmt: skip
    table.notes = [
        f"{body_bytes}-byte EventBridge-shaped OrderPlaced bodies; no-op handler; consumer CPU = user+sys from /proc "
        "(psutil; Celery prefork includes its pool processes); the emulator's CPU is excluded.",
        "keep-alive: moto served by waitress (orderflow/local/moto_server.py), as local mode and the tests use it; "
        "close: moto's own server, which answers `Connection: close` to every request (a new TCP connection per "
        "call, which AWS never imposes). Both with the queue-depth fix, so depth does not bias the comparison.",
        "msg/s is emulator-bound (one moto process on ≤ 1 core); compare CPU, not wall time.",
        "SQS calls counted by a TCP proxy in front of the emulator (every request on every connection).",
    ]
    return table


if __name__ == "__main__":
    main()
