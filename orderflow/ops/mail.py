"""The local captured mailbox: what the notification service sent through SES, as the emulator
recorded it (moto keeps every SES message and lists them in its /moto-api/data.json).

Each message's text ends with `Order <id> · <EventType> · event <id>` (notification rendering), which
is how a message is tied back to its order and to the event that caused it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import httpx

_FOOTER = re.compile(r"Order (?P<order>[0-9a-f-]{36}) · (?P<outcome>\w+) · event (?P<event>[0-9a-f-]{36})\s*$")


class MailboxUnavailable(Exception):
    """No emulator answers at the endpoint (the mailbox exists only in local mode)."""


@dataclass(frozen=True)
class Mail:
    id: str
    sender: str
    to: list[str]
    subject: str
    text: str
    order_id: str | None
    outcome: str | None
    event_id: str | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _mail(raw: dict[str, Any]) -> Mail:
    text = str(raw.get("body", ""))
    footer = _FOOTER.search(text)
    destinations = raw.get("destinations") or {}
    to = [a for field in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(field, [])]
    return Mail(
        id=str(raw["id"]),
        sender=str(raw.get("source", "")),
        to=to,
        subject=str(raw.get("subject", "")),
        text=text,
        order_id=footer["order"] if footer else None,
        outcome=footer["outcome"] if footer else None,
        event_id=footer["event"] if footer else None,
    )


def mailbox(endpoint_url: str, *, to: str | None = None) -> list[Mail]:
    """Every message SES accepted, oldest first; only those addressed to `to` when given."""
    try:
        response = httpx.get(f"{endpoint_url.rstrip('/')}/moto-api/data.json", timeout=30)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise MailboxUnavailable(f"no local emulator answers at {endpoint_url} ({exc})") from exc
    messages = response.json().get("ses", {}).get("Message", [])
    mails = [_mail(raw) for raw in messages]
    return [m for m in mails if to is None or to.lower() in (a.lower() for a in m.to)]
