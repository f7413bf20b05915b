"""The chaos run's accounting reads every order through the API, faster than the API's per-key
rate limit allows: a 429 is waited out, never taken for a lost order (a 2,000-order run counted 45
orders "lost" that the API had answered 429)."""

from __future__ import annotations

import httpx

from api.app import create_app
from orderflow.chaos.run import order_views
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import AUTH, TEST_API_KEY, ApiServer, with_dev_key

SEED = {"customerEmail": "student@example.com", "currency": "USD", "items": [{"sku": "MOUSE-002", "quantity": 1}]}


def test_order_views_wait_out_the_rate_limit(settings: Settings, provisioned: Provisioned) -> None:
    # GIVEN an API that allows a key 2 requests/s with a burst of 4, 4 orders placed, the burst spent
    limited = with_dev_key(settings).model_copy(update={"rate_limit_per_second": 2, "rate_limit_burst": 4})
    with ApiServer(create_app(limited)) as server, httpx.Client(base_url=server.url) as api:
        placed = [api.post("/orders", json=SEED, headers=AUTH) for _ in range(4)]
        assert [p.status_code for p in placed] == [202] * 4
        order_ids = [str(p.json()["orderId"]) for p in placed]
        # (the bucket refills while the orders are placed on a loaded machine: empty it again)
        answers = [api.get(f"/orders/{order_ids[0]}", headers=AUTH).status_code for _ in range(12)]
        assert 429 in answers
        # WHEN the accounting reads all four, 8 readers at once
        views = order_views(server.url, TEST_API_KEY, order_ids)
    # THEN each is answered, after waiting out the 429s
    assert sorted(views) == sorted(order_ids)
    assert all(view is not None and view["orderId"] == order_id for order_id, view in views.items())
