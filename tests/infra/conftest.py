"""Fixtures for the provider-backed Terraform checks (tests/infra/provider.py, tests/infra/plan.py).

Each skips, naming what is missing, where no AWS provider is found in the plugin directory;
with ORDERFLOW_REQUIRE_TF_PROVIDER=1 (GitHub Actions, which downloads one) that is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from orderflow.local.emulator import Emulator, free_port
from tests.infra import plan, provider


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
