"""A full `terraform plan` of an environment root, offline, read back as `terraform show -json`.

The root is planned in its own mirror (tests/infra/provider.py) with an override file added:
a local backend instead of S3, and the provider given fake keys and an STS endpoint on a local
moto server, whose GetCallerIdentity is the only AWS call a `-refresh=false` plan of a new
environment makes (the account id in ARNs). Nothing else is changed: every module, variable
default and provider setting is the one users plan. (One root output is added, see OUTPUTS.)

Helpers below read the parsed plan: `resources(plan)` walks planned_values through every module.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.infra.hcl import TERRAFORM, load_module
from tests.infra.provider import Provider, Workspace, check, run

ENVIRONMENTS = sorted(p.name for p in (TERRAFORM / "environments").iterdir() if (p / "versions.tf").exists())
OVERRIDE = "zz_orderflow_checks_override.tf"
# One root output added for the assertions: the dashboard's widget titles per service (its body is
# unknown until apply, since it names the load balancer). It changes nothing that is planned.
OUTPUTS = "zz_orderflow_checks_outputs.tf"
WIDGET_TITLES_OUTPUT = "zz_checks_widget_titles"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Values for the variables a root requires (no default); a new required variable needs one here.
REQUIRED_VARIABLES = {
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    "github_repository": "example/orderflow",
}


def override(sts_endpoint: str) -> str:
    return f"""# Written by tests/infra/plan.py into the checks' mirror only: plan offline.
terraform {{
  backend "local" {{}}
}}

provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  max_retries                 = 1

  endpoints {{
    sts = "{sts_endpoint}"
  }}
}}
"""


def plan_workspace(aws_provider: Provider, root: Path) -> Workspace:
    """The mirror plans run in: apart from the one validate uses, which must not see the override."""
    return Workspace(aws_provider, root).sync()


def plan_environment(
    workspace: Workspace, environment: str, sts_endpoint: str, extra: dict[str, str] | None = None
) -> dict[str, Any]:
    """Plan terraform/environments/<environment> from scratch and return `terraform show -json` of it
    (`extra`: optional variables set, e.g. to plan a feature that is off by default)."""
    relative = f"terraform/environments/{environment}"
    where = workspace.path(relative)
    (where / OVERRIDE).write_text(override(sts_endpoint))
    (where / OUTPUTS).write_text(
        f'output "{WIDGET_TITLES_OUTPUT}" {{\n  value = module.observability.widget_titles\n}}\n'
    )
    workspace.init(relative, backend=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | FAKE_CREDENTIALS
    variables = [f"-var={name}={REQUIRED_VARIABLES[name]}" for name in required_variables(where)]
    variables += [f"-var={name}={value}" for name, value in (extra or {}).items()]
    check(
        run(
            "plan",
            "-refresh=false",
            "-input=false",
            "-lock=false",
            "-no-color",
            "-out=tfplan",
            *variables,
            cwd=where,
            env=env,
        ),
        where,
    )
    shown = check(run("show", "-json", "tfplan", cwd=where, env=env), where)
    (where / "tfplan.json").write_text(shown.stdout)
    return json.loads(shown.stdout)  # type: ignore[no-any-return]


def required_variables(root: Path) -> list[str]:
    """Variables of `root` without a default; each must have a value in REQUIRED_VARIABLES."""
    names = sorted(name for name, body in load_module(root).variables.items() if "default" not in body)
    unknown = [name for name in names if name not in REQUIRED_VARIABLES]
    if unknown:
        raise KeyError(f"{root.name}: give tests/infra/plan.py REQUIRED_VARIABLES a value for {unknown}")
    return names


def resources(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every planned resource (and data source read at plan time), in every module."""
    stack = [plan["planned_values"]["root_module"]]
    while stack:
        module = stack.pop()
        yield from module.get("resources", [])
        stack.extend(module.get("child_modules", []))


def of_type(plan: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """Managed resources of one type, e.g. "aws_sqs_queue"."""
    return [r for r in resources(plan) if r["type"] == resource_type and r["mode"] == "managed"]
