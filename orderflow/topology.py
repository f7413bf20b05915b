"""The topology file (topology.yaml): who hears which events, queue and scaling settings.

Read by local provisioning and the workers here, and by Terraform's topology module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from orderflow.errors import TopologyError

_NAME = r"^[a-z][a-z0-9-]{0,30}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class QueueSettings(_Strict):
    visibility_timeout_seconds: int = Field(alias="visibilityTimeoutSeconds", ge=1, le=43200)
    max_receive_count: int = Field(alias="maxReceiveCount", ge=1, le=1000)
    retention_seconds: int = Field(alias="retentionSeconds", ge=60, le=1209600)
    dlq_retention_seconds: int = Field(alias="dlqRetentionSeconds", ge=60, le=1209600)
    wait_time_seconds: int = Field(alias="waitTimeSeconds", ge=0, le=20)


class ScalingSettings(_Strict):
    min_tasks: int = Field(alias="minTasks", ge=0)
    max_tasks: int = Field(alias="maxTasks", ge=1)
    target_backlog_per_task: int = Field(default=100, alias="targetBacklogPerTask", ge=1)

    @model_validator(mode="after")
    def _min_le_max(self) -> ScalingSettings:
        if self.min_tasks > self.max_tasks:
            raise ValueError(f"minTasks ({self.min_tasks}) > maxTasks ({self.max_tasks})")
        return self


class DeliverySettings(_Strict):
    maximum_retry_attempts: int = Field(alias="maximumRetryAttempts", ge=0, le=185)
    maximum_event_age_seconds: int = Field(alias="maximumEventAgeSeconds", ge=60, le=86400)


class Service(_Strict):
    """A queue consumer, with defaults already merged in."""

    name: str = Field(pattern=_NAME)
    description: str = ""
    table: str | None = None
    publishes: tuple[str, ...] = ()
    subscriptions: dict[str, dict[str, Any]] = Field(min_length=1)
    queue: QueueSettings
    scaling: ScalingSettings
    delivery: DeliverySettings

    @model_validator(mode="after")
    def _patterns_name_events(self) -> Service:
        for sub, pattern in self.subscriptions.items():
            if not pattern.get("detail-type") and not pattern.get("source"):
                raise ValueError(f"subscription {sub!r} must filter on source or detail-type")
        return self


class Table(_Strict):
    writers: tuple[str, ...] = ()
    readers: tuple[str, ...] = ()


class Api(_Strict):
    publishes: tuple[str, ...] = ()
    scaling: ScalingSettings


class Topology(_Strict):
    version: int = Field(ge=1, le=1)
    bus: str = Field(pattern=r"^[A-Za-z0-9._-]{1,256}$")
    api: Api
    services: dict[str, Service]
    tables: dict[str, Table]

    @model_validator(mode="after")
    def _references_resolve(self) -> Topology:
        for service in self.services.values():
            if service.table and service.table not in self.tables:
                raise ValueError(f"services.{service.name}.table: unknown table {service.table!r}")
        known = {*self.services, "api"}
        for name, table in self.tables.items():
            for who in (*table.writers, *table.readers):
                if who not in known:
                    raise ValueError(f"tables.{name}: unknown service {who!r}")
        return self

    def service(self, name: str) -> Service:
        try:
            return self.services[name]
        except KeyError:
            raise TopologyError(f"no service {name!r} in topology (have: {', '.join(self.services)})") from None


def parse_topology(raw: Any, *, local: bool = False, origin: str = "topology") -> Topology:
    """Validate raw YAML data; errors name the offending key path.

    Settings merge in this order, later wins: `defaults`, the service's own, and in
    local mode `local` (all services) then `local.services.<name>`.
    """
    if not isinstance(raw, dict):
        raise TopologyError(f"{origin}: expected a mapping at the top level")
    raw = dict(raw)
    overrides = raw.pop("local", None) or {}
    defaults = raw.pop("defaults", None) or {}
    sections = ("queue", "scaling", "delivery")
    try:
        services = {}
        for name, spec in (raw.pop("services", None) or {}).items():
            layers = [defaults, spec or {}]
            if local:
                layers += [overrides, (overrides.get("services") or {}).get(name) or {}]
            merged = {key: value for key, value in (spec or {}).items() if key not in sections}
            for section in sections:
                merged[section] = _layered(layers, section)
            services[name] = {"name": name, **merged}
        api = dict(raw.pop("api", None) or {})
        api["scaling"] = _layered([defaults, api], "scaling")
        return Topology.model_validate({**raw, "api": api, "services": services})
    except ValidationError as exc:
        raise TopologyError(_describe(origin, exc)) from None


def _layered(layers: list[dict[str, Any]], section: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in layers:
        value = layer.get(section)
        if value is not None and not isinstance(value, dict):
            raise TopologyError(f"{section}: expected a mapping, got {type(value).__name__}")
        merged.update(value or {})
    return merged


def _describe(origin: str, exc: ValidationError) -> str:
    lines = [f"{origin} is invalid:"]
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {path}: {err['msg']}")
    return "\n".join(lines)


def load_topology(path: Path, *, local: bool = False) -> Topology:
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise TopologyError(f"{path}: not valid YAML: {exc}") from None
    return parse_topology(raw, local=local, origin=str(path))
