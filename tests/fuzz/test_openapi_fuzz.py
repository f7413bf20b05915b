"""Schemathesis against the API's own OpenAPI document, on a real uvicorn with the emulator behind
it: positive and negative examples for every operation, authenticated, with every built-in check —
no 5xx, every status documented, every body, header and content type as the schema says.

Hypothesis drives schemathesis's strategies directly: schemathesis's pytest plugin (`from_fixture`)
does not run under pytest 9 (it reads a removed private attribute), and this is all it would do.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from api.app import create_app
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import AUTH, ApiServer, with_dev_key

# Bounded so that the module stays well under a minute; ORDERFLOW_FUZZ_EXAMPLES raises it for a
# longer hunt (`ORDERFLOW_FUZZ_EXAMPLES=2000 pytest tests/fuzz -s`).
EXAMPLES = int(os.environ.get("ORDERFLOW_FUZZ_EXAMPLES", "60"))
WITH_INPUT = [("POST", "/orders"), ("GET", "/orders/{order_id}"), ("POST", "/orders/{order_id}/cancel")]
OPERATIONS = [*WITH_INPUT, ("GET", "/healthz"), ("GET", "/readyz")]
# Operations without parameters or body have nothing to negate.
CASES = [(*op, GenerationMode.POSITIVE) for op in OPERATIONS] + [(*op, GenerationMode.NEGATIVE) for op in WITH_INPUT]
FIGURES: Counter[str] = Counter()
# Every built-in check but one: a schema-valid order may still be a business refusal (422: unknown
# SKU, wrong price or currency), which the schema cannot express and the check counts as a failure.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
CATALOGUE = ["LAPTOP-001", "MOUSE-002"]


def _orderable(case: Any, use_catalogue: bool) -> Any:
    """Half of the positive orders name real SKUs in USD, so that 202 (and the order's view) get fuzzed."""
    if use_catalogue and isinstance(case.body, dict) and isinstance(case.body.get("items"), list):
        case.body["currency"] = "USD"
        for index, item in enumerate(case.body["items"]):
            if isinstance(item, dict):
                item.update(sku=CATALOGUE[index % 2], quantity=min(max(int(item.get("quantity", 1)), 1), 1000))
                item.pop("price", None)
    return case


@pytest.fixture
def fuzz_server(settings: Settings, provisioned: Provisioned) -> Iterator[ApiServer]:
    # The rate limit is lifted: the fuzzer is one client sending as fast as it can, and the limit
    # has its own tests (tests/integration/test_api_security.py).
    lifted = {"rate_limit_per_second": 1e6, "rate_limit_burst": 10**6}
    with ApiServer(create_app(with_dev_key(settings).model_copy(update=lifted))) as server:
        yield server


@pytest.fixture(scope="module", autouse=True)
def report_figures() -> Iterator[None]:
    yield
    print(f"\nfuzz figures: {dict(sorted(FIGURES.items()))}")


def test_the_schema_documents_every_operation(fuzz_server: ApiServer) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")
    found = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert found == set(OPERATIONS)


def test_api_conforms_to_its_schema_and_never_fails(fuzz_server: ApiServer) -> None:
    # One server and one provisioning for every operation and mode: the emulator's set-up, not the
    # fuzzing, would otherwise take most of the time.
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")
    for method, path, mode in CASES:
        fuzz(schema, method, path, mode)


def fuzz(schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    operation = schema[path][method]
    view = schema["/orders/{order_id}"]["GET"]
    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE and method == "POST":
        strategy = st.tuples(strategy, st.booleans()).map(lambda drawn: _orderable(*drawn))

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def examples(case: Any) -> None:
        response = case.call_and_validate(headers=AUTH, excluded_checks=EXCLUDED)
        FIGURES["examples"] += 1
        FIGURES[f"{method} {path} {mode.value} {response.status_code}"] += 1
        if (method, path) == ("POST", "/orders") and response.status_code == 202:
            # Follow the order to its view, so that 200 answers are checked against the schema too.
            shown = view.Case(path_parameters={"order_id": response.json()["orderId"]})
            assert shown.call_and_validate(headers=AUTH, excluded_checks=EXCLUDED).status_code == 200
            FIGURES["order views checked"] += 1

    examples()
