"""The worker status file's pieces: the latency histogram and the file's model and name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from orderflow.settings import Settings
from orderflow.workerstatus import BOUNDS_MS, Histogram, LatencyRecorder, WorkerStatus, write_atomically


def test_a_histogram_knows_its_quantiles_to_within_one_bucket() -> None:
    # GIVEN 1,000 handler latencies: 900 of 10 ms, 90 of 100 ms and 10 of 1 s
    recorder = LatencyRecorder()
    for value, times in ((10.0, 900), (100.0, 90), (1000.0, 10)):
        for _ in range(times):
            recorder.record(value)
    snapshot = recorder.snapshot()
    # THEN each quantile is the bound of the bucket holding it, never below the value, < 19 % above
    for q, value in ((0.5, 10.0), (0.95, 100.0), (0.999, 1000.0)):
        found = snapshot.quantile(q)
        assert found is not None and value <= found < value * 1.19, (q, found)
    assert snapshot.count == 1000 and snapshot.sum_ms == pytest.approx(900 * 10 + 90 * 100 + 10 * 1000)


def test_the_difference_of_two_snapshots_is_the_window_between_them() -> None:
    # GIVEN a process that handled slow messages, then (after a snapshot) only fast ones
    recorder = LatencyRecorder()
    for _ in range(100):
        recorder.record(2000.0)
    before = recorder.snapshot()
    for _ in range(10):
        recorder.record(3.0)
    # WHEN the earlier snapshot is subtracted
    window = recorder.snapshot().minus(before)
    # THEN only the window's values remain: p99 is fast, not the old slow ones
    assert window.count == 10
    p99 = window.quantile(0.99)
    assert p99 is not None and 3.0 <= p99 < 3.6
    # AND two processes' windows add up
    assert window.plus(window).count == 20


def test_extremes_land_in_the_first_and_overflow_buckets() -> None:
    recorder = LatencyRecorder()
    recorder.record(0.0)
    recorder.record(10 * 3600 * 1000.0)  # ten hours: a message redriven from a DLQ
    snapshot = recorder.snapshot()
    assert snapshot.counts[0] == 1 and snapshot.counts[-1] == 1
    assert snapshot.quantile(1.0) == BOUNDS_MS[-1]
    assert Histogram().quantile(0.5) is None


def test_the_status_file_round_trips_in_camel_case(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    status = WorkerStatus(
        service="payment",
        worker_id="payment-2",
        pid=42,
        started_at=now,
        updated_at=now,
        in_flight=3,
        max_in_flight=40,
        protected=True,
        stopping=False,
        received=10,
        processed=6,
        failed=1,
        retried=1,
        handler_latency=LatencyRecorder().snapshot(),
        message_age=LatencyRecorder().snapshot(),
    )
    path = tmp_path / "status.json"
    write_atomically(path, status.model_dump_json().encode())
    raw = path.read_text()
    assert '"workerId":"payment-2"' in raw and '"inFlight":3' in raw and '"handlerLatency":' in raw
    assert WorkerStatus.model_validate_json(raw) == status
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]  # no scratch file left behind


def test_a_worker_id_puts_the_heartbeat_in_the_state_folder(tmp_path: Path) -> None:
    # GIVEN no worker id (a container): the heartbeat stays in the task's scratch directory
    plain = Settings(heartbeat_dir=tmp_path / "hb", state_dir=tmp_path / "state")
    assert plain.heartbeat_file("payment").parent == tmp_path / "hb"
    # GIVEN the supervisor's worker id: it is the status file under the state folder
    named = plain.model_copy(update={"worker_id": "payment-3"})
    assert named.heartbeat_file("payment") == tmp_path / "state" / "workers" / "payment.payment-3.json"


def test_the_state_folder_defaults_to_xdg_state_home_per_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ORDERFLOW_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert Settings(resource_prefix="shop-dev").state_dir == tmp_path / "orderflow" / "shop-dev"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings().state_dir == tmp_path / "home" / ".local" / "state" / "orderflow" / "orderflow"
