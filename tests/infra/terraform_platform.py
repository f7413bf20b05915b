"""The platform's own API and workers, run against what `terraform apply` made on the emulator.

Nothing is provisioned here: each process gets the environment Terraform gave its container, read
back from the ECS task definitions Terraform registered (the API's `secrets` resolved from SSM, as
the ECS agent does). Only what a container has and a laptop lacks is replaced (topology path,
scratch folders, listen address) — see `on_this_machine`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from orderflow.auth import create_key
from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port
from tests.infra.emulated_apply import EmulatedRoot, aws_client


@dataclass(frozen=True)
class Component:
    """One process of the platform: `orderflow <command...>` with its container's environment."""

    name: str
    command: tuple[str, ...]
    environment: Mapping[str, str]


def from_task_definitions(root: EmulatedRoot) -> tuple[list[Component], str]:
    """Each ECS service's container command and environment, from the task definitions Terraform
    registered; the API key parameter is created as an operator would (docs/deploy.md, "API keys")
    and resolved like the agent. Returns the components and a key the API accepts."""
    outputs = root.outputs()
    ecs, ssm = aws_client(root.emulator, "ecs"), aws_client(root.emulator, "ssm")
    key, entry = create_key("apply-test")
    ssm.put_parameter(
        Name=outputs["api_keys_parameter_name"],
        Type="SecureString",
        KeyId=outputs["api_keys_kms_key_alias"],
        Value=str(entry),
    )
    components = []
    for name, service in outputs["ecs_services"].items():
        definition = ecs.describe_task_definition(taskDefinition=service["family"])["taskDefinition"]
        (container,) = [c for c in definition["containerDefinitions"] if c["name"] == service["container"]]
        environment = {item["name"]: item["value"] for item in container.get("environment", [])}
        for secret in container.get("secrets", []):
            parameter = secret["valueFrom"].split(":parameter", 1)[-1]
            environment[secret["name"]] = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
        components.append(Component(name, tuple(container["command"]), environment))
    return components, key


def on_this_machine(component: Component, topology: Path, scratch: Path, api_port: int) -> dict[str, str]:
    """The container's environment with what only a container has replaced: the image's topology
    file, its /tmp heartbeat folder, its 0.0.0.0 listener; and a short drain so the test stops fast."""
    return {
        **component.environment,
        "ORDERFLOW_TOPOLOGY_PATH": str(topology),
        "ORDERFLOW_HEARTBEAT_DIR": str(scratch),
        "ORDERFLOW_STATE_DIR": str(scratch),
        "ORDERFLOW_API_HOST": "127.0.0.1",
        "ORDERFLOW_API_PORT": str(api_port),
        "ORDERFLOW_SHUTDOWN_DEADLINE_SECONDS": "5",
    }


@dataclass
class RunningPlatform:
    api_url: str
    processes: dict[str, subprocess.Popen[bytes]]
    logs: Path

    def log_tail(self, name: str, chars: int = 3000) -> str:
        return (self.logs / f"{name}.log").read_text()[-chars:]


