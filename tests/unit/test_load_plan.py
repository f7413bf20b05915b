"""`orderflow load`'s plan (bounds, mix, schedule) and report (latency from timelines, outcomes)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from orderflow.cli import app
from orderflow.ops.load import MAX_ORDERS, LoadError, LoadPlan, parse_mix
from orderflow.ops.loadreport import LoadReport, Tracked


def test_mix_parses_weights_and_refuses_unknown_kinds() -> None:
    assert parse_mix("happy=90,declined=5,out_of_stock=5") == {"happy": 90, "declined": 5, "out_of_stock": 5}
    for bad, said in [("happy=9,lost=1", "unknown kind 'lost'"), ("happy=x", "whole-number"), ("happy=0", "add up")]:
        with pytest.raises(LoadError, match=said):
            parse_mix(bad)


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({}, "nothing to send"),
        ({"rate": 5.0}, "go together"),
        ({"burst": MAX_ORDERS + 1}, "over the limit"),
        ({"rate": 10_000.0, "duration": 1.0}, "--rate must be"),
        ({"rate": 1.0, "duration": 86_400.0}, "--duration must be"),
    ],
)
def test_plans_are_bounded(kwargs: dict[str, Any], said: str) -> None:
    with pytest.raises(LoadError, match=said):
        LoadPlan(**kwargs)


def test_a_burst_then_a_rate_is_scheduled_in_that_order_with_the_mix() -> None:
    plan = LoadPlan(burst=3, rate=2.0, duration=2.0, mix={"happy": 1, "declined": 1}, seed=7)
    schedule = plan.schedule()
    assert [at for at, _ in schedule] == [0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.5]
    assert {kind for _, kind in schedule} <= {"happy", "declined"}
    assert plan.schedule() == schedule, "a seed repeats the run"


def _view(status: str, reason: str | None, *events: tuple[str, str]) -> dict[str, Any]:
    timeline = [{"eventType": t, "occurredAt": f"2026-12-01T12:00:{s}+00:00"} for t, s in events]
    return {"status": status, "reason": reason, "createdAt": "2026-12-01T12:00:00+00:00", "timeline": timeline}


def test_latency_is_read_from_each_orders_timeline() -> None:
    # GIVEN orders that shipped or were cancelled, seen through GET /orders/{id}
    report = LoadReport(planned=4)
    views = [
        _view("SHIPPED", None, ("OrderPlaced", "00"), ("PaymentCompleted", "01"), ("ShipmentCreated", "02")),
        _view(
            "CANCELLED", "PAYMENT_DECLINED", ("OrderPlaced", "00"), ("PaymentFailed", "01"), ("InventoryReleased", "09")
        ),
        _view("CANCELLED", "OUT_OF_STOCK", ("OrderPlaced", "00"), ("InventoryReservationFailed", "04")),
        _view("PAID", None, ("OrderPlaced", "00"), ("PaymentCompleted", "05")),
    ]
    for index, (kind, view) in enumerate(zip(["happy", "declined", "out_of_stock", "happy"], views, strict=True)):
        order = Tracked(f"o{index}", kind)
        order.observe(view)
        report.accepted.append(order)
    # THEN placed -> terminal is the terminal event's time (a later compensation does not count)
    assert [o.seconds for o in report.accepted] == [2.0, 1.0, 4.0, None]
    assert report.latency() == {"p50": 2.0, "p95": 4.0, "p99": 4.0, "max": 4.0}
    assert report.outcomes() == {
        "CANCELLED (OUT_OF_STOCK)": 1,
        "CANCELLED (PAYMENT_DECLINED)": 1,
        "PAID": 1,
        "SHIPPED": 1,
    }
    assert report.by_kind()["happy"] == {"PAID": 1, "SHIPPED": 1}
    assert report.terminal == 3


def test_without_api_the_load_goes_only_to_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the API URL from the environment pointing elsewhere, and no --api
    monkeypatch.setenv("ORDERFLOW_API_URL", "https://shop.example.com")
    result = CliRunner().invoke(app, ["load", "--burst", "1"])
    # THEN it refuses in one line, naming the way to aim at a remote API on purpose
    assert result.exit_code == 2
    assert "is not on this machine: name a remote API explicitly with --api" in result.output


def test_bad_arguments_exit_2_with_one_line() -> None:
    result = CliRunner().invoke(app, ["load", "--rate", "5"])
    assert result.exit_code == 2
    assert result.output.strip() == "orderflow load: --rate and --duration go together"
