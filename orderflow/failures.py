"""Why a message failed, kept beside the message id: what the console groups a DLQ by.

SQS keeps a message's id when its redrive policy moves it to the DLQ, but nothing of why it
failed; the runtime logs the reason on every failed receive. In local mode (ORDERFLOW_LOCAL_MODE)
it also appends it here — <state_dir>/failures/<service>.jsonl, one line per failed attempt — so
that the console can name each dead message's last failure without a log store. In AWS the same
reasons are in the workers' logs (`message_handled` lines with `outcome` and `reason`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from orderflow.workerstatus import StateModel, write_atomically

MAX_BYTES = 1_000_000  # then the oldest half is dropped: bounded however long a laptop runs


class FailureRecord(StateModel):
    message_id: str
    at: datetime
    receive_count: int
    reason: str


def failures_path(state_dir: Path, service: str) -> Path:
    return state_dir / "failures" / f"{service}.jsonl"


def append_failure(path: Path, record: FailureRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as out:
        out.write(record.model_dump_json().encode() + b"\n")
        size = out.tell()
    if size > MAX_BYTES:
        lines = path.read_bytes().splitlines(keepends=True)
        write_atomically(path, b"".join(lines[len(lines) // 2 :]))


def last_failures(path: Path, message_ids: Iterable[str] | None = None) -> dict[str, FailureRecord]:
    """The latest record per message id (of those asked for); a torn line is skipped."""
    wanted = set(message_ids) if message_ids is not None else None
    found: dict[str, FailureRecord] = {}
    try:
        raw = path.read_bytes()
    except OSError:
        return found
    for line in raw.splitlines():
        try:
            record = FailureRecord.model_validate_json(line)
        except ValidationError:
            continue
        if wanted is None or record.message_id in wanted:
            found[record.message_id] = record
    return found
