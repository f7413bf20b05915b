"""The topology file (topology.yaml): who hears which events, queue and scaling settings.

Read by local provisioning and the workers here, and by Terraform's topology module.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, model_validator

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


def backlog_per_task(latency_goal_seconds: float, seconds_per_message: float) -> int:
    """The scaling target: messages one task may have waiting and still meet the latency goal.

    Rounded to micro-units before the floor, as terraform/modules/topology does: binary floats put
    30 / 0.3 a hair under 100, and the two readers must agree on every target.
    """
    return math.floor(round(latency_goal_seconds / seconds_per_message, 6))


class ScalingSettings(_Strict):
    min_tasks: int = Field(alias="minTasks", ge=0)
    max_tasks: int = Field(alias="maxTasks", ge=1)
    # How long a message may wait in the queue before it is handled (also the MessageAge alarm's
    # threshold), and how long one task spends per message on average (handler time / in flight).
    latency_goal_seconds: float = Field(alias="latencyGoalSeconds", gt=0, le=86400)
    seconds_per_message: float = Field(alias="secondsPerMessage", gt=0, le=3600)
    # Target tracking's cooldowns (the wake-from-zero step policy uses the scale-out one).
    scale_out_cooldown_seconds: int = Field(default=60, alias="scaleOutCooldownSeconds", ge=0, le=3600)
    scale_in_cooldown_seconds: int = Field(default=300, alias="scaleInCooldownSeconds", ge=0, le=3600)

    @model_validator(mode="before")
    @classmethod
    def _target_is_derived(cls, data: Any) -> Any:
        if isinstance(data, dict) and "targetBacklogPerTask" in data:
            raise ValueError(
                "targetBacklogPerTask is derived (latencyGoalSeconds / secondsPerMessage): set those instead"
            )
        return data

    @model_validator(mode="after")
    def _min_le_max(self) -> ScalingSettings:
        if self.min_tasks > self.max_tasks:
            raise ValueError(f"minTasks ({self.min_tasks}) > maxTasks ({self.max_tasks})")
        if self.target_backlog_per_task < 1:
            raise ValueError(
                f"latencyGoalSeconds ({self.latency_goal_seconds:g}) must be at least secondsPerMessage "
                f"({self.seconds_per_message:g}): no number of tasks meets a goal shorter than one message"
            )
        return self

    @computed_field(alias="targetBacklogPerTask")  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def target_backlog_per_task(self) -> int:
        """Backlog-per-task target of target tracking (and of the local supervisor)."""
        return backlog_per_task(self.latency_goal_seconds, self.seconds_per_message)


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
    def _dlq_outlives_queue(self) -> Service:
        if self.queue.dlq_retention_seconds <= self.queue.retention_seconds:
            raise ValueError("queue.dlqRetentionSeconds must exceed queue.retentionSeconds (or dead messages expire)")
        return self

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
    terminal_events: tuple[str, ...] = Field(
        default=(),
        alias="terminalEvents",
        description="Published events no service subscribes to by name (catch-all subscribers still hear them).",
    )

    @model_validator(mode="after")
    def _references_resolve(self) -> Topology:
        for service in self.services.values():
            if not service.table:
                raise ValueError(
                    f"services.{service.name}.table: every worker needs a table for its idempotency records"
                )
            if service.table not in self.tables:
                raise ValueError(f"services.{service.name}.table: unknown table {service.table!r}")
            if service.name not in self.tables[service.table].writers:
                raise ValueError(f"tables.{service.table}.writers must include {service.name!r}, the service using it")
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


_SECTIONS = ("queue", "scaling", "delivery")
Layer = tuple[str, dict[str, Any]]  # (key path for messages, mapping)


def parse_topology(raw: Any, *, local: bool = False, origin: str = "topology") -> Topology:
    """Validate raw YAML data; every error names the file and the offending key path.

    Settings merge in this order, later wins: `defaults`, the service's own, and in
    local mode `local` (all services) then `local.services.<name>`. The `local` section is
    validated even when not applied, so a typo there fails in CI, not on a laptop; and it may
    lower a service's maxTasks for a laptop, never raise it.
    """
    topology = _build(raw, local=local, origin=origin)
    if isinstance(raw, dict) and raw.get("local"):
        other = _build(raw, local=not local, origin=origin)
        _local_only_lowers_max(other if local else topology, topology if local else other, origin)
    return topology


def _local_only_lowers_max(aws: Topology, laptop: Topology, origin: str) -> None:
    for name, service in laptop.services.items():
        mine, theirs = service.scaling.max_tasks, aws.services[name].scaling.max_tasks
        if mine > theirs:
            raise TopologyError(
                f"{origin}: local: services.{name} would get maxTasks {mine} locally, above its own {theirs} "
                f"(a local section may only lower it: set local.services.{name}.scaling.maxTasks)"
            )


def _build(raw: Any, *, local: bool, origin: str) -> Topology:
    if not isinstance(raw, dict):
        raise TopologyError(f"{origin}: expected a mapping at the top level")
    defaults = _section(raw.get("defaults"), "defaults", _SECTIONS, origin)
    overrides = _section(raw.get("local"), "local", (*_SECTIONS, "services"), origin)
    specs = _mapping(raw.get("services"), "services", origin)
    local_services = _mapping(overrides.get("services"), "local.services", origin)
    for name in local_services:
        if name not in specs:
            raise TopologyError(f"{origin}: local.services.{name}: no such service")
    services = {}
    for name, spec in specs.items():
        own = _mapping(spec, f"services.{name}", origin)
        layers: list[Layer] = [("defaults", defaults), (f"services.{name}", own)]
        if local:
            extra = _section(local_services.get(name), f"local.services.{name}", _SECTIONS, origin)
            layers += [("local", overrides), (f"local.services.{name}", extra)]
        merged = {key: value for key, value in own.items() if key not in _SECTIONS}
        for section in _SECTIONS:
            merged[section] = _layered(layers, section, origin)
        services[name] = {"name": name, **merged}
    api = dict(_mapping(raw.get("api"), "api", origin))
    api["scaling"] = _layered([("defaults", defaults), ("api", api)], "scaling", origin)
    rest = {k: v for k, v in raw.items() if k not in ("defaults", "local", "services", "api")}
    try:
        return Topology.model_validate({**rest, "api": api, "services": services})
    except ValidationError as exc:
        raise TopologyError(_describe(origin, exc)) from None


def _mapping(value: Any, path: str, origin: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TopologyError(f"{origin}: {path}: expected a mapping, got {type(value).__name__}")
    return value


def _section(value: Any, path: str, allowed: tuple[str, ...], origin: str) -> dict[str, Any]:
    mapping = _mapping(value, path, origin)
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        paths = ", ".join(f"{path}.{key}" for key in unknown)
        raise TopologyError(f"{origin}: {paths}: unknown key (allowed under {path}: {', '.join(allowed)})")
    return mapping


def _layered(layers: list[Layer], section: str, origin: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path, layer in layers:
        merged.update(_mapping(layer.get(section), f"{path}.{section}", origin))
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
