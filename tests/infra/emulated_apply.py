"""`terraform apply` / `plan` / `destroy` of a Terraform root against the local emulator.

A root is run from a copy (the repository's terraform/ and topology.yaml, or those of a git
revision), never from the source tree, with one file added, `zz_emulated_override.tf`: a local
backend whose state file the caller chooses, and the provider given fake keys, `max_retries = 2`
(the default 25 turns each emulator HTTP 500 into minutes of back-off) and every endpoint on the
emulator. Modules and environment files are the ones users apply.

Two trees can share one state file, so a refactored tree can be planned against what an older
tree applied: that is how `moved` blocks are proven to destroy and replace nothing.

    with emulated_root(revision="main") as old:          # the tree before the refactor
        old.apply()
        new = EmulatedRoot(export_tree(tmp / "new"), old.root, old.emulator, old.state, old.variables).init()
        changes = planned_changes(new.plan())              # the working tree, against old's state
        assert not changes.get("delete") and not changes.get("replace")
        old.destroy()

The emulator is the project's own (orderflow.local.emulator) with moto's managed IAM policies
loaded (`MOTO_IAM_LOAD_MANAGED_POLICIES`, moto's own switch: the roots attach AWS managed policies).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import psutil

from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port
from tests.infra.hcl import REPO, load_module
from tests.infra.provider import find_provider, missing_reason, plugin_dir

SHIM = REPO / "tools" / "terraform"
OVERRIDE = "zz_emulated_override.tf"
VARIABLES = "zz_emulated.auto.tfvars.json"
PARALLELISM = 30
# Every AWS service the roots create resources in (provider 5.100 / 6.x endpoint names).
ENDPOINTS = (
    "acm", "appautoscaling", "cloudwatch", "dynamodb", "ec2", "ecr", "ecs", "elbv2", "events", "iam",
    "kms", "logs", "s3", "sns", "sqs", "ssm", "sts", "wafv2", "xray",
)  # fmt: skip
# Copied from the source tree; never a developer's state, variables or provider caches.
_IGNORED = shutil.ignore_patterns(
    ".terraform", ".terraform.lock.hcl", "*.tfstate*", "*.tfvars", "*.tfvars.json", "tfplan*"
)


def provider_missing() -> str | None:
    """None when hashicorp/aws is in the plugin directory (tests/infra/provider.py), else the skip
    reason naming what is missing and where it was looked for."""
    return None if find_provider() is not None else missing_reason()


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def start_emulator() -> Emulator:
    """A fresh emulator of the caller's own (stop it when done), with AWS managed IAM policies.

    Served by moto's own (werkzeug) server, which closes each connection after its response: behind
    the keep-alive server local mode uses, the provider's Go client twice in five measured applies
    lost a connection mid-response ("use of closed network connection") and retried a call that had
    already been carried out (a DeleteTable, then a GetRolePolicy wait that gave up)."""
    with _environ(MOTO_IAM_LOAD_MANAGED_POLICIES="true"):  # read once, when the server starts
        return Emulator(free_port(), server="werkzeug").start(timeout=60)


def aws_client(emulator: Emulator, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name=LOCAL_CREDENTIALS["AWS_REGION"],
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def dev_variables(emulator: Emulator) -> dict[str, Any]:
    """Values for environments/dev's required variables, plus deletion protection off so destroy
    can remove the tables and the load balancer. The HTTPS listener's certificate is made in ACM."""
    certificate = aws_client(emulator, "acm").request_certificate(DomainName="orderflow.example.test")
    return {
        "certificate_arn": certificate["CertificateArn"],
        "github_repository": "example/orderflow",
        "deletion_protection": False,
    }


def export_tree(destination: Path, revision: str | None = None) -> Path:
    """terraform/ and topology.yaml in `destination`: the working tree's, or those of a git revision."""
    destination.mkdir(parents=True, exist_ok=True)
    if revision is None:
        shutil.copytree(REPO / "terraform", destination / "terraform", ignore=_IGNORED, dirs_exist_ok=True)
        shutil.copyfile(REPO / "topology.yaml", destination / "topology.yaml")
        return destination
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "terraform", "topology.yaml"],
        cwd=REPO, capture_output=True, check=True,
    )  # fmt: skip
    with tempfile.TemporaryFile() as tar_file:
        tar_file.write(archive.stdout)
        tar_file.seek(0)
        with tarfile.open(fileobj=tar_file) as tar:
            tar.extractall(destination, filter="data")
    return destination


def override(endpoint: str, state: Path) -> str:
    endpoints = "\n".join(f'    {name} = "{endpoint}"' for name in ENDPOINTS)
    return f"""# Written by tests/infra/emulated_apply.py into a copy of the tree: apply against the emulator.
terraform {{
  backend "local" {{
    path = "{state}"
  }}
}}

provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 2

  endpoints {{
{endpoints}
  }}
}}
"""


