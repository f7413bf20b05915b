"""Consumer contracts, from topology.yaml: every event a service subscribes to has a schema and a
fixture its subscription really matches; every event published is subscribed by name or declared terminal.

Patterns are matched with the emulator's own EventBridge pattern engine (moto's EventPattern), the one
local mode routes with, over each fixture wrapped as EventBridge delivers it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from moto.events.models import EventPattern

from orderflow.contracts import EVENT_TYPES, parse_event
from orderflow.contracts.schemas import DEFAULT_DIR
from orderflow.topology import Service, load_topology

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "events"
TOPOLOGY = load_topology(REPO / "topology.yaml")


def fixture(event_type: str, version: int) -> dict[str, Any]:
    detail: dict[str, Any] = orjson.loads((FIXTURES / f"{event_type}.v{version}.json").read_bytes())
    return detail


def as_delivered(detail: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event a rule sees: source and detail-type from the envelope, detail = envelope."""
    return {"source": detail["source"], "detail-type": detail["eventType"], "detail": detail}


def named_types(pattern: dict[str, Any]) -> list[str]:
    return [t for t in pattern.get("detail-type", []) if isinstance(t, str)]


SUBSCRIPTIONS = [
    pytest.param(service, name, pattern, id=f"{service.name}.{name}")
    for service in TOPOLOGY.services.values()
    for name, pattern in service.subscriptions.items()
]


@pytest.mark.parametrize("key", sorted(EVENT_TYPES), ids=lambda k: f"{k[0]}.v{k[1]}")
def test_every_registered_event_has_a_checked_in_fixture_that_parses(key: tuple[str, int]) -> None:
    event = parse_event(fixture(*key))
    assert (event.event_type, event.event_version) == key


@pytest.mark.parametrize(("service", "subscription", "pattern"), SUBSCRIPTIONS)
def test_each_named_event_of_a_subscription_has_a_schema_and_a_fixture_it_matches(
    service: Service, subscription: str, pattern: dict[str, Any]
) -> None:
    engine = EventPattern.load(json.dumps(pattern))
    for event_type in named_types(pattern):
        versions = sorted(v for t, v in EVENT_TYPES if t == event_type)
        assert versions, f"{service.name}.{subscription} subscribes to {event_type}, which has no model"
        for version in versions:
            assert (DEFAULT_DIR / "events" / f"{event_type}.v{version}.json").is_file()
            assert engine.matches_event(as_delivered(fixture(event_type, version))), (
                f"{service.name}.{subscription} does not match its own {event_type} v{version} fixture"
            )


def test_a_catch_all_subscription_hears_every_fixture() -> None:
    catch_all = [
        (s.name, p) for s in TOPOLOGY.services.values() for p in s.subscriptions.values() if not named_types(p)
    ]
    assert catch_all, "the audit trail subscribes to every event"
    for service, pattern in catch_all:
        engine = EventPattern.load(json.dumps(pattern))
        for key in EVENT_TYPES:
            assert engine.matches_event(as_delivered(fixture(*key))), f"{service} misses {key}"


def test_every_published_event_is_subscribed_by_name_or_declared_terminal() -> None:
    subscribed = {t for s in TOPOLOGY.services.values() for p in s.subscriptions.values() for t in named_types(p)}
    published = {t for s in (TOPOLOGY.api, *TOPOLOGY.services.values()) for t in s.publishes}
    assert published - subscribed == set(TOPOLOGY.terminal_events)
    assert not set(TOPOLOGY.terminal_events) & subscribed, "a terminal event has a named subscriber"


def test_every_published_event_has_a_model() -> None:
    known = {t for t, _ in EVENT_TYPES}
    for publisher in (TOPOLOGY.api, *TOPOLOGY.services.values()):
        assert set(publisher.publishes) <= known
