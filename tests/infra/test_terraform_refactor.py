"""Saying it once moved resources, and replaced none: the kms-key and ecs-service extraction.

GIVEN a fresh emulator and the Terraform tree as it was before terraform/modules/kms-key and
terraform/modules/ecs-service existed (`git archive` of the parent of the commit that added them),
WHEN environments/dev of that tree is applied, and the tree of this checkout is planned against the
same state (every module; the root's own X-Ray sampling rule, which moto lacks and the refactor
does not touch, is left out), THEN the plan destroys, replaces and creates nothing: every KMS key
and alias, and every API and worker log group, role, managed-policy attachment, task definition,
ECS service and collector X-Ray policy is only moved (its `moved` block).

It costs an apply of the whole environment (see docs/deploy.md, "Saying it once"), so `make test`
skips it by name and `make check-refactor` runs it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from orderflow.topology import load_topology
from tests.infra.emulated_apply import (
    EmulatedRoot,
    emulated_root,
    export_tree,
    module_targets,
    planned_changes,
    provider_missing,
)
from tests.infra.hcl import REPO

SWITCH = "ORDERFLOW_REFACTOR_PROOF"
KMS_KEYS = 6  # messaging, tables, logs (platform), ops topic, customer notifications, API keys
# log group, execution role and its attachment, task role, task definition, service, and the
# collector sidecar's X-Ray role policy (its module call moved into the core)
CORE_RESOURCES = 7


def _every_module_call() -> list[str]:
    """Every module of environments/dev: the refactor does not touch the root's own resources."""
    return module_targets(REPO / "terraform" / "environments" / "dev")


def _before_the_refactor() -> str:
    """The parent of the commit that added the kms-key module (HEAD while it is uncommitted)."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "terraform/modules/kms-key/main.tf"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return f"{added[-1]}^" if added else "HEAD"


@pytest.mark.skipif(
    os.environ.get(SWITCH) != "1", reason=f"applies a whole environment: make check-refactor ({SWITCH})"
)
@pytest.mark.skipif(provider_missing() is not None, reason=str(provider_missing()))
@pytest.mark.timeout(1200)
def test_the_extraction_moves_every_key_and_ecs_core_and_destroys_or_replaces_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    with emulated_root(revision=_before_the_refactor(), workdir=tmp_path / "before") as before:
        before.apply(_every_module_call())
        applied = len(before.state_list())
        after = EmulatedRoot(
            export_tree(tmp_path / "after"), before.root, before.emulator, before.state, before.variables
        ).init()
        changes = planned_changes(after.plan(_every_module_call()))
    components = 1 + len(load_topology(REPO / "topology.yaml").services)  # the API and every worker
    moved = changes.get("moved", [])
    report = (
        f"{applied} resources applied; plan: "
        + ", ".join(f"{len(v)} {k}" for k, v in sorted(changes.items()))
        + f"; {time.monotonic() - started:.0f} s in all; "
        + "; ".join(str(m) for m in (*before.measured, *after.measured))
    )
    print(report)
    assert changes.get("delete", []) == [], report
    assert changes.get("replace", []) == [], report
    assert changes.get("create", []) == [], report
    assert len(moved) == 2 * KMS_KEYS + CORE_RESOURCES * components, report
    assert all(" -> " in m and (".module.core." in m or "module.kms" in m or "module.api_keys_kms" in m) for m in moved)
