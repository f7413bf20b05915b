"""B1 consumer: Celery with kombu's SQS transport pointed at the emulator.

Run as `celery -A bench.consumers.celery_app worker --pool solo|prefork ...`; the parent benchmark
counts handled tasks through BENCH_COUNTER (one byte appended per task).
"""

from __future__ import annotations

import json
import os

import orjson
from celery import Celery
from celery.signals import worker_ready

QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "bench-celery")


def make_app(broker_port: str, queue_url: str) -> Celery:
    app = Celery("bench", broker=f"sqs://key:secret@127.0.0.1:{broker_port}")
    app.conf.update(
        broker_transport_options={
            "region": "us-east-1",
            "predefined_queues": {QUEUE: {"url": queue_url}},
            "polling_interval": float(os.environ.get("BENCH_POLLING_INTERVAL", "1")),
            "wait_time_seconds": 1,
            "visibility_timeout": 60,
        },
        task_default_queue=QUEUE,
        worker_prefetch_multiplier=10,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
    )
    return app


app = make_app(os.environ.get("BENCH_BROKER_PORT", "0"), os.environ.get("BENCH_QUEUE_URL", ""))
_counter = os.environ.get("BENCH_COUNTER")


@app.task(name="bench.noop")
def noop(body: str) -> None:
    json.loads(body)
    if _counter:
        fd = os.open(_counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, orjson.loads(body)["id"].encode() + b"\n")
        os.close(fd)


@worker_ready.connect
def _ready(**_: object) -> None:
    print("READY", flush=True)
