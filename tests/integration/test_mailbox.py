"""Customer email through SES (v2 SendEmail) against the emulator, read back from the captured
mailbox the way `orderflow mail list|show` does (moto keeps every message SES sent)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import orjson
from aiobotocore.session import get_session

from orderflow.contracts import Event
from orderflow.local.emulator import Emulator
from orderflow.local.provision import provision
from orderflow.ops.mail import mailbox
from orderflow.settings import Settings
from tests.support import one_of_each_event
from workers.services.notification.email import SesChannel
from workers.services.notification.rendering import render

SENDER = "orders@shop.example"


async def _send(url: str, region: str, events: list[Event]) -> None:
    async with get_session().create_client("sesv2", region_name=region, endpoint_url=url) as ses:
        channel = SesChannel(ses, SENDER)
        for event in events:
            await channel.send(render(event))


def test_each_outcome_email_lands_in_the_mailbox_with_its_order_and_event(
    emulator: Emulator, settings: Settings
) -> None:
    # GIVEN a provisioned emulator whose SES knows the sender identity
    emulator.reset()
    provision(settings.model_copy(update={"email_sender": SENDER}), endpoint_url=emulator.url)
    placed, paid = one_of_each_event()[0], one_of_each_event()[4]
    # WHEN the notification channel sends two outcomes
    asyncio.run(_send(emulator.url, settings.region, [placed, paid]))
    # THEN the mailbox holds both, addressed, with the order and the event they belong to
    mails = mailbox(emulator.url, to="student@example.com")
    assert [(m.sender, m.to, m.outcome) for m in mails] == [
        (SENDER, ["student@example.com"], "OrderPlaced"),
        (SENDER, ["student@example.com"], "PaymentCompleted"),
    ]
    assert mails[1].event_id == str(paid.event_id) and mails[1].order_id == str(paid.order_id)
    assert mailbox(emulator.url, to="nobody@example.com") == []
    # ...and the CLI prints them
    cli = [sys.executable, "-m", "orderflow", "mail"]
    listed = subprocess.run(
        [*cli, "list", "--json", "--endpoint-url", emulator.url], capture_output=True, text=True, check=False
    )
    assert listed.returncode == 0, listed.stderr
    assert [m["subject"] for m in orjson.loads(listed.stdout)] == [m.subject for m in mails]
    shown = subprocess.run(
        [*cli, "show", mails[1].id[:12], "--endpoint-url", emulator.url], capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0 and "We received your payment of 10 USD" in shown.stdout, shown.stderr
    missing = subprocess.run(
        [*cli, "show", "nope", "--endpoint-url", emulator.url], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 2 and "no message matches 'nope'" in missing.stderr
