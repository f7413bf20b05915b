"""The console in real headless Chromium (Debian's chromium, driven by playwright-python) against a
real `orderflow dev` stack: orders sent through the API appear in the funnel by outcome, and a
poisoned order's DLQ group is redriven from the page until the order completes. Screenshots of each
step go to $ORDERFLOW_TEST_ARTIFACTS (default build/test-artifacts/browser)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orderflow.local.emulator import LOCAL_CREDENTIALS, free_port
from orderflow.settings import Settings
from tests.e2e.journey import E2E_API_KEY, Stack, new_sku, order_body, place, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("ORDERFLOW_TEST_ARTIFACTS", "build/test-artifacts")) / "browser"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not Path(CHROMIUM).exists():
        pytest.fail("no chromium: `make test` installs Debian's chromium (make browser-deps)")
    emulator_port, api_port = free_port(), free_port()
    run = tmp_path_factory.mktemp("browser")
    log = run / "orderflow-dev.log"
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env.update(
        LOCAL_CREDENTIALS,
        ORDERFLOW_LOG_FORMAT="json",
        ORDERFLOW_HEARTBEAT_DIR=str(run),
        ORDERFLOW_STATE_DIR=str(run / "state"),
        ORDERFLOW_DEV_STATE_FILE=str(run / "dev-state.json"),
        ORDERFLOW_DEV_API_KEY=E2E_API_KEY,
    )
    argv = [
        sys.executable,
        "-m",
        "orderflow",
        "dev",
        "--emulator-port",
        str(emulator_port),
        "--api-port",
        str(api_port),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    stack = Stack(
        f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{emulator_port}", Settings(local_mode=True), log, process
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{api_port + 1}/api/snapshot", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"orderflow dev (with its console) did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    yield stack
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def test_funnel_counts_orders_by_outcome_and_a_dead_order_is_redriven_from_the_page(stack: Stack) -> None:
    from playwright.sync_api import expect, sync_playwright

    console = stack.api_url.rsplit(":", 1)[0] + f":{int(stack.api_url.rsplit(':', 1)[1]) + 1}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # GIVEN 20 orders that will ship, 5 that find no stock, and one that shipping cannot handle
    plenty, none = new_sku(stack, 1000), new_sku(stack, 0)
    happy = [place(stack, order_body(plenty)) for _ in range(20)]
    short = [place(stack, order_body(none)) for _ in range(5)]
    poisoned = place(stack, order_body(plenty, simulateTechnicalFailure="shipping"))
    for order_id in [*happy, *short]:
        wait_for(stack, order_id, timeout=120)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(console + "/")
        page.select_option("#window", "all")
        # THEN the funnel counts them by outcome (the poisoned order was placed, reserved and paid)
        expect(page.locator('[data-stage="placed"] b')).to_have_text("26", timeout=30_000)
        expect(page.locator('[data-stage="shipped"] b')).to_have_text("20", timeout=30_000)
        expect(page.locator('[data-cancelled="OUT_OF_STOCK"] b')).to_have_text("5", timeout=30_000)
        expect(page.locator("#svc-shipping [data-f=dlq]")).to_have_text("1", timeout=90_000)
        page.screenshot(path=str(ARTIFACTS / "1-overview.png"))
        # WHEN the failure is healed and its DLQ group redriven from the triage page
        assert stack.cli("simulate", "heal", "shipping").returncode == 0
        page.goto(console + "/dlq/shipping")
        page.fill("#api-key", E2E_API_KEY)
        page.dispatch_event("#api-key", "change")
        group = page.locator(".group").first
        expect(group.locator(".reason")).to_contain_text("simulated shipping failure for order <id>")
        page.screenshot(path=str(ARTIFACTS / "2-dlq.png"))
        group.locator("[data-redrive]").click()
        expect(page.locator("#audit")).to_contain_text("redrove 1", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "3-redriven.png"))
        # THEN the order completes, and its timeline page shows it
        wait_for(stack, poisoned, ("SHIPPED",), timeout=90)
        page.goto(f"{console}/orders/{poisoned}")
        expect(page.locator(".timeline")).to_contain_text("ShipmentCreated")
        page.screenshot(path=str(ARTIFACTS / "4-order.png"))
        browser.close()
