"""Group commit for analytics: the events being handled at the same time are counted together.

The runtime hands a receive's messages to concurrent handlers; each waits here until the group it
joined is committed (store.AnalyticsStore.count). One group is committed at a time: whatever
arrives meanwhile forms the next one, so a backlog makes groups larger, and this process never
races itself on a counter (which DynamoDB would answer with a TransactionConflict). A handler
returns only after its event's marker is stored, so its message is deleted only then; a crash
before that redelivers it, and the marker makes the redelivery count nothing.
"""

from __future__ import annotations

import asyncio
import uuid

from orderflow.contracts import Event
from orderflow.tracing.propagation import detached_context
from workers.runtime.errors import TechnicalError
from workers.services.analytics.store import MAX_GROUP, AnalyticsStore

# How long a group waits for company before it commits. Each group writes its three time buckets
# (2 WRU each) whatever it holds, so larger groups cost less per event; half a second keeps the
# console's funnel (refreshed every second at most) within one refresh of the events.
LINGER_SECONDS = 0.5


class CountingGroups:
    def __init__(self, store: AnalyticsStore, *, linger: float = LINGER_SECONDS, max_group: int = MAX_GROUP) -> None:
        self._store = store
        self._linger = linger
        self._max_group = max_group
        # event id -> (the event, the handlers waiting for it: a duplicate in flight waits too)
        self._waiting: dict[uuid.UUID, tuple[Event, list[asyncio.Future[None]]]] = {}
        self._committer: asyncio.Task[None] | None = None

    async def count(self, event: Event) -> None:
        """Return once `event` is counted (now or by an earlier delivery); raise if its group failed."""
        done = asyncio.get_running_loop().create_future()
        if (entry := self._waiting.get(event.event_id)) is not None:
            entry[1].append(done)
        else:
            self._waiting[event.event_id] = (event, [done])
        if self._committer is None:
            # One commit serves several handlers: it belongs to none of their traces.
            self._committer = asyncio.create_task(
                self._commit_all(), name="analytics-groups", context=detached_context()
            )
        await done

    async def _commit_all(self) -> None:
        try:
            await asyncio.sleep(self._linger)
            while self._waiting:
                ids = list(self._waiting)[: self._max_group]
                group = [self._waiting.pop(i) for i in ids]
                try:
                    await self._store.count([event for event, _ in group])
                except Exception as exc:  # noqa: BLE001 - each waiter raises it, and the runtime retries its message
                    _settle(group, exc)
                else:
                    _settle(group, None)
        finally:
            self._committer = None
            if self._waiting:  # cancelled: nobody will commit these, so let their handlers fail
                _settle(list(self._waiting.values()), TechnicalError("analytics group commit was cancelled"))
                self._waiting.clear()


def _settle(group: list[tuple[Event, list[asyncio.Future[None]]]], error: BaseException | None) -> None:
    for _, waiters in group:
        for waiter in waiters:
            if waiter.done():  # its handler was cancelled (the drain's deadline)
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)
