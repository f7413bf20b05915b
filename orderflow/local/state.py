"""Where a running `orderflow dev` is, so that other terminals' CLI commands find it by themselves."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson


def state_file() -> Path:
    """ORDERFLOW_DEV_STATE_FILE, else one per machine: tests give their stacks their own, so a
    test run never hijacks the CLI of the platform a developer has running."""
    return Path(os.environ.get("ORDERFLOW_DEV_STATE_FILE") or Path(tempfile.gettempdir()) / "orderflow-dev.json")


def write_state(**state: Any) -> None:
    """Readable by this user only: the state holds the local API key (`apiKey`)."""
    with contextlib.suppress(FileNotFoundError):
        state_file().unlink()  # a file left by someone else keeps its mode; start afresh
    descriptor = os.open(state_file(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(orjson.dumps({**state, "pid": os.getpid()}))


def clear_state() -> None:
    with contextlib.suppress(FileNotFoundError):
        if orjson.loads(state_file().read_bytes()).get("pid") == os.getpid():
            state_file().unlink()


def read_state() -> dict[str, Any] | None:
    """The running local platform's endpoints, or None when none is running."""
    try:
        state: dict[str, Any] = orjson.loads(state_file().read_bytes())
        os.kill(int(state["pid"]), 0)
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, KeyError, orjson.JSONDecodeError):
        return None
    return state
