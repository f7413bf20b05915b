"""Every fix we apply to moto, in one place: one module per area, each patch a function whose
docstring (or its module's) names the moto defect, each proven by a test that fails on plain moto.

The emulator process (orderflow.local.moto_server) applies `ALL` before moto handles a request.
Production code never imports this package: it exists only to make the emulator behave like AWS.
"""

from __future__ import annotations

from collections.abc import Callable

from orderflow.local.moto_patches import (
    appautoscaling,
    dynamodb,
    dynamodb_errors,
    events_delivery,
    routing,
    ses_mailbox,
    sqs_attributes,
    sqs_index,
)

ALL: tuple[Callable[[], None], ...] = (
    *dynamodb.PATCHES,
    *appautoscaling.PATCHES,
    *sqs_attributes.PATCHES,
    *dynamodb_errors.PATCHES,
    *sqs_index.PATCHES,
    *ses_mailbox.PATCHES,
    *routing.PATCHES,
    *events_delivery.PATCHES,
)


def apply_all() -> None:
    for patch in ALL:
        patch()
