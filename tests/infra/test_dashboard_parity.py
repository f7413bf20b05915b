"""The CloudWatch dashboard and the operator console show the same panels under the same names.

GIVEN the repository's topology and the one panel definition (terraform/modules/dashboard/panels.json),
WHEN Terraform renders the dashboard body (terraform/modules/dashboard, offline) and the console
renders its overview page (its own Jinja template, the page a browser gets),
THEN for every service the widget titles equal the console's panel titles word for word, in order;
each panel charts the same metric names (math expressions by id); every series the console shows is
a field of what its sources fill; and the dashboard's reference lines carry the topology's numbers.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import pytest
from starlette.requests import Request

from orderflow.console.model import ServiceView
from orderflow.console.orders import WINDOWS
from orderflow.console.pages import templates
from orderflow.console.panels import service_panels
from orderflow.topology import load_topology
from tests.infra.hcl import REPO
from tests.infra.terraform import dashboard_outputs

TOPOLOGY = load_topology(REPO / "topology.yaml")
SERVICES = list(TOPOLOGY.services)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    services = {
        name: {
            "queue_name": f"q-{name}",
            "dlq_name": f"q-{name}-dlq",
            "ecs_service_name": f"ecs-{name}",
            "max_tasks": s.scaling.max_tasks,
            "target_backlog_per_task": s.scaling.target_backlog_per_task,
            "latency_goal_seconds": s.scaling.latency_goal_seconds,
        }
        for name, s in TOPOLOGY.services.items()
    }
    return dashboard_outputs(tmp_path_factory.mktemp("dashboard"), services)


@pytest.fixture(scope="module")
def console_page() -> str:
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []})
    return templates.get_template("overview.html").render(
        request=request,
        services=SERVICES,
        panels=service_panels(),
        windows=list(WINDOWS),
        source="local",
        read_only=True,
        tick=1.0,
    )


def _widgets(dashboard: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [
        w["properties"]
        for w in dashboard["body"]["widgets"]
        if w["type"] == "metric" and w["properties"]["title"].startswith(f"{service}: ")
    ]


def _shown_metrics(widget: dict[str, Any]) -> set[str]:
    """Names of what a widget draws: metric names, or the id of a math expression; hidden inputs not."""
    shown = set()
    for row in widget["metrics"]:
        options = row[-1] if isinstance(row[-1], dict) else {}
        if "expression" in options:
            shown.add(options["id"])
        elif options.get("visible", True):
            shown.add(row[1])
    return shown


def _console_titles(page: str, service: str) -> list[str]:
    section = page.split(f'id="svc-{service}"', 1)[1].split("</section>", 1)[0]
    return [f"{service}: {t}" for t in re.findall(r"<h3>(.*?)</h3>", section)]


@pytest.mark.parametrize("service", SERVICES)
def test_dashboard_widgets_and_console_panels_have_the_same_titles(
    dashboard: dict[str, Any], console_page: str, service: str
) -> None:
    titles = [w["title"] for w in _widgets(dashboard, service)]
    assert titles == dashboard["widget_titles"][service]
    assert _console_titles(console_page, service) == titles
    assert len(titles) == len(service_panels())


@pytest.mark.parametrize("service", SERVICES)
def test_dashboard_widgets_and_console_panels_chart_the_same_metrics(dashboard: dict[str, Any], service: str) -> None:
    view_fields = {f.name for f in fields(ServiceView)}
    for widget, panel in zip(_widgets(dashboard, service), service_panels(), strict=True):
        assert _shown_metrics(widget) == {s.metric for s in panel.series}, widget["title"]
        assert {s.field for s in panel.series} <= view_fields, panel.id


@pytest.mark.parametrize("service", SERVICES)
def test_dashboard_reference_lines_are_the_topology_numbers(dashboard: dict[str, Any], service: str) -> None:
    scaling = TOPOLOGY.service(service).scaling
    lines = {
        w["title"].removeprefix(f"{service}: "): w["annotations"]["horizontal"][0]["value"]
        for w in _widgets(dashboard, service)
        if "annotations" in w
    }
    assert lines == {
        "tasks (running / desired / max)": scaling.max_tasks,
        "backlog per task vs target": scaling.target_backlog_per_task,
        "drain forecast (s to clear at net rate vs latency goal)": scaling.latency_goal_seconds,
    }


def test_backlog_per_task_and_drain_forecast_are_metric_math(dashboard: dict[str, Any]) -> None:
    widgets = {w["title"].split(": ", 1)[1]: w for w in _widgets(dashboard, SERVICES[0])}
    backlog = widgets["backlog per task vs target"]["metrics"]
    assert [row[1] for row in backlog[:-1]] == ["ApproximateNumberOfMessagesVisible", "RunningTaskCount"]
    assert backlog[-1][0]["expression"] == "visible / running"
    drain = widgets["drain forecast (s to clear at net rate vs latency goal)"]["metrics"]
    assert "PERIOD(done)" in drain[-1][0]["expression"]
