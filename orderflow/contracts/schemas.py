"""Export the JSON Schemas of every event and API body to a checked-in folder, and diff against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from orderflow.contracts.api import (
    CancellationAccepted,
    CancelOrderRequest,
    OrderAccepted,
    OrderView,
    PlaceOrderRequest,
    Problem,
)
from orderflow.contracts.events import EVENT_TYPES

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"
API_MODELS: tuple[type[BaseModel], ...] = (
    PlaceOrderRequest,
    OrderAccepted,
    OrderView,
    Problem,
    CancelOrderRequest,
    CancellationAccepted,
)


def generated() -> dict[str, bytes]:
    """Relative path -> schema document, for every contract this build knows."""
    documents: dict[str, Any] = {}
    for (event_type, version), event_model in sorted(EVENT_TYPES.items()):
        documents[f"events/{event_type}.v{version}.json"] = event_model.model_json_schema(by_alias=True)
    for model in API_MODELS:
        documents[f"api/{model.__name__}.json"] = model.model_json_schema(by_alias=True)
    return {
        path: orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        for path, doc in documents.items()
    }


def export(directory: Path = DEFAULT_DIR) -> list[Path]:
    written = []
    for relative, content in generated().items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def differences(directory: Path = DEFAULT_DIR) -> list[str]:
    """Human-readable list of schemas that are missing, stale or no longer generated."""
    expected = generated()
    problems = []
    for relative, content in expected.items():
        path = directory / relative
        if not path.exists():
            problems.append(f"missing: {relative}")
        elif path.read_bytes() != content:
            problems.append(f"stale: {relative}")
    on_disk = {str(p.relative_to(directory)) for p in directory.rglob("*.json")} if directory.exists() else set()
    problems += [f"orphaned: {extra}" for extra in sorted(on_disk - expected.keys())]
    return problems
