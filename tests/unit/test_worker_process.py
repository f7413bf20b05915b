"""The worker process's event loop and heap settings (workers/bootstrap.py)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from orderflow.settings import Settings
from workers.bootstrap import GC_GEN0_THRESHOLD, run_loop, settle_heap


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_the_worker_on_uvloop_where_it_is_installed() -> None:
    pytest.importorskip("uvloop", reason="uvloop is not installed on this platform")
    # GIVEN the default setting; WHEN a coroutine runs the way `orderflow worker` runs one
    module = run_loop(_loop_module(), Settings(event_loop="auto"))
    # THEN it ran on uvloop's loop
    assert module.startswith("uvloop")


def test_asyncio_can_be_chosen_instead() -> None:
    module = run_loop(_loop_module(), Settings(event_loop="asyncio"))
    assert module.startswith("asyncio")


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_settle_heap_freezes_the_startup_heap_and_spaces_young_collections() -> None:
    # GIVEN a process with its start-up objects; WHEN the heap is settled before the first message
    settle_heap()
    # THEN the start-up objects are out of the collector's sight and young collections are rarer
    assert gc.get_freeze_count() > 1000
    assert gc.get_threshold()[0] == GC_GEN0_THRESHOLD
    # AND the collector still runs: cyclic garbage made afterwards is collected
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
