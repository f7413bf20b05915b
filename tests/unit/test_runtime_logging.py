"""The process's log lines: one JSON object per line on stderr's binary stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
import structlog

from orderflow.observability import configure_logging
from orderflow.settings import Settings


@pytest.fixture
def stderr_lines(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[str]]]:
    """What reached stderr (pytest's capture, not a TTY), as lines."""

    def lines() -> list[str]:
        return capsys.readouterr().err.splitlines()

    yield lines
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def test_json_log_lines_carry_the_bound_context_and_the_event(
    stderr_lines: Callable[[], list[str]], tmp_path: Path
) -> None:
    # GIVEN JSON logging configured for a service, and a message's context bound
    configure_logging(Settings(log_format="json", heartbeat_dir=tmp_path), service="inventory")
    structlog.contextvars.bind_contextvars(orderId="o-1")
    # WHEN the runtime logs its canonical line
    structlog.get_logger("test").info("message_handled", outcome="handled", durationMs=1.5)
    # THEN one JSON object per line reaches stderr's binary stream, with context and fields
    record = orjson.loads(stderr_lines()[-1])
    assert record["event"] == "message_handled"
    assert record["service"] == "inventory"
    assert record["orderId"] == "o-1"
    assert record["outcome"] == "handled"
    assert record["level"] == "info"
    assert record["timestamp"].endswith("Z")


def test_a_traceback_is_rendered_as_json_not_text(stderr_lines: Callable[[], list[str]], tmp_path: Path) -> None:
    configure_logging(Settings(log_format="json", heartbeat_dir=tmp_path), service="inventory")
    try:
        raise ValueError("boom")
    except ValueError as exc:
        structlog.get_logger("test").warning("handler_failed", exc_info=exc)
    record = orjson.loads(stderr_lines()[-1])
    assert record["exception"][0]["exc_type"] == "ValueError"
