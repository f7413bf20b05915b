"""One settings class for every process, read from ORDERFLOW_* environment variables."""

from __future__ import annotations

import os
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orderflow.auth import parse_api_keys
from orderflow.aws.faults import parse_faults
from orderflow.topology import Topology, load_topology
from orderflow.workerstatus import worker_status_path

_REPO_TOPOLOGY = Path(__file__).resolve().parent.parent / "topology.yaml"
LOCAL_EMAIL_SENDER = "orders@orderflow.localhost"  # local mode's sender: the emulator keeps what it sends


def _default_topology_path() -> Path:
    """The working directory's topology.yaml, else the repository's (editable installs)."""
    local = Path("topology.yaml")
    return local if local.is_file() else _REPO_TOPOLOGY


def _default_state_dir(data: dict[str, Any]) -> Path:
    """$XDG_STATE_HOME/orderflow/<prefix>, else ~/.local/state/orderflow/<prefix> (XDG Base Directory)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "orderflow" / str(data.get("resource_prefix", "orderflow"))


class Settings(BaseSettings):
    """Validated at start-up; a bad value stops the process with a message naming the variable."""

    model_config = SettingsConfigDict(env_prefix="ORDERFLOW_", extra="ignore", frozen=True)

    topology_path: Path = Field(default_factory=_default_topology_path)
    resource_prefix: str = Field(default="orderflow", pattern=r"^[a-zA-Z0-9-]{1,40}$")
    bus_name: str | None = None
    local_mode: bool = False
    simulation_enabled: bool | None = Field(
        default=None, description="Accept the seed's test levers; defaults to local_mode."
    )
    region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Worker runtime.
    receivers: int = Field(default=4, ge=1, le=32)
    max_in_flight: int = Field(default=40, ge=1, le=1000)
    shutdown_deadline_seconds: float = Field(default=25.0, gt=0, le=120)
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field(
        default="auto",
        description="The worker's event loop; auto: uvloop where it is installed (B1: less CPU per AWS call).",
    )
    heartbeat_dir: Path = Field(default_factory=lambda: Path(tempfile.gettempdir()))
    heartbeat_max_age_seconds: float = Field(default=60.0, gt=0)
    worker_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Names this worker process; the dev supervisor sets <service>-<n>. When set, the "
        "status file (the heartbeat) is workers/<service>.<id>.json under state_dir.",
    )
    # Local tools' files (orderflow.local.runstate): worker status, supervisor state, scaling log,
    # console control. Declared after resource_prefix, which the default reads.
    state_dir: Path = Field(default_factory=_default_state_dir)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=300.0, gt=0)
    publish_linger_seconds: float = Field(default=0.005, ge=0, le=1)
    # Deletes are on no latency path: the handler's slot is free once its delete is handed over, and
    # the message stays hidden meanwhile. A kill inside the linger redelivers (after the visibility
    # timeout, ≥ 10 s), which every consumer absorbs. B2 bursty: 7.9 → 1.8 delete batches per order.
    delete_linger_seconds: float = Field(default=1.0, ge=0, le=1)
    # B2 bursty: 14.4 → 6.0 receives per order; B3 p50 at 5 orders/s unchanged (0.25 s: +0.6 s).
    receive_window_seconds: float = Field(
        default=0.1,
        ge=0,
        le=5,
        description="After a receive that returned some messages but fewer than asked, wait this long before "
        "the next one so a trickle gathers into fuller receives (0: poll again at once).",
    )
    # AWS-request shape switches. The defaults are the optimised runtime; the benchmarks (B2, B5)
    # flip them to measure the "naive" shape most tutorials show against it.
    receive_batch_size: int = Field(default=10, ge=1, le=10, description="Messages per ReceiveMessage.")
    batch_deletes: bool = Field(
        default=True, description="DeleteMessageBatch of up to 10; off: one DeleteMessage each."
    )
    publish_batch_size: int = Field(
        default=10, ge=1, le=10, description="Events per PutEvents call (1: one call each)."
    )
    idempotency_in_transaction: bool = Field(
        default=True, description="Processed-event record inside the state transaction; off: its own conditional put."
    )

    # Tracing (orderflow.tracing, docs/tracing.md).
    tracing_enabled: bool = Field(default=True, description="Off: no spans, and events carry no trace context.")
    trace_sample_ratio: float = Field(
        default=1.0, ge=0, le=1, description="Share of new traces exported; failed handlers' spans always are."
    )
    trace_exporter: Literal["auto", "local", "otlp"] = Field(
        default="auto", description="auto: a JSONL file under state_dir/traces in local mode, else OTLP."
    )
    trace_file_max_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024, description="Per process, one rotation.")

    # Simulated dependencies (shipping's carrier) and channels (notification).
    carrier_failure_rate: float = Field(default=0.0, ge=0, le=1)
    carrier_latency_seconds: float = Field(default=0.0, ge=0)
    carrier_timeout_seconds: float = Field(default=5.0, gt=0)
    notifications_topic_arn: str | None = None
    email_sender: str | None = Field(
        default=None,
        description="SES identity customer email is sent from (unset: no email, SNS/log only; "
        f"in local mode {LOCAL_EMAIL_SENDER}, captured by the emulator: `orderflow mail list`).",
    )
    email_configuration_set: str | None = Field(default=None, description="SES configuration set (bounce events).")
    supplier_delay_seconds: float = Field(
        default=2.0, ge=0, le=600, description="The simulated supplier delivers a purchase order after this long."
    )

    # Fault injection (orderflow.aws.faults, docs/chaos.md): never active unless set.
    faults: str | None = Field(default=None, description="e.g. sqs.ReceiveMessage:before=0.02,after=0.02")
    faults_seed: int | None = None
    faults_ledger: Path | None = Field(default=None, description="Append one JSON line per injected fault here.")

    # Order API.
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)
    outbox_sweep_seconds: float = Field(default=5.0, gt=0)
    max_items_per_order: int = Field(default=50, ge=1)
    max_quantity_per_line: int = Field(default=1000, ge=1)
    api_keys: str = Field(
        default="",
        description="Comma-separated client_id:salt_hex:sha256_hex entries (`orderflow apikey create`).",
    )
    dev_api_key: SecretStr | None = Field(
        default=None, description="Local mode only: a plain key accepted as client `dev`; ignored otherwise."
    )
    rate_limit_per_second: float = Field(default=100.0, gt=0, description="Per key and per API process.")
    rate_limit_burst: int = Field(default=200, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=1024 * 1024)

    @field_validator("topology_path")
    @classmethod
    def _topology_exists(cls, path: Path) -> Path:
        if not path.is_file():
            raise ValueError(f"topology file not found: {path} (set ORDERFLOW_TOPOLOGY_PATH)")
        return path

    @field_validator("faults")
    @classmethod
    def _faults_parse(cls, spec: str | None) -> str | None:
        if spec:
            parse_faults(spec)  # FaultSpecError is a ValueError: reported against ORDERFLOW_FAULTS
        return spec or None

    @field_validator("api_keys")
    @classmethod
    def _api_keys_parse(cls, raw: str) -> str:
        parse_api_keys(raw)  # a ValueError names the bad entry; pydantic adds the variable
        return raw

    @cached_property
    def topology(self) -> Topology:
        return load_topology(self.topology_path, local=self.local_mode)

    @property
    def simulation(self) -> bool:
        return self.local_mode if self.simulation_enabled is None else self.simulation_enabled

    @property
    def customer_email_sender(self) -> str | None:
        """Who customer email comes from: set explicitly, or local mode's captured mailbox."""
        return self.email_sender or (LOCAL_EMAIL_SENDER if self.local_mode else None)

    @property
    def bus(self) -> str:
        return self.bus_name or self.topology.bus

    def queue_name(self, service: str) -> str:
        return f"{self.resource_prefix}-{service}"

    def dlq_name(self, service: str) -> str:
        return f"{self.resource_prefix}-{service}-dlq"

    def table_name(self, table: str) -> str:
        return f"{self.resource_prefix}-{table}"

    def rule_name(self, service: str, subscription: str) -> str:
        return f"{self.resource_prefix}-{service}-{subscription}"

    def heartbeat_file(self, service: str) -> Path:
        """The worker's status file, whose mtime is its heartbeat. Without a worker id (a container:
        one worker per task) it lives in heartbeat_dir, the task's writable scratch volume."""
        if self.worker_id:
            return worker_status_path(self.state_dir, service, self.worker_id)
        return self.heartbeat_dir / f"orderflow-{self.resource_prefix}-{service}.heartbeat"
