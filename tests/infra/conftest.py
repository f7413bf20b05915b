"""Fixtures for the provider-backed Terraform checks (tests/infra/provider.py, tests/infra/plan.py).

Each skips, naming what is missing, where no AWS provider is found in the plugin directory;
with ORDERFLOW_REQUIRE_TF_PROVIDER=1 (GitHub Actions, which downloads one) that is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from orderflow.local.emulator import Emulator, free_port
from tests.infra import plan, provider
from tests.infra.emulated_apply import EmulatedRoot, emulated_root, leave_out_xray_rule, provider_missing
from tests.infra.terraform_platform import inventory


@pytest.fixture(scope="session")
def aws_provider() -> provider.Provider:
    """hashicorp/aws from ORDERFLOW_TF_PLUGIN_DIR (default /opt/tf-plugins)."""
    found = provider.find_provider()
    if found is None:
        if provider.required():
            pytest.fail(provider.missing_reason())
        pytest.skip(provider.missing_reason())
    return found


@pytest.fixture(scope="session")
def terraform_workspace(aws_provider: provider.Provider) -> provider.Workspace:
    """A mirror of terraform/ and topology.yaml, synced once per session, where checks init and run."""
    return provider.Workspace(aws_provider).sync()


@pytest.fixture(scope="session")
def sts_endpoint() -> Iterator[str]:
    """A moto server of its own (the plan asks it only GetCallerIdentity); not the shared one,
    whose state other tests reset."""
    server = Emulator(free_port()).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def terraform_plan(aws_provider: provider.Provider, sts_endpoint: str) -> Callable[[str], dict[str, Any]]:
    """`terraform_plan("dev")`: `terraform show -json` of a full plan of terraform/environments/dev
    (parsed; planned once per session and environment, see tests/infra/plan.py)."""
    workspace = plan.plan_workspace(aws_provider, provider.WORKSPACE / "plan")
    plans: dict[str, dict[str, Any]] = {}

    def planned(environment: str) -> dict[str, Any]:
        if environment not in plans:
            plans[environment] = plan.plan_environment(workspace, environment, sts_endpoint)
        return plans[environment]

    return planned


@dataclass
class AppliedEnvironment:
    """environments/dev as `terraform apply` left it on a fresh emulator, with what the emulator
    held before (to prove destroy leaves nothing)."""

    root: EmulatedRoot
    before: dict[str, set[str]]
    destroyed: bool = False


@pytest.fixture(scope="session")
def applied_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppliedEnvironment]:
    """The whole of environments/dev applied once (a few minutes of the provider's waits) for every
    test that reads or runs on what Terraform made: the console's AWS source
    (test_console_aws_source.py) reads it, then test_terraform_apply.py runs an order through it and
    destroys it, in that order (collection order; one xdist group, tests/conftest.py)."""
    if reason := provider_missing():
        if provider.required():
            pytest.fail(reason)
        pytest.skip(reason)
    with emulated_root("terraform/environments/dev", workdir=tmp_path_factory.mktemp("apply")) as root:
        before = inventory(root.emulator)
        leave_out_xray_rule(root.path)  # moto has no X-Ray sampling rules
        root.apply()
        yield AppliedEnvironment(root, before)
