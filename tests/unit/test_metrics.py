"""Metrics.emf_record(): one CloudWatch Embedded Metric Format document per flush, then a clean slate."""

from __future__ import annotations

import time

import orjson

from orderflow.observability import Metrics


def test_nothing_counted_means_no_record() -> None:
    assert Metrics("inventory").emf_record() is None


def test_counts_become_an_emf_document_under_the_service_dimension() -> None:
    # GIVEN a worker that handled three messages and failed one
    metrics = Metrics("inventory")
    metrics.count("MessagesHandled", 2)
    metrics.count("MessagesHandled")
    metrics.count("MessagesFailed")

    # WHEN the aggregate is flushed
    record = metrics.emf_record()

    # THEN it is an EMF document CloudWatch accepts
    assert record is not None
    directive = record["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Orderflow"
    assert directive["Dimensions"] == [["Service"]]
    assert {"Name": "MessagesHandled", "Unit": "Count"} in directive["Metrics"]
    assert {"Name": "MessagesFailed", "Unit": "Count"} in directive["Metrics"]
    assert record["Service"] == "inventory"
    assert record["MessagesHandled"] == 3
    assert record["MessagesFailed"] == 1


def test_every_declared_metric_has_a_value_in_the_record() -> None:
    metrics = Metrics("payment")
    metrics.count("Charged")
    metrics.observe_ms("HandlerLatency", 1.0)

    record = metrics.emf_record()

    assert record is not None
    for declared in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
        assert declared["Name"] in record


def test_latencies_are_reported_in_milliseconds_rounded() -> None:
    metrics = Metrics("payment")
    metrics.observe_ms("HandlerLatency", 12.34567)
    metrics.observe_ms("HandlerLatency", 3.0)

    record = metrics.emf_record()

    assert record is not None
    assert record["HandlerLatency"] == [12.346, 3.0]
    assert {"Name": "HandlerLatency", "Unit": "Milliseconds"} in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]


def test_latency_values_stay_within_emf_limit_of_100() -> None:
    metrics = Metrics("orders")
    for value in range(150):
        metrics.observe_ms("HandlerLatency", float(value))

    record = metrics.emf_record()

    assert record is not None
    assert 0 < len(record["HandlerLatency"]) <= 100


def test_timestamp_is_now_in_epoch_milliseconds() -> None:
    metrics = Metrics("orders")
    metrics.count("Projected")
    before = int(time.time() * 1000)

    record = metrics.emf_record()

    assert record is not None
    assert before <= record["_aws"]["Timestamp"] <= int(time.time() * 1000)


def test_record_is_serialisable_as_one_json_line() -> None:
    metrics = Metrics("shipping")
    metrics.count("Shipped")
    metrics.observe_ms("HandlerLatency", 5.5)

    line = orjson.dumps(metrics.emf_record())

    assert b"\n" not in line
    assert orjson.loads(line)["Shipped"] == 1


def test_flushing_resets_the_aggregate() -> None:
    # GIVEN one flushed aggregate
    metrics = Metrics("inventory")
    metrics.count("MessagesHandled", 5)
    metrics.observe_ms("HandlerLatency", 1.0)
    assert metrics.emf_record() is not None

    # THEN the next flush has nothing to say
    assert metrics.emf_record() is None

    # AND new counts start from zero
    metrics.count("MessagesHandled")
    record = metrics.emf_record()
    assert record is not None
    assert record["MessagesHandled"] == 1
    assert "HandlerLatency" not in record