@dataclass
class Measured:
    """One terraform command: wall time and peak resident memory of its process tree
    (Terraform and the provider plugin) and of the emulator, sampled every 0.2 s."""

    command: str
    seconds: float
    peak_terraform_mib: float
    peak_emulator_mib: float

    def __str__(self) -> str:
        return (
            f"terraform {self.command}: {self.seconds:.1f} s, peak {self.peak_terraform_mib:.0f} MiB "
            f"(Terraform + provider), emulator peak {self.peak_emulator_mib:.0f} MiB"
        )


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in (process, *process.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += member.memory_info().rss
    return total


class TerraformFailed(Exception):
    """A terraform command exited non-zero; the message carries the command and its output."""


@dataclass
class EmulatedRoot:
    """One root of an exported tree (e.g. terraform/environments/dev), run against `emulator`
    with its state in `state` (share it between two trees to plan one against the other's apply)."""

    tree: Path
    root: str
    emulator: Emulator
    state: Path
    variables: Mapping[str, Any] = field(default_factory=dict)
    measured: list[Measured] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.tree / self.root

    def env(self) -> dict[str, str]:
        # Not a developer's AWS settings nor Terraform's, except its logging (TF_LOG, TF_LOG_PATH...).
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_")) or k.startswith("TF_LOG")}
        return env | {k: LOCAL_CREDENTIALS[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")}

    def terraform(self, *args: str, timeout: float = 900) -> str:
        """Run tools/terraform in the root, measuring it; its stdout, or TerraformFailed."""
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(SHIM), *args],
            cwd=self.path, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        peaks = {"terraform": 0, "emulator": 0}
        done = threading.Event()

        def sample() -> None:
            tree, emulator = psutil.Process(process.pid), psutil.Process(self.emulator_pid())
            while not done.wait(0.2):
                with contextlib.suppress(psutil.NoSuchProcess):
                    peaks["terraform"] = max(peaks["terraform"], _tree_rss(tree))
                    peaks["emulator"] = max(peaks["emulator"], emulator.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            out, err = process.communicate(timeout=timeout)
        finally:
            done.set()
            sampler.join()
            if process.poll() is None:
                process.kill()
                process.wait()
        mib = 1024 * 1024
        self.measured.append(
            Measured(args[0], time.monotonic() - started, peaks["terraform"] / mib, peaks["emulator"] / mib)
        )
        log = self.state.parent / "logs" / f"{len(self.measured):02d}-{args[0]}.log"
        log.parent.mkdir(exist_ok=True)
        log.write_text(f"$ terraform {' '.join(args)}\n{out}\n{err}")
        if process.returncode != 0:
            raise TerraformFailed(
                f"terraform {' '.join(args)} exited {process.returncode} (log: {log}):\n{err[-6000:]}"
            )
        return out

    def emulator_pid(self) -> int:
        assert self.emulator.process is not None, "the emulator is not running"
        return self.emulator.process.pid

    def init(self) -> EmulatedRoot:
        (self.path / OVERRIDE).write_text(override(self.emulator.url, self.state.resolve()))
        (self.path / VARIABLES).write_text(json.dumps(dict(self.variables), indent=2))
        self.terraform("init", "-input=false", "-no-color", f"-plugin-dir={plugin_dir()}")
        return self

    def apply(self, targets: Sequence[str] = ()) -> str:
        return self.terraform(
            "apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={PARALLELISM}",
            *(f"-target={t}" for t in targets),
        )  # fmt: skip

    def destroy(self, targets: Sequence[str] = ()) -> str:
        return self.terraform(
            "destroy", "-auto-approve", "-input=false", "-no-color", f"-parallelism={PARALLELISM}",
            *(f"-target={t}" for t in targets),
        )  # fmt: skip

    def plan(self, targets: Sequence[str] = (), *, refresh: bool = True) -> dict[str, Any]:
        """`terraform show -json` of a plan against the current state (refreshed from the emulator)."""
        self.terraform(
            "plan", "-input=false", "-no-color", "-out=tfplan", f"-parallelism={PARALLELISM}",
            f"-refresh={'true' if refresh else 'false'}", *(f"-target={t}" for t in targets),
        )  # fmt: skip
        return json.loads(self.terraform("show", "-json", "tfplan"))  # type: ignore[no-any-return]

    def state_list(self) -> list[str]:
        if not self.state.exists():
            return []
        return self.terraform("state", "list").split()

    def outputs(self) -> dict[str, Any]:
        return {name: item["value"] for name, item in json.loads(self.terraform("output", "-json")).items()}


def planned_changes(plan: Mapping[str, Any]) -> dict[str, list[str]]:
    """Addresses by action in a `terraform show -json` plan: "create", "update", "delete", "replace"
    (delete and create of one address), "no-op", "read"; and "moved" (addresses with a previous one)."""
    changes: dict[str, list[str]] = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        kind = "replace" if sorted(actions) == ["create", "delete"] else actions[0]
        changes.setdefault(kind, []).append(change["address"])
        if change.get("previous_address"):
            changes.setdefault("moved", []).append(f"{change['previous_address']} -> {change['address']}")
    return changes


@contextlib.contextmanager
def emulated_root(
    root: str = "terraform/environments/dev", *, revision: str | None = None, workdir: Path | None = None
) -> Iterator[EmulatedRoot]:
    """An initialised EmulatedRoot on a fresh emulator, in a temporary copy of the tree; the
    emulator is stopped and the copy removed at the end (destroy first if the caller applied)."""
    with contextlib.ExitStack() as stack:
        base = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="orderflow-apply-")))
        emulator = start_emulator()
        stack.callback(emulator.stop)
        tree = export_tree(base / "tree", revision)
        variables = dev_variables(emulator) if root.startswith("terraform/environments/") else {}
        yield EmulatedRoot(tree, root, emulator, base / "terraform.tfstate", variables).init()


def leave_out_xray_rule(root: Path) -> None:
    """A test-only override that makes the root's X-Ray sampling rule count 0: moto 5.2.5 has no
    sampling-rule API (CreateSamplingRule answers 404). docs/deploy.md lists it as not applied here."""
    (root / "zz_no_xray_rule_override.tf").write_text('resource "aws_xray_sampling_rule" "this" {\n  count = 0\n}\n')


def module_targets(root: Path) -> list[str]:
    """-target for every module call of a root: everything but the root's own resources. In
    environments/* those are the X-Ray sampling rule alone (tracing.tf), which moto 5.2.5 does not
    implement (CreateSamplingRule answers 404); docs/deploy.md lists it as not applied here."""
    return [f"module.{name}" for name in load_module(root).modules]
