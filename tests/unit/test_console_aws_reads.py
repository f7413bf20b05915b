"""The AWS source's pure parts: scaling activities as decisions (with the reasons AWS gives for not
scaling), the newest CloudWatch datapoint, one GetMetricData for every service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orderflow.console.aws_reads import decisions, latest_values, metric_queries

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _activity(minute: int, description: str, **extra: Any) -> Any:
    return {"StartTime": T0 + timedelta(minutes=minute), "Description": description, "Cause": "alarm", **extra}


def test_activities_become_scale_out_scale_in_and_at_max_with_aws_reasons() -> None:
    # GIVEN three activities out of order: out to 3, at max (not scaled), in to 1
    activities = [
        _activity(5, "Setting desired count to 1.", StatusCode="Successful"),
        _activity(0, "Setting desired count to 3.", StatusCode="Successful"),
        _activity(
            2,
            "Not scaled",
            NotScaledReasons=[{"Code": "AlreadyAtMaxCapacity", "MaxCapacity": 3, "CurrentCapacity": 3}],
        ),
    ]
    # WHEN they are read as decisions
    found = decisions(activities)
    # THEN oldest first, each with its action, from -> to and the reason AWS gave
    assert [(d.action, d.from_, d.to) for d in found] == [("steady", 3, 3), ("at_max", 3, 3), ("scale_in", 3, 1)]
    assert found[1].reason == "AlreadyAtMaxCapacity (max 3, current 3)"
    assert found[2].reason == "alarm (Successful)"


def test_the_newest_numeric_datapoint_is_taken() -> None:
    results = [
        {"Id": "s0_processed", "Timestamps": [T0, T0 + timedelta(minutes=1)], "Values": [5.0, 7.0]},
        {"Id": "s0_handler99", "Timestamps": [T0], "Values": [None]},
        {"Id": "s1_processed", "Timestamps": [], "Values": []},
    ]
    assert latest_values(results) == {"s0_processed": 7.0}


def test_one_query_per_metric_per_service_with_the_emf_dimension() -> None:
    queries = metric_queries({"payment": ("p-payment", "s0"), "shipping": ("p-shipping", "s1")})
    assert len(queries) == 14
    first = queries[0]["MetricStat"]
    assert first["Metric"] == {
        "Namespace": "Orderflow",
        "MetricName": "MessagesProcessed",
        "Dimensions": [{"Name": "Service", "Value": "payment"}],
    }
    oldest = next(q for q in queries if q["Id"] == "s1_oldest")["MetricStat"]["Metric"]
    assert oldest["Dimensions"] == [{"Name": "QueueName", "Value": "p-shipping"}]
