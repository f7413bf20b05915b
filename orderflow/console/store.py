"""The console's own store, SQLite under the state folder: the charts' history (so a restart keeps
it) and the audit log of every redrive and discard.

One row per service per tick; rows older than RETENTION are pruned. WAL journaling: a commit per
tick costs no fsync, and a page reading history never blocks the sampler.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderflow.console.model import Snapshot

RETENTION_SECONDS = 6 * 3600
MAX_POINTS = 720  # a chart never gets more points than this, whatever the range
COLUMNS = (
    "visible",
    "in_flight",
    "dlq",
    "processed",
    "failed",
    "handler_p50",
    "handler_p99",
    "age_p50",
    "age_p99",
    "running",
    "desired",
    "max_workers",
    "target",
    "backlog_per_worker",
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS samples (service TEXT NOT NULL, at REAL NOT NULL, {", ".join(f"{c} REAL" for c in COLUMNS)});
CREATE INDEX IF NOT EXISTS samples_by_service ON samples (service, at);
CREATE TABLE IF NOT EXISTS audit (
  at REAL NOT NULL, action TEXT NOT NULL, service TEXT NOT NULL, target TEXT NOT NULL,
  count INTEGER NOT NULL, result TEXT NOT NULL, origin TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class AuditEntry:
    at: float
    action: str  # redrive, discard
    service: str
    target: str  # a group key, "all", or a message id
    count: int
    result: str
    origin: str  # who asked: the client address


class ConsoleStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._pruned_at = 0.0

    def close(self) -> None:
        self._db.close()

    def add(self, snapshot: Snapshot) -> None:
        rows = [
            (
                s.service,
                snapshot.at,
                s.visible,
                s.in_flight,
                s.dlq,
                s.processed_per_second,
                s.failed_per_second,
                s.handler_p50_ms,
                s.handler_p99_ms,
                s.age_p50_ms,
                s.age_p99_ms,
                s.running,
                s.desired,
                s.max_workers,
                s.target_backlog_per_worker,
                s.backlog_per_worker,
            )
            for s in snapshot.services
        ]
        marks = ", ".join("?" * (len(COLUMNS) + 2))
        self._db.executemany(f"INSERT INTO samples VALUES ({marks})", rows)
        if snapshot.at - self._pruned_at > 60:
            self._db.execute("DELETE FROM samples WHERE at < ?", (snapshot.at - RETENTION_SECONDS,))
            self._pruned_at = snapshot.at

    def history(self, service: str, seconds: float, now: float | None = None) -> dict[str, list[Any]]:
        """Columns of the last `seconds`, averaged into at most MAX_POINTS buckets (max for counts of workers)."""
        end = now or time.time()
        bucket = max(1.0, seconds / MAX_POINTS)
        agg = ", ".join(
            f"{'MAX' if c in ('running', 'desired', 'max_workers', 'target', 'dlq') else 'AVG'}({c})" for c in COLUMNS
        )
        rows = self._db.execute(
            f"SELECT MAX(at), {agg} FROM samples WHERE service = ? AND at >= ? "
            "GROUP BY CAST(at / ? AS INTEGER) ORDER BY 1",
            (service, end - seconds, bucket),
        ).fetchall()
        names = ("at", *COLUMNS)
        return {name: [_round(r[i]) for r in rows] for i, name in enumerate(names)}

    def audit(self, entry: AuditEntry) -> None:
        self._db.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry.at, entry.action, entry.service, entry.target, entry.count, entry.result, entry.origin),
        )

    def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        rows = self._db.execute("SELECT * FROM audit ORDER BY at DESC LIMIT ?", (limit,)).fetchall()
        return [AuditEntry(*row) for row in rows]


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value
