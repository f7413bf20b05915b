"""Sent email kept readable: the local captured mailbox (`orderflow mail list`).

moto 5.2.5 has no API that lists the mail SES sent (AWS has none either); the only way out of its
server is the dashboard's `/moto-api/data.json`, which lists each model's `instances_tracked`.
Our DynamoDB patch (moto_patches.dynamodb, defect 3) switches that tracking off for every model,
because moto appends every instance, deep copies included, and never lets go. SES messages are
few and moto's SES backend keeps each one anyway (`sent_messages`), so tracking them costs one
reference more: switched back on for the message models alone, data.json lists them again.

Proof: tests/integration/test_mailbox.py (against the emulator with every patch applied).
"""

from __future__ import annotations

from typing import Any


def track_sent_mail() -> None:
    """SES's message models append themselves to `instances_tracked` again (moto's own behaviour)."""
    from moto.ses.models import Message, RawMessage, TemplateMessage  # noqa: PLC0415 - emulator process only

    def new(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
        instance = object.__new__(cls)
        cls.instances_tracked.append(instance)  # set by moto's metaclass
        return instance

    for model in (Message, RawMessage, TemplateMessage):
        model.__new__ = staticmethod(new)  # type: ignore[method-assign]


PATCHES = (track_sent_mail,)
