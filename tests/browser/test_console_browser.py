"""The console in real headless Chromium (Debian's chromium, driven by playwright-python) against a
real `orderflow dev` stack:

1. a burst of 200 orders sent by `orderflow load --burst 200` (the real CLI, a subprocess) shows on
   the page as a backlog with more than one worker process for a service (scaled out, with the
   reason), a drain forecast, then no backlog and every service back to its minimum of workers
   (scaled in); the funnel counts the burst's orders by outcome, as `orderflow load` saw them end;
2. a customer's cancel shows in the funnel as cancelled by the customer, and a poisoned order's DLQ
   group is redriven from the triage page until the order ships; its page shows its trace as a
   waterfall, a row and a bar per hop, the failed receives marked.

Screenshots of each step go to $ORDERFLOW_TEST_ARTIFACTS/browser (default
build/test-artifacts/browser); docs/console.md shows them (`make console-screenshots` copies them).
The tests share one stack and run in file order; each reads the funnel's counts before it acts and
expects its own orders on top of them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from orderflow.local.emulator import LOCAL_CREDENTIALS, free_port
from orderflow.settings import Settings
from tests.e2e.journey import AUTH, E2E_API_KEY, Stack, dlq_depths, new_sku, order_body, place, read_endpoints, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
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
BURST = 200

# A service row "scaled out": a backlog on the page, and more than one worker process running.
SCALED_OUT = """() => {
  const n = (row, f) => Number(row.querySelector(`[data-f="${f}"]`).textContent.replaceAll(",", ""));
  for (const row of document.querySelectorAll("section.service")) {
    const processes = row.querySelectorAll('[data-f="procs"] td.state-running').length;
    if (n(row, "visible") > 0 && n(row, "running") > 1 && processes > 1) return row.dataset.service;
  }
  return null;
}"""
# A service row whose drain forecast gives a time ("clears in 40 s").
FORECAST = """() => {
  for (const row of document.querySelectorAll("section.service")) {
    if (row.querySelector('[data-f="forecast"]').textContent.startsWith("clears in")) return row.dataset.service;
  }
  return null;
}"""
# Every service row drained (nothing visible or in flight) and back to its minimum of workers.
SCALED_IN = """() => [...document.querySelectorAll("section.service")].every((row) => {
  const f = (name) => row.querySelector(`[data-f="${name}"]`).textContent;
  return f("visible") === "0" && f("in_flight") === "0" && f("running") === f("min") && f("desired") === f("min");
})"""


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
    deadline = time.monotonic() + 150  # a loaded machine: ~60 s seen
    while True:
        try:
            if httpx.get(f"{console_url(stack)}/api/snapshot", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"orderflow dev (with its console) did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    read_endpoints(stack, run / "dev-state.json", deadline)  # DynamoDB has its own emulator process
    yield stack
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


@pytest.fixture
def page(stack: Stack) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(console_url(stack) + "/")
        page.select_option("#window", "all")
        page.select_option("#range", "5")  # charts over the last 5 minutes: a burst fills them
        yield page
        browser.close()


def console_url(stack: Stack) -> str:
    """`orderflow dev` serves the console on the API's port + 1."""
    host, port = stack.api_url.rsplit(":", 1)
    return f"{host}:{int(port) + 1}"


def funnel(stack: Stack) -> dict[str, int]:
    """The funnel since start, by stage and by cancel reason, as the page's API gives it."""
    body = httpx.get(f"{console_url(stack)}/api/funnel?window=all", timeout=10).json()
    counts = {s["stage"]: s["count"] for s in body["stages"]}
    return counts | {c["reason"]: c["count"] for c in body["cancelled"]}


def start_load(stack: Stack, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "orderflow", "load", "--api", stack.api_url, "--api-key", E2E_API_KEY, *args]
    env = {**os.environ, **LOCAL_CREDENTIALS}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def shot(page: Page, name: str, section: str | None = None) -> None:
    """A screenshot of the viewport, scrolled so that `section` (a service row) is in view."""
    if section is not None:
        page.locator(f"#svc-{section}").evaluate("row => row.scrollIntoView({block: 'start'})")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name))


