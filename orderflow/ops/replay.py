"""`orderflow replay`: send a time window of past events again, to the whole bus or to one service.

In AWS this is an EventBridge archive replay (StartReplay from the archive Terraform's event-bus
module creates, `<bus>-all`, onto the bus; `--service` narrows it to that service's rules with
FilterArns). EventBridge cannot filter a replay by event type: `--event-type` narrows it to the
rules that subscribe to that type, and every archived event those rules match is replayed.

Locally the emulator's replay cannot serve (docs/operations.md, "Replay"), so orderflow.local.replay
reads the audit service's event store instead. Either way the consumers' idempotency makes a
replay safe: an event already applied is recognised by its eventId and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orderflow.ops.aws import client
from orderflow.settings import Settings


class ReplayError(ValueError):
    """A replay that cannot run as asked (the CLI prints it as one line)."""


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    event_type: str | None = None
    service: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ReplayError("--from and --to need a time zone (e.g. 2026-12-01T12:00:00Z)")
        if self.start >= self.end:
            raise ReplayError("--from must be before --to")
        if self.end > datetime.now(UTC):
            raise ReplayError("--to is in the future: nothing has been archived there yet")


@dataclass
class ReplayPlan:
    """What a replay would do, for --dry-run and for the confirmation question."""

    where: str  # "AWS archive <name>" or "local event store"
    destination: str
    lines: list[str] = field(default_factory=list)
    count: int | None = None  # events that will be sent (None: only AWS knows, as it replays)
    by_type: dict[str, int] = field(default_factory=dict)


Progress = Callable[[float, str], None]  # (fraction done 0..1, what is happening)


def rules_for(settings: Settings, window: Window) -> list[tuple[str, str]]:
    """(service, rule name) of the rules a replay should reach: one service's, or every service's,
    narrowed to those whose pattern can match `window.event_type`."""
    found = []
    for name, service in settings.topology.services.items():
        if window.service and name != window.service:
            continue
        for sub, pattern in service.subscriptions.items():
            types = pattern.get("detail-type")
            if window.event_type and types is not None and window.event_type not in types:
                continue
            found.append((name, settings.rule_name(name, sub)))
    return found


class ArchiveReplay:
    """EventBridge StartReplay from the environment's archive (AWS)."""

    def __init__(self, settings: Settings, window: Window, endpoint_url: str | None = None) -> None:
        self.settings, self.window = settings, window
        self.events = client(settings, "events", endpoint_url)
        self.archive = f"{settings.bus}-all"  # terraform/modules/event-bus: "${var.name}-all"

    def plan(self) -> ReplayPlan:
        archive = self.events.describe_archive(ArchiveName=self.archive)
        rules = rules_for(self.settings, self.window)
        if not rules:
            raise ReplayError("no rule subscribes to that event type for that service: nothing would be replayed")
        narrowed = self.window.service or self.window.event_type
        plan = ReplayPlan(
            where=f"AWS archive {self.archive} ({archive.get('EventCount', '?')} events archived in all)",
            destination=f"bus {self.settings.bus}" + (f", {len(rules)} rules only" if narrowed else ""),
        )
        plan.lines = [f"rule {rule} ({service})" for service, rule in rules] if narrowed else []
        if self.window.event_type:
            plan.lines.append("EventBridge replays whole windows per rule: other event types these rules match go too")
        return plan

    def run(self, progress: Progress) -> dict[str, Any]:
        bus_arn = self.events.describe_event_bus(Name=self.settings.bus)["Arn"]
        destination: dict[str, Any] = {"Arn": bus_arn}
        if self.window.service or self.window.event_type:
            destination["FilterArns"] = [
                self.events.describe_rule(Name=rule, EventBusName=self.settings.bus)["Arn"]
                for _, rule in rules_for(self.settings, self.window)
            ]
        name = f"{self.settings.resource_prefix}-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        archive_arn = self.events.describe_archive(ArchiveName=self.archive)["ArchiveArn"]
        self.events.start_replay(
            ReplayName=name,
            EventSourceArn=archive_arn,
            EventStartTime=self.window.start,
            EventEndTime=self.window.end,
            Destination=destination,
        )
        return self._follow(name, progress)

    def _follow(self, name: str, progress: Progress) -> dict[str, Any]:
        span = (self.window.end - self.window.start).total_seconds()
        while True:
            replay = self.events.describe_replay(ReplayName=name)
            state, last = replay["State"], replay.get("EventLastReplayedTime")
            done = (last - self.window.start).total_seconds() / span if last else 0.0
            progress(1.0 if state == "COMPLETED" else min(done, 0.99), f"{name}: {state}")
            if state in ("COMPLETED", "CANCELLED", "FAILED"):
                return {"replay": name, "state": state, "reason": replay.get("StateReason")}
            time.sleep(2)
