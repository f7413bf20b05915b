"""Analytics handler: each outcome is counted once, in the same transaction as its processed record."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.analytics_table import STAGES
from orderflow.aws.idempotency import ProcessedEvents
from orderflow.contracts import Event
from workers.runtime import Outcome
from workers.services.analytics.store import AnalyticsStore


@dataclass(frozen=True)
class AnalyticsDeps:
    store: AnalyticsStore
    processed: ProcessedEvents


async def count(event: Event, deps: AnalyticsDeps) -> Outcome:
    # A duplicate delivery fails the processed record's condition, so the whole transaction
    # (the counters included) is cancelled and commit answers the stored (empty) outcome.
    await deps.processed.commit(event.event_id, deps.store.changes(STAGES[event.event_type], event), [])
    return []