def expect_counts(page: Page, expected: dict[str, int]) -> None:
    from playwright.sync_api import expect

    for name, count in expected.items():
        cell = f'[data-stage="{name}"] b' if name.islower() else f'[data-cancelled="{name}"] b'
        expect(page.locator(cell)).to_have_text(f"{count:,}", timeout=60_000)


def test_a_burst_scales_out_drains_and_scales_back_in_and_the_funnel_counts_it(stack: Stack, page: Page) -> None:

    before = funnel(stack)
    # WHEN `orderflow load` sends a burst of 200 orders at once (90 % happy, 5 % declined, 5 % no stock)
    load = start_load(stack, "--burst", str(BURST), "--seed", "10", "--deadline", "480", "--json")
    try:
        # THEN a service shows a backlog and more than one worker process, with the scale-out's reason
        scaled = page.wait_for_function(SCALED_OUT, timeout=120_000, polling=250).json_value()
        shot(page, "1-scale-out.png", scaled)
        # AND a drain forecast while it drains
        draining = page.wait_for_function(FORECAST, timeout=60_000, polling=250).json_value()
        shot(page, "2-drain-forecast.png", draining)
        out, err = load.communicate(timeout=600)
    finally:
        if load.poll() is None:
            load.kill()
            load.communicate()
    assert load.returncode == 0, err
    report: dict[str, Any] = json.loads(out)
    assert (report["sent"], report["accepted"], report["terminal"]) == (BURST, BURST, BURST)
    # THEN every queue drains and every service goes back to its minimum of workers
    page.wait_for_function(SCALED_IN, timeout=240_000, polling=500)
    shot(page, "3-scaled-in.png", scaled)
    # AND the funnel counts the burst by outcome, as orderflow load saw its orders end
    outcomes = report["outcomes"]
    shipped = outcomes.get("SHIPPED", 0)
    declined = outcomes.get("CANCELLED (PAYMENT_DECLINED)", 0)
    short = outcomes.get("CANCELLED (OUT_OF_STOCK)", 0)
    assert shipped + declined + short == BURST, outcomes
    expected = {
        "placed": BURST,
        "reserved": shipped + declined,
        "paid": shipped,
        "shipped": shipped,
        "OUT_OF_STOCK": short,
        "PAYMENT_DECLINED": declined,
        "CUSTOMER_CANCELLED": 0,
    }
    expect_counts(page, {k: before.get(k, 0) + v for k, v in expected.items()})
    shot(page, "4-funnel.png")


