"""The console's heartbeat keeps its clock when the source answers slowly and unevenly, and a page's
stream gets every tick, or every n-th at a slower rate of its choosing: never one tick too many.
(B6 measured a 1.94 s gap at 1 s: the stream timed its sends on the wall clock and skipped a
snapshot that landed a few ms early.)"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from pathlib import Path

import pytest

from orderflow.console import sampler as sampler_module
from orderflow.console.model import Snapshot
from orderflow.console.orders import OrderReader
from orderflow.console.sampler import Sampler
from orderflow.console.store import ConsoleStore
from orderflow.console.triage import Triage

TICK = 0.2


class UnevenSource:
    """A source whose reads take 0–60 % of a tick, at random, like a busy emulator's answers."""

    name = "uneven"
    read_only = True
    orders: OrderReader
    triage: Triage

    def __init__(self) -> None:
        self.random = random.Random(7)
        self.started: list[float] = []

    async def snapshot(self) -> Snapshot:
        self.started.append(time.monotonic())
        await asyncio.sleep(self.random.uniform(0, 0.6 * TICK))
        return Snapshot(at=time.time(), source=self.name, services=[])


async def _strides(sampler: Sampler, every: float, count: int) -> list[int]:
    """Ticks between consecutive snapshots a page is sent (counted in ticks: no wall-clock flakiness)."""
    sent: list[int] = []
    async for snapshot in sampler.every(every, idle_seconds=5):
        assert snapshot is not None, "the sampler stopped ticking"
        sent.append(sampler.ticks)
        if len(sent) > count:
            break
    return [b - a for a, b in itertools.pairwise(sent)]


async def test_ticks_keep_a_fixed_clock_and_the_stream_never_skips_one(tmp_path: Path) -> None:
    source = UnevenSource()
    sampler = Sampler(source, ConsoleStore(tmp_path / "console.db"), tick_seconds=TICK)  # type: ignore[arg-type]
    runner = asyncio.create_task(sampler.run())
    try:
        strides = await _strides(sampler, every=TICK, count=30)
    finally:
        runner.cancel()
    # Reads began on the clock: the 30th read is 30 ticks after the first, not 30 × (tick + read
    # time); a late wake-up delays one tick, it is not carried into the next.
    drift = source.started[30] - source.started[0] - 30 * TICK
    assert drift < TICK, f"the ticks drifted by {drift:.3f} s over 30 ticks"
    # Every tick reaches the page: a read that ends early or late moves a snapshot, never drops one.
    assert strides == [1] * 30


async def test_a_slower_page_rate_gets_every_nth_tick(tmp_path: Path) -> None:
    sampler = Sampler(UnevenSource(), ConsoleStore(tmp_path / "console.db"), tick_seconds=TICK)  # type: ignore[arg-type]
    runner = asyncio.create_task(sampler.run())
    try:
        strides = await _strides(sampler, every=3 * TICK, count=8)
    finally:
        runner.cancel()
    assert strides == [3] * 8


def test_a_finished_redrive_stays_on_the_stream_for_a_while_then_is_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> None:
        monkeypatch.setattr(sampler_module, "JOB_SHOWN_SECONDS", 0.3)
        sampler = Sampler(UnevenSource(), ConsoleStore(tmp_path / "console.db"), tick_seconds=TICK)  # type: ignore[arg-type]
        for job_id in ("running", "ended"):
            sampler.jobs[job_id] = {"id": job_id, "moved": 0, "done": False}
        # GIVEN one redrive still running and one that just ended
        sampler.finish_job("ended", moved=12, result="redrove 12")
        # THEN the page that started it reads its result on the stream...
        assert [(j["id"], j["done"], j["moved"]) for j in sampler.shown_jobs()] == [
            ("running", False, 0),
            ("ended", True, 12),
        ]
        # ...and once it has been shown for a while it is gone, while the running one stays
        await asyncio.sleep(0.4)
        assert [j["id"] for j in sampler.shown_jobs()] == ["running"]
        assert list(sampler.jobs) == ["running"]

    asyncio.run(scenario())
