"""Where a running `orderflow dev` is, so that other terminals' CLI commands find it by themselves."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

STATE_FILE = Path(tempfile.gettempdir()) / "orderflow-dev.json"


def write_state(**state: Any) -> None:
    STATE_FILE.write_bytes(orjson.dumps({**state, "pid": os.getpid()}))


def clear_state() -> None:
    with contextlib.suppress(FileNotFoundError):
        if orjson.loads(STATE_FILE.read_bytes()).get("pid") == os.getpid():
            STATE_FILE.unlink()


def read_state() -> dict[str, Any] | None:
    """The running local platform's endpoints, or None when none is running."""
    try:
        state: dict[str, Any] = orjson.loads(STATE_FILE.read_bytes())
        os.kill(int(state["pid"]), 0)
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, KeyError, orjson.JSONDecodeError):
        return None
    return state
