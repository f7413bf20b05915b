"""The API's front door on a real uvicorn against the emulator: API keys, per-client orders,
body and media-type limits, rate limits, security headers, and error bodies that give nothing away."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from api.app import create_app
from orderflow.auth import create_key
from orderflow.errors import ConfigurationError
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import AUTH, TEST_API_KEY, ApiServer, with_dev_key

SEED = {
    "customerEmail": "student@example.com",
    "currency": "USD",
    "items": [{"sku": "LAPTOP-001", "quantity": 1, "price": 850}, {"sku": "MOUSE-002", "quantity": 2, "price": 25}],
}
ACME_KEY, ACME_ENTRY = create_key("acme")
GLOBEX_KEY, GLOBEX_ENTRY = create_key("globex")
ACME = {"X-Api-Key": ACME_KEY}
GLOBEX = {"Authorization": f"Bearer {GLOBEX_KEY}"}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
# Words that would tell an attacker what runs inside: stack frames, modules, AWS resource names.
INTERNALS = ("Traceback", 'File "', ".py", "botocore", "ClientError", "orderflow-", "Exception", "api.")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_dev_key(settings).model_copy(update={"api_keys": f"{ACME_ENTRY},{GLOBEX_ENTRY}"})


def serve(settings: Settings, **overrides: Any) -> ApiServer:
    return ApiServer(create_app(settings.model_copy(update=overrides) if overrides else settings))


@pytest.fixture
def api(settings: Settings, provisioned: Provisioned) -> Iterator[httpx.Client]:
    with serve(settings) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, dict(response.headers))
    assert not [word for word in INTERNALS if word in response.text], response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# -- authentication ---------------------------------------------------------------------------


def test_requests_without_a_valid_key_get_401_and_a_bearer_challenge(api: httpx.Client) -> None:
    order_url = f"/orders/{uuid.uuid4()}"
    for response in (
        api.post("/orders", json=SEED),
        api.get(order_url),
        api.get(order_url, headers={"X-Api-Key": "wrong"}),
        api.get(order_url, headers={"Authorization": "Bearer wrong"}),
        api.get(order_url, headers={"Authorization": f"Basic {TEST_API_KEY}"}),
        api.get(order_url, headers={"X-Api-Key": ACME_KEY + "x"}),
        api.get(order_url, headers={"X-Api-Key": "k" * 5000}),
        api.get("/nowhere"),
    ):
        body = assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert body["title"] == "Unauthorized"


def test_health_readiness_and_docs_stay_open(api: httpx.Client) -> None:
    assert api.get("/healthz").status_code == 200
    assert api.get("/readyz").status_code == 200
    assert api.get("/openapi.json").status_code == 200
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text


def test_configured_keys_and_the_local_dev_key_are_accepted_by_either_header(api: httpx.Client) -> None:
    for headers in (ACME, GLOBEX, AUTH, {"X-Api-Key": TEST_API_KEY}, {"authorization": f"bearer {ACME_KEY}"}):
        assert api.post("/orders", json=SEED, headers=headers).status_code == 202, headers


def test_an_api_without_keys_refuses_to_start_and_the_dev_key_counts_only_in_local_mode(
    settings: Settings,
) -> None:
    with pytest.raises(ConfigurationError, match="ORDERFLOW_API_KEYS"):
        create_app(settings.model_copy(update={"local_mode": False, "api_keys": ""}))
    with pytest.raises(ConfigurationError, match="ORDERFLOW_API_KEYS"):
        create_app(settings.model_copy(update={"dev_api_key": None, "api_keys": ""}))


def test_orderflow_api_outside_local_mode_without_keys_exits_with_a_clear_message() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERFLOW_")}
    env.update(ORDERFLOW_LOCAL_MODE="false", ORDERFLOW_DEV_API_KEY="ignored-outside-local-mode")
    result = subprocess.run(
        [sys.executable, "-m", "orderflow", "api"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 2, result
    assert "no API keys configured: set ORDERFLOW_API_KEYS" in result.stderr


def test_malformed_key_entries_are_refused_naming_the_variable() -> None:
    for bad in ("acme", "acme:zz:00", f"acme:00:{'a' * 63}", f"dev:00:{'a' * 64}", "a b:00:" + "a" * 64):
        with pytest.raises(ValidationError, match="api_keys"):
            Settings(api_keys=bad)
    assert Settings(api_keys=f" {ACME_ENTRY} , ,{GLOBEX_ENTRY} ").api_keys


# -- object-level authorisation ----------------------------------------------------------------


def test_an_order_is_visible_only_to_the_client_that_placed_it(api: httpx.Client) -> None:
    # GIVEN an order placed by acme
    placed = api.post("/orders", json=SEED, headers=ACME)
    assert placed.status_code == 202
    location = placed.headers["location"]
    # WHEN acme, globex and the dev client ask for it
    mine = api.get(location, headers=ACME)
    theirs = api.get(location, headers=GLOBEX)
    dev = api.get(location, headers=AUTH)
    # THEN only acme sees it; the others get exactly what an unknown id gets
    assert mine.status_code == 200
    order_id = placed.json()["orderId"]
    unknown_id = str(uuid.uuid4())
    unknown = assert_problem(api.get(f"/orders/{unknown_id}", headers=GLOBEX), 404)
    for response in (theirs, dev):
        body = assert_problem(response, 404)
        assert body == {k: str(v).replace(unknown_id, order_id) for k, v in unknown.items()} | {"status": 404}


def test_idempotency_keys_are_scoped_to_the_client(api: httpx.Client) -> None:
    first = api.post("/orders", json=SEED, headers={**ACME, "Idempotency-Key": "shared-1"})
    other = api.post("/orders", json=SEED, headers={**GLOBEX, "Idempotency-Key": "shared-1"})
    again = api.post("/orders", json=SEED, headers={**ACME, "Idempotency-Key": "shared-1"})
    assert first.status_code == other.status_code == again.status_code == 202
    assert first.json()["orderId"] != other.json()["orderId"]
    assert again.json() == first.json()
    assert "idempotent-replayed" not in other.headers


# -- body size and media type -----------------------------------------------------------------


def _padded(size: int) -> bytes:
    """A JSON order of about `size` bytes (the padding is an unknown field: refused at 422 if let in)."""
    import orjson

    body = orjson.dumps({**SEED, "padding": ""})
    return orjson.dumps({**SEED, "padding": "x" * (size - len(body))})


def test_bodies_over_64_kib_get_413_whether_declared_or_chunked(api: httpx.Client) -> None:
    big = _padded(64 * 1024 + 1)
    json_headers = {**AUTH, "content-type": "application/json"}
    assert_problem(api.post("/orders", content=big, headers=json_headers), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    assert_problem(api.post("/orders", content=chunks(), headers=json_headers), 413)
    # At the limit, the body reaches validation (and its unknown field is refused).
    at_limit = api.post("/orders", content=_padded(64 * 1024), headers=json_headers)
    assert assert_problem(at_limit, 422)["errors"][0]["field"] == "padding"


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_bodies_that_are_not_json_get_415(api: httpx.Client, content_type: str | None) -> None:
    import orjson

    headers = {**AUTH, **({"content-type": content_type} if content_type else {})}
    request = api.build_request("POST", "/orders", content=orjson.dumps(SEED), headers=headers)
    assert request.headers.get("content-type") == content_type
    body = assert_problem(api.send(request), 415)
    assert "application/json" in body["detail"]
    accepted = api.post("/orders", json=SEED, headers={**AUTH, "content-type": "application/json; charset=utf-8"})
    assert accepted.status_code == 202


def test_orders_over_the_line_limit_are_refused_before_the_catalogue_is_read(
    settings: Settings, provisioned: Provisioned
) -> None:
    # 150 distinct lines: more than one BatchGetItem (100 keys) would take, under the body limit.
    items = [{"sku": f"NOPE-{i}", "quantity": 1} for i in range(150)]
    with serve(settings, max_items_per_order=200) as server, httpx.Client(base_url=server.url, headers=AUTH) as api:
        body = assert_problem(api.post("/orders", json={**SEED, "items": items}), 422)
        assert len(body["errors"]) == 150
    with serve(settings) as server, httpx.Client(base_url=server.url, headers=AUTH) as api:
        body = assert_problem(api.post("/orders", json={**SEED, "items": items}), 422)
        assert body["errors"] == [{"field": "items", "message": "at most 50 lines per order"}]


def test_deeply_nested_or_huge_numbers_are_client_errors(api: httpx.Client) -> None:
    headers = {**AUTH, "content-type": "application/json"}
    nested = b'{"customerEmail": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert api.post("/orders", content=nested, headers=headers).status_code in (400, 422)
    huge = b'{"customerEmail": "a@b.co", "currency": "USD", "items": [{"sku": "A", "quantity": 1' + b"0" * 5000 + b"}]}"
    assert_problem(api.post("/orders", content=huge, headers=headers), 400)
    assert_problem(
        api.post("/orders", json={**SEED, "items": [{"sku": "LAPTOP-001", "quantity": 10**30}]}, headers=AUTH), 422
    )


# -- rate limit -------------------------------------------------------------------------------


def test_each_key_has_its_own_rate_limit_with_retry_after(settings: Settings, provisioned: Provisioned) -> None:
    # GIVEN a limit of 1 request/s with a burst of 3
    with (
        serve(settings, rate_limit_per_second=1, rate_limit_burst=3) as server,
        httpx.Client(base_url=server.url) as api,
    ):
        missing = f"/orders/{uuid.uuid4()}"
        # WHEN acme makes 4 requests at once
        answers = [api.get(missing, headers=ACME) for _ in range(4)]
        # THEN the burst passes, the fourth is refused with a whole-second Retry-After
        assert [a.status_code for a in answers] == [404, 404, 404, 429]
        assert_problem(answers[-1], 429)
        assert int(answers[-1].headers["retry-after"]) >= 1
        # AND globex, and the open endpoints, are not affected
        assert api.get(missing, headers=GLOBEX).status_code == 404
        assert all(api.get("/healthz").status_code == 200 for _ in range(10))


# -- headers and error bodies -----------------------------------------------------------------


def test_every_response_carries_the_security_headers(api: httpx.Client) -> None:
    responses = [
        api.post("/orders", json=SEED, headers=AUTH),
        api.get(f"/orders/{uuid.uuid4()}", headers=AUTH),
        api.get("/orders/not-a-uuid", headers=AUTH),
        api.delete("/orders", headers=AUTH),
        api.get("/healthz"),
        api.get("/openapi.json"),
        api.get("/orders"),
    ]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)
        assert "default-src 'none'" in response.headers["content-security-policy"]
    assert responses[3].status_code == 405
    assert "GET" in responses[3].headers["allow"] or "POST" in responses[3].headers["allow"]


def test_docs_get_a_policy_that_lets_swagger_ui_load_and_nothing_else(api: httpx.Client) -> None:
    docs = api.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert "script-src https://cdn.jsdelivr.net 'sha256-" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy
    assert 'src="https://cdn.jsdelivr.net/' in docs.text


def test_error_bodies_name_no_internals_even_when_aws_is_unreachable(
    settings: Settings, provisioned: Provisioned
) -> None:
    broken = settings.model_copy(update={"resource_prefix": "missing"})
    # A generous timeout: the console log renders each 500's traceback, which takes a while.
    # uvicorn closes the connection after an unhandled error: each request on a connection of its own.
    with serve(broken) as server:
        assert_problem(httpx.get(f"{server.url}/readyz", timeout=60), 503)
        assert_problem(httpx.get(f"{server.url}/orders/{uuid.uuid4()}", headers=AUTH, timeout=60), 500)
        assert_problem(httpx.post(f"{server.url}/orders", json=SEED, headers=AUTH, timeout=60), 500)


# -- the CLI sends the key ----------------------------------------------------------------------


def test_orders_cli_sends_the_key_from_the_option_or_the_environment(api: httpx.Client, tmp_path: Path) -> None:
    base = str(api.base_url).rstrip("/")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERFLOW_")}

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orderflow", "orders", *args, "--api-url", base],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**env, **extra},
        )

    submitted = cli("submit", "--api-key", ACME_KEY)
    assert submitted.returncode == 0, submitted.stderr + submitted.stdout
    import orjson

    order_id = orjson.loads(submitted.stdout)["orderId"]
    assert cli("get", order_id, ORDERFLOW_API_KEY=ACME_KEY).returncode == 0
    refused = cli("get", order_id, ORDERFLOW_API_KEY=GLOBEX_KEY)
    assert refused.returncode == 1
    assert '"status": 404' in refused.stdout


def test_the_cli_falls_back_to_the_running_dev_stacks_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from orderflow import cli
    from orderflow.local import state

    monkeypatch.setenv("ORDERFLOW_DEV_STATE_FILE", str(tmp_path / "orderflow-dev.json"))
    monkeypatch.delenv("ORDERFLOW_API_KEY", raising=False)
    assert cli.api_key(None) is None
    state.write_state(apiUrl="http://127.0.0.1:1", apiKey="from-state")
    assert (tmp_path / "orderflow-dev.json").stat().st_mode & 0o777 == 0o600
    assert cli.api_headers(None) == {"Authorization": "Bearer from-state"}
    monkeypatch.setenv("ORDERFLOW_API_KEY", "from-env")
    assert cli.api_key(None) == "from-env"
    assert cli.api_key("from-option") == "from-option"
