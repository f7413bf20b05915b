"""Event and API contracts: versioned, frozen pydantic models whose JSON Schemas are checked in."""

from orderflow.contracts.envelope import Event, EventModel, outcome_id
from orderflow.contracts.events import EVENT_TYPES, parse_event

__all__ = ["EVENT_TYPES", "Event", "EventModel", "outcome_id", "parse_event"]