@contextlib.contextmanager
def run_platform(
    components: Iterable[Component], emulator: Emulator, topology: Path, workdir: Path, *, only: Callable[[str], bool]
) -> Iterator[RunningPlatform]:
    """Start the chosen components as `python -m orderflow ...` processes on the emulator; at the
    end, SIGTERM them all and require each to drain and exit 0."""
    api_port = free_port()
    scratch = workdir / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ORDERFLOW_"))}
    aws = {**LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": emulator.url}
    running = RunningPlatform(f"http://127.0.0.1:{api_port}", {}, workdir)
    try:
        for component in components:
            if not only(component.name):
                continue
            env = {**inherited, **aws, **on_this_machine(component, topology, scratch, api_port)}
            with (workdir / f"{component.name}.log").open("wb") as log:
                running.processes[component.name] = subprocess.Popen(
                    [sys.executable, "-m", "orderflow", *component.command], env=env, stdout=log, stderr=log
                )
        yield running
    except BaseException:
        _stop(running)
        raise
    codes = _stop(running)
    # uvicorn re-raises the SIGTERM it handled once its graceful shutdown is done.
    clean = {name: code for name, code in codes.items() if code not in (0, -signal.SIGTERM if name == "api" else 0)}
    assert not clean, f"exit codes {codes}; logs in {workdir}"


def _stop(running: RunningPlatform) -> dict[str, int | None]:
    for process in running.processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    return {name: _wait(process) for name, process in running.processes.items()}


def _wait(process: subprocess.Popen[bytes]) -> int | None:
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def wait_ready(platform: RunningPlatform, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{platform.api_url}/readyz", timeout=2).status_code == 200:
                return
        if platform.processes["api"].poll() is not None:
            break
        time.sleep(0.3)
    raise AssertionError(f"the API did not become ready:\n{platform.log_tail('api')}")


def _customer_keys_enabled(kms: Any) -> list[str]:
    """KMS keys still Enabled (a destroyed key is PendingDeletion: AWS only schedules deletion),
    except AWS managed keys (alias/aws/...), which services create on first use and nobody deletes."""
    managed = {a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith("alias/aws/")}
    return [
        k["KeyId"]
        for k in kms.list_keys()["Keys"]
        if k["KeyId"] not in managed and kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    ]


# What is left behind is listed per kind, by name; the baseline taken before apply holds moto's own
# (default bus, default VPC and its subnets and security group, service roles).
INVENTORY: dict[str, Callable[[Callable[[str], Any]], Iterable[str]]] = {
    "sqs queues": lambda c: c("sqs").list_queues().get("QueueUrls", []),
    "dynamodb tables": lambda c: c("dynamodb").list_tables()["TableNames"],
    "event buses": lambda c: [b["Name"] for b in c("events").list_event_buses()["EventBuses"]],
    "event rules": lambda c: [
        r["Arn"]
        for b in c("events").list_event_buses()["EventBuses"]
        for r in c("events").list_rules(EventBusName=b["Name"])["Rules"]
    ],
    "sns topics": lambda c: [t["TopicArn"] for t in c("sns").list_topics()["Topics"]],
    "iam roles": lambda c: [r["RoleName"] for r in c("iam").list_roles()["Roles"]],
    "iam customer policies": lambda c: [p["Arn"] for p in c("iam").list_policies(Scope="Local")["Policies"]],
    "kms keys enabled": lambda c: _customer_keys_enabled(c("kms")),
    "kms aliases": lambda c: [a["AliasName"] for a in c("kms").list_aliases()["Aliases"]],
    "log groups": lambda c: [g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]],
    "ecs clusters active": lambda c: [  # a deleted cluster stays listed as INACTIVE, as in AWS
        k["clusterArn"]
        for k in c("ecs").describe_clusters(clusters=c("ecs").list_clusters()["clusterArns"])["clusters"]
        if k["status"] == "ACTIVE"
    ],
    "ecs task definitions": lambda c: c("ecs").list_task_definitions(status="ACTIVE")["taskDefinitionArns"],
    "load balancers": lambda c: [lb["LoadBalancerArn"] for lb in c("elbv2").describe_load_balancers()["LoadBalancers"]],
    "target groups": lambda c: [t["TargetGroupArn"] for t in c("elbv2").describe_target_groups()["TargetGroups"]],
    "vpcs": lambda c: [v["VpcId"] for v in c("ec2").describe_vpcs()["Vpcs"]],
    "subnets": lambda c: [s["SubnetId"] for s in c("ec2").describe_subnets()["Subnets"]],
    "security groups": lambda c: [g["GroupId"] for g in c("ec2").describe_security_groups()["SecurityGroups"]],
    "vpc endpoints": lambda c: [  # a deleted endpoint stays described as "deleted", as in AWS
        e["VpcEndpointId"] for e in c("ec2").describe_vpc_endpoints()["VpcEndpoints"] if e["State"] != "deleted"
    ],
    "alarms": lambda c: [a["AlarmName"] for a in c("cloudwatch").describe_alarms()["MetricAlarms"]],
    "dashboards": lambda c: [d["DashboardName"] for d in c("cloudwatch").list_dashboards()["DashboardEntries"]],
    "ecr repositories": lambda c: [r["repositoryName"] for r in c("ecr").describe_repositories()["repositories"]],
    "s3 buckets": lambda c: [b["Name"] for b in c("s3").list_buckets()["Buckets"]],
    "waf web acls": lambda c: [a["ARN"] for a in c("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]],
    "scalable targets": lambda c: [
        t["ResourceId"]
        for t in c("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    ],
    "ssm parameters": lambda c: [p["Name"] for p in c("ssm").describe_parameters()["Parameters"]],
}


def inventory(emulator: Emulator) -> dict[str, set[str]]:
    """What the emulator holds, per kind (see INVENTORY)."""
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = aws_client(emulator, service)
        return clients[service]

    return {kind: set(list_them(client)) for kind, list_them in INVENTORY.items()}
