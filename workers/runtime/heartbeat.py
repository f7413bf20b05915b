"""Health without HTTP: the loop touches a file; `orderflow health` checks how old it is."""

from __future__ import annotations

import os
import time
from pathlib import Path


class Heartbeat:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def beat(self) -> None:
        self.path.touch()
        os.utime(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the last beat, or None when there never was one."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
