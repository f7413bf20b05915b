"""Fault injection in the AWS wiring (and the simulated carrier): off unless ORDERFLOW_FAULTS is set.

Spec: rules separated by `;`, each `target:flavour=probability[,flavour=probability]`, e.g.
`sqs.ReceiveMessage:before=0.02,after=0.02,duplicate=0.05;events.PutEvents:partial=0.05;carrier:before=0.05`.
A target is `<client>.<Operation>` (client as in `session.create_client`: sqs, events, dynamodb)
or `carrier`. Flavours:

- before:    the call fails before it is sent (throttling or 5xx) — nothing happened;
- after:     the call succeeded at AWS, then the client sees an error (500 or a read timeout) — the
             nastiest case: the write is there, the caller believes it is not;
- partial:   PutEvents only: entries published for real are reported failed (FailedEntryCount),
             so the publisher sends them again — duplicates on the bus;
- duplicate: ReceiveMessage only: a received message is also sent back to its queue, as SQS's
             at-least-once delivery may do — the same event delivered twice.

Hooks are botocore events (`before-call.*`, `after-call.*`), registered on each client by
`AwsClients.open`; aiobotocore awaits async handlers, which the duplicate flavour needs.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import structlog
from botocore.exceptions import ClientError, ReadTimeoutError

log = structlog.get_logger("orderflow.faults")

FLAVOURS = ("before", "after", "partial", "duplicate")
_ONLY_ON = {"partial": "events.PutEvents", "duplicate": "sqs.ReceiveMessage"}
_TARGET = re.compile(r"^(carrier|[a-z0-9-]+\.[A-Za-z]+)$")

Rules = dict[str, dict[str, float]]


class FaultSpecError(ValueError):
    """ORDERFLOW_FAULTS does not parse."""


class InjectedFault(ClientError):
    """A ClientError raised on purpose; its message says so, so logs never mislead an operator."""


def parse_faults(spec: str) -> Rules:
    """`target:flavour=p,...;...` -> {target: {flavour: p}}; raises FaultSpecError naming the bad part."""
    rules: Rules = {}
    for raw in filter(None, (part.strip() for part in spec.split(";"))):
        target, sep, flavours = raw.partition(":")
        target = target.strip()
        if not sep or not _TARGET.match(target):
            raise FaultSpecError(f"{raw!r}: expected '<client>.<Operation>:<flavour>=<p>' or 'carrier:<flavour>=<p>'")
        for item in filter(None, (f.strip() for f in flavours.split(","))):
            flavour, _, value = item.partition("=")
            rules.setdefault(target, {})[flavour.strip()] = _probability(raw, flavour.strip(), value, target)
    return rules


def _probability(raw: str, flavour: str, value: str, target: str) -> float:
    if flavour not in FLAVOURS:
        raise FaultSpecError(f"{raw!r}: unknown flavour {flavour!r} (known: {', '.join(FLAVOURS)})")
    if flavour in _ONLY_ON and target != _ONLY_ON[flavour]:
        raise FaultSpecError(f"{raw!r}: {flavour} applies to {_ONLY_ON[flavour]} only")
    try:
        probability = float(value)
    except ValueError:
        raise FaultSpecError(f"{raw!r}: {value!r} is not a probability") from None
    if not 0 <= probability <= 1:
        raise FaultSpecError(f"{raw!r}: probability {probability} is outside 0..1")
    return probability


class FaultInjector:
    """Seeded dice per (target, flavour); every fault injected is logged and counted, and appended
    to `ledger` (one JSON line each) so a chaos run can count faults across processes."""

    def __init__(
        self, rules: Mapping[str, Mapping[str, float]], *, seed: int | None = None, ledger: Path | None = None
    ):
        self.rules = {target: dict(flavours) for target, flavours in rules.items()}
        self._rng = random.Random(seed)
        self._ledger = ledger
        self.counts: Counter[str] = Counter()

    @classmethod
    def from_spec(
        cls, spec: str | None, *, seed: int | None = None, ledger: Path | None = None
    ) -> FaultInjector | None:
        """None — no hooks at all — unless a spec is given."""
        rules = parse_faults(spec) if spec else {}
        return cls(rules, seed=seed, ledger=ledger) if rules else None

    def roll(self, target: str, flavour: str, **detail: Any) -> bool:
        """True (and recorded) when a fault of this flavour is to be injected now."""
        probability = self.rules.get(target, {}).get(flavour, 0.0)
        if probability <= 0 or self._rng.random() >= probability:
            return False
        self.counts[f"{target}:{flavour}"] += 1
        log.warning("fault_injected", operation=target, flavour=flavour, **detail)
        if self._ledger is not None:
            line = orjson.dumps({"operation": target, "flavour": flavour, "pid": os.getpid()}) + b"\n"
            with self._ledger.open("ab") as ledger:  # O_APPEND: whole lines even across processes
                ledger.write(line)
        return True

    # -- wiring ---------------------------------------------------------------------------------

    def install(self, name: str, client: Any) -> None:
        """Register hooks on `client` (created as `name`) for the rules that target it."""
        service_id = client.meta.service_model.service_id.hyphenize()
        known = set(client.meta.service_model.operation_names)
        for target, flavours in self.rules.items():
            prefix, _, operation = target.partition(".")
            if prefix != name:
                continue
            if operation not in known:
                raise FaultSpecError(f"{target}: {name} has no operation {operation!r}")
            hooks = [("before-call", self._before(target))] if flavours.get("before") else []
            if set(flavours) - {"before"}:
                hooks.append(("after-call", self._after(target, client)))
            if flavours.get("duplicate"):
                hooks.append(("before-parameter-build", _remember_queue))
            for stage, hook in hooks:
                # unique_id: installing twice must not double the dice (and ids are per event name).
                client.meta.events.register(
                    f"{stage}.{service_id}.{operation}", hook, unique_id=f"orderflow-faults-{stage}-{target}"
                )

    def _before(self, target: str) -> Any:
        def before_call(**_: Any) -> None:
            if self.roll(target, "before"):
                code, status = self._rng.choice([("ThrottlingException", 400), ("ServiceUnavailable", 503)])
                raise _client_error(target, code, status, "before the call")

        return before_call

    def _after(self, target: str, client: Any) -> Any:
        async def after_call(http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            if http_response.status_code >= 300:
                return  # the call failed by itself; faults are for calls that worked
            if self.rules[target].get("duplicate"):
                await self._duplicate(target, client, parsed, context)
            if self.rules[target].get("partial"):
                self._partial(target, parsed)
            if self.roll(target, "after"):
                if self._rng.random() < 0.5:
                    raise ReadTimeoutError(endpoint_url=f"injected fault: {target} succeeded, then the read timed out")
                raise _client_error(target, "InternalServerError", 500, "after the call succeeded")

        return after_call

    async def _duplicate(self, target: str, client: Any, parsed: dict[str, Any], context: dict[str, Any]) -> None:
        url = context.get("orderflow_queue_url")
        for message in parsed.get("Messages", []) if url else []:
            if self.roll(target, "duplicate", messageId=message.get("MessageId")):
                await client.send_message(QueueUrl=url, MessageBody=message["Body"])

    def _partial(self, target: str, parsed: dict[str, Any]) -> None:
        entries = parsed.get("Entries", [])
        for index, entry in enumerate(entries):
            if not entry.get("ErrorCode") and self.roll(target, "partial", eventId=entry.get("EventId")):
                entries[index] = {"ErrorCode": "InternalFailure", "ErrorMessage": "injected fault: entry was published"}
        parsed["FailedEntryCount"] = sum(1 for entry in entries if entry.get("ErrorCode"))


def _remember_queue(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """The after-call hook sees the response, not the request: keep the queue for it."""
    context["orderflow_queue_url"] = params.get("QueueUrl")


def _client_error(target: str, code: str, status: int, when: str) -> InjectedFault:
    operation = target.partition(".")[2]
    response: Any = {
        "Error": {"Code": code, "Message": f"injected fault {when}"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return InjectedFault(response, operation)
