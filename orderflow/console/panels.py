"""The one dashboard definition (terraform/modules/dashboard/panels.json), as the console renders it.

The CloudWatch dashboard (Terraform) and the console read the same file, so both show the same
panels under the same titles; tests/infra/test_dashboard_parity.py checks the two renderings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

DEFINITION = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "dashboard" / "panels.json"


@dataclass(frozen=True)
class Series:
    label: str
    metric: str  # the CloudWatch metric name, or the metric-math expression's id
    field: str  # the ServiceView field that carries it in the console


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    series: tuple[Series, ...]
    line: str | None  # a reference line: target, goal or max


@cache
def service_panels(path: Path = DEFINITION) -> tuple[Panel, ...]:
    raw: dict[str, Any] = orjson.loads(path.read_bytes())
    return tuple(_panel(p) for p in raw["service"])


def _panel(raw: dict[str, Any]) -> Panel:
    shown = [m for m in [*raw["metrics"], *raw.get("expressions", [])] if not m.get("hidden")]
    series = tuple(Series(m["label"], m.get("name") or m["id"], m["console"]) for m in shown)
    return Panel(raw["id"], raw["title"], series, raw.get("line"))


def console_titles(service: str) -> list[str]:
    """The titles the console shows for a service: the CloudWatch widget titles, word for word."""
    return [f"{service}: {p.title}" for p in service_panels()]
