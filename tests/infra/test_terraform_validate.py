"""Every Terraform root and module is valid for the real AWS provider (`terraform validate`).

GIVEN hashicorp/aws from the plugin directory (tests/infra/provider.py), WHEN each environment root
and each module under terraform/ is initialised offline (`init -backend=false -plugin-dir`) and
validated, THEN Terraform reports no error and no warning: arguments, types, references and the
provider's own schema (a 6.x-only attribute fails here on 5.100) all agree.

Each validate starts the provider (~3 s of CPU, ~640 MB), so the selected directories are validated
side by side (tests/infra/provider.py `parallel`) and each test reads its own result.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future

import pytest

from tests.infra.hcl import TERRAFORM
from tests.infra.provider import Workspace, parallel, run, selected

DIRECTORIES = sorted(
    str(p.relative_to(TERRAFORM))
    for kind in ("environments", "modules")
    for p in (TERRAFORM / kind).iterdir()
    if any(p.glob("*.tf"))
)


def _validate(workspace: Workspace, directory: str) -> subprocess.CompletedProcess[str]:
    where = workspace.init(f"terraform/{directory}")
    return run("validate", "-json", "-no-color", cwd=where)


@pytest.fixture(scope="module")
def validated(
    request: pytest.FixtureRequest, terraform_workspace: Workspace
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    with parallel() as pool:
        yield {d: pool.submit(_validate, terraform_workspace, d) for d in selected(request, "directory")}


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_terraform_validate_passes_with_the_aws_provider(
    validated: dict[str, Future[subprocess.CompletedProcess[str]]], directory: str
) -> None:
    done = validated[directory].result()
    report = json.loads(done.stdout)
    problems = [f"{d['severity']}: {d['summary']}: {d.get('detail', '')}" for d in report["diagnostics"]]
    assert report["valid"], problems
    assert problems == []
    assert done.returncode == 0, done.stderr
