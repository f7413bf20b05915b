"""Each module's own plan-level `terraform test` passes against the real AWS provider's schema.

GIVEN terraform/modules/<module>/tests/*.tftest.hcl with `mock_provider "aws"` (no AWS is called,
but the provider is loaded for its schema and validators), WHEN `terraform test` runs in the
module, THEN every run block's assertions hold: service-queue (redrive to its own DLQ, rules and
targets with the topology's DLQ and retry policy, SourceArn-scoped queue policies, KMS),
worker-service (scaling target with the topology's min/max, target tracking on backlog per task,
the wake-from-zero step policy, a task role limited to its own queue and tables), order-api
(HTTP->HTTPS redirect, WAF attached when enabled), event-bus (named from the topology, its own
rotating key usable by EventBridge, every event archived).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future

import pytest

from tests.infra.hcl import TERRAFORM
from tests.infra.provider import Workspace, parallel, run, selected

MODULES = sorted(
    {
        test.parents[1].name
        for test in (TERRAFORM / "modules").glob("*/tests/*.tftest.hcl")
        if re.search(r'mock_provider\s+"aws"', test.read_text())
    }
)


def _test(workspace: Workspace, module: str) -> subprocess.CompletedProcess[str]:
    where = workspace.init(f"terraform/modules/{module}")
    return run("test", "-no-color", cwd=where)


@pytest.fixture(scope="module")
def tested(
    request: pytest.FixtureRequest, terraform_workspace: Workspace
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    with parallel() as pool:
        yield {m: pool.submit(_test, terraform_workspace, m) for m in selected(request, "module")}


def test_the_modules_the_issue_names_have_provider_backed_tests() -> None:
    assert {"service-queue", "worker-service", "order-api", "event-bus"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_terraform_tests_pass_with_the_aws_provider(
    tested: dict[str, Future[subprocess.CompletedProcess[str]]], module: str
) -> None:
    done = tested[module].result()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    summary = re.search(r"Success! (\d+) passed, 0 failed", done.stdout)
    assert summary, done.stdout
    assert int(summary.group(1)) >= 2, done.stdout  # the topology run and at least one run of the module
