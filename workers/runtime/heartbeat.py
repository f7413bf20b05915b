"""Health without HTTP: every tick the loop rewrites its status file (orderflow.workerstatus);
the file's mtime is the heartbeat `orderflow health` checks, its content what local tools read."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orderflow.workerstatus import WorkerStatus, write_atomically


class Heartbeat:
    def __init__(self, path: Path, *, service: str = "", worker_id: str | None = None) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.service = service
        self.worker_id = worker_id or str(os.getpid())
        self.started_at = datetime.now(UTC)

    def beat(self, **progress: Any) -> None:
        """Rewrite the status file by atomic rename; `progress` is WorkerStatus's changing part."""
        status = WorkerStatus(
            service=self.service,
            worker_id=self.worker_id,
            pid=os.getpid(),
            started_at=self.started_at,
            updated_at=datetime.now(UTC),
            **progress,
        )
        write_atomically(self.path, status.model_dump_json().encode())

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the last beat, or None when there never was one."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
