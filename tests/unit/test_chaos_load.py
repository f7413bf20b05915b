"""The chaos run's load generator stops promptly when the run is stopped, even behind a slow API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from orderflow.chaos.config import ChaosConfig
from orderflow.chaos.load import Load

ANSWER_AFTER = 1.0  # seconds the slow API takes per request


class _SlowApi(BaseHTTPRequestHandler):
    posts = 0

    def do_POST(self) -> None:
        type(self).posts += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(ANSWER_AFTER)
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def slow_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowApi)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Stopped(Exception):
    pass


def test_a_stop_during_submission_drops_the_queued_backlog(slow_api: str) -> None:
    # GIVEN 300 orders asked at 1,000/s of an API that takes 1 s per request and answers 503 (retried):
    # 16 threads keep up with 16 a second, so almost all of them queue up in the pool
    load = Load(ChaosConfig(orders=300, rate=1000, replay_share=0, cancel_share=0), slow_api)
    submitted = 0

    def progress() -> None:
        nonlocal submitted
        submitted += 1
        if submitted == 300:
            raise _Stopped  # the run's stop signal, as ChaosStack.stop_signal.check() raises it

    # WHEN the run is stopped once every order is queued
    began = time.monotonic()
    with pytest.raises(_Stopped):
        load.run(progress)
    took = time.monotonic() - began
    # THEN it returns after the requests in flight (about one answer), not after the queue's
    # 300 / 16 × 1 s ≈ 19 s, and retries are not sent after the stop
    assert took < 4 * ANSWER_AFTER
    posts_at_stop = _SlowApi.posts
    time.sleep(1.5 * ANSWER_AFTER)
    assert _SlowApi.posts == posts_at_stop
    assert posts_at_stop <= 2 * 16