def test_a_cancel_is_counted_by_reason_and_a_dead_order_is_redriven_from_the_page(stack: Stack, page: Page) -> None:
    from playwright.sync_api import expect

    console = console_url(stack)
    before, dead_before = funnel(stack), dlq_depths(stack)["shipping"]
    # GIVEN an order the customer cancels while inventory cannot reserve it yet, and one that
    # shipping cannot handle (its message goes to the DLQ)
    plenty = new_sku(stack, 1000)
    held = place(stack, order_body(plenty, simulateTechnicalFailure="inventory"))
    assert httpx.post(f"{stack.api_url}/orders/{held}/cancel", headers=AUTH, timeout=10).status_code == 202
    poisoned = place(stack, order_body(plenty, simulateTechnicalFailure="shipping"))
    wait_for(stack, held, ("CANCELLED",), timeout=90)
    # THEN the funnel counts the cancel by its reason (the poisoned order was placed, reserved and paid)
    expect_counts(page, {"CUSTOMER_CANCELLED": before["CUSTOMER_CANCELLED"] + 1})
    expect_counts(page, {"placed": before["placed"] + 2, "paid": before["paid"] + 1})
    # (a burst on a starved machine can leave copies of handled messages in a DLQ: their delete came
    # after the visibility timeout, and the copy was received again, up to maxReceiveCount)
    expect(page.locator("#svc-shipping [data-f=dlq]")).to_have_text(str(dead_before + 1), timeout=90_000)
    shot(page, "5-cancelled-and-dlq.png")
    # WHEN the failure is healed and its DLQ group redriven from the triage page
    assert stack.cli("simulate", "heal", "shipping").returncode == 0
    page.goto(console + "/dlq/shipping")
    page.fill("#api-key", E2E_API_KEY)
    page.dispatch_event("#api-key", "change")
    group = page.locator(".group").filter(has_text="simulated shipping failure")
    expect(group.locator(".reason")).to_contain_text("simulated shipping failure for order <id>")
    shot(page, "6-dlq.png")
    group.locator("[data-redrive]").click()
    expect(page.locator("#audit")).to_contain_text("redrove 1", timeout=30_000)
    shot(page, "7-redriven.png")
    # THEN the order completes, and its timeline page shows it
    wait_for(stack, poisoned, ("SHIPPED",), timeout=90)
    page.goto(f"{console}/orders/{poisoned}")
    expect(page.locator(".timeline")).to_contain_text("ShipmentCreated")
    shot(page, "8-order.png")
    # AND its trace as a waterfall: a row per hop (the API request, then each worker's handler), each
    # with its queue wait and handler time and a bar; shipping's failed receives marked, then its
    # handling after the redrive
    wait_for_hops(page, poisoned, {"api", "inventory", "payment", "shipping"})
    # (audit's and analytics' spans of the last events may still be arriving: read the page and the
    # JSON until both show the same hops)
    api_trace = settled_trace(page, console, poisoned)
    waterfall = page.locator("#trace table.waterfall")
    expect(waterfall).to_have_count(1)
    rows = waterfall.locator("tr.hop")
    services = rows.evaluate_all("rows => rows.map((r) => r.dataset.service)")
    assert services[0] == "api" and {"inventory", "payment", "shipping"} <= set(services), services
    assert rows.locator(".track .work").count() == rows.count()  # every hop has its bar
    assert waterfall.locator("tr.hop:not([data-service=api]) .track .wait").count() >= 3  # and its queue wait
    # shipping's failed receives of the poisoned event (audit may have failed hops too: it retries an
    # event whose cause it has not appended yet, which a backlog after the burst makes likely)
    expect(waterfall.locator("tr.hop.failed[data-service=shipping]").first).to_contain_text(
        "shipping PaymentCompleted failed"
    )
    expect(waterfall.locator("tr.hop:not(.failed)[data-service=shipping]")).to_contain_text("handled")
    trace_id = page.locator("#trace .trace-id").inner_text()
    assert [t["traceId"] for t in api_trace] == [trace_id]
    assert [r["service"] for r in api_trace[0]["rows"]] == services
    page.locator("#trace").scroll_into_view_if_needed()
    page.locator("#trace").screenshot(path=str(ARTIFACTS / "9-order-trace.png"))


def settled_trace(page: Page, console: str, order_id: str, timeout: float = 20) -> list[dict[str, Any]]:
    """The order's traces from the console's JSON once the page (reloaded) shows the same hops."""
    deadline = time.monotonic() + timeout
    while True:
        api_trace: list[dict[str, Any]] = httpx.get(f"{console}/api/orders/{order_id}/trace", timeout=10).json()[
            "traces"
        ]
        page.goto(f"{console}/orders/{order_id}")
        shown = page.locator("#trace tr.hop").evaluate_all("rows => rows.map((r) => r.dataset.service)")
        if len(api_trace) == 1 and [r["service"] for r in api_trace[0]["rows"]] == shown:
            return api_trace
        if time.monotonic() > deadline:
            raise AssertionError(f"page hops {shown} never matched the JSON's {api_trace}")
        time.sleep(0.5)


def wait_for_hops(page: Page, order_id: str, services: set[str], timeout: float = 30) -> None:
    """Spans reach the span files within the exporters' 0.5 s batch delay: reload the order's page
    until its trace has a row for each service."""
    shown: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto(f"{console_url_of(page)}/orders/{order_id}")
        shown = set(page.locator("#trace tr.hop").evaluate_all("rows => rows.map((r) => r.dataset.service)"))
        if shown >= services:
            return
        time.sleep(0.5)
    pytest.fail(f"the trace of {order_id} shows {sorted(shown)}, not {sorted(services)}")


def console_url_of(page: Page) -> str:
    return page.url.split("/orders/", 1)[0]
