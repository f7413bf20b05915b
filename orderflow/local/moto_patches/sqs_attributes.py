"""SQS queue attributes kept and returned as AWS does.

Two defects of moto 5.2.5's `Queue._set_attributes`, both met by `terraform apply` and the second
by local mode too:

1. **RedriveAllowPolicy is accepted but never returned.** `SetQueueAttributes` stores it, but it is
   not among the attributes `GetQueueAttributes` knows: `All` leaves it out and asking for it by
   name is `InvalidAttributeName`. The Terraform provider's `aws_sqs_queue_redrive_allow_policy`
   waits for the value it wrote to appear, forever.
2. **Any SetQueueAttributes without Policy erases the queue policy.** moto assigns
   `attributes.get("Policy")` on every call, so setting e.g. `RedrivePolicy` or `VisibilityTimeout`
   silently removes the policy that lets EventBridge send to the queue. In AWS, SetQueueAttributes
   changes only the attributes it names (an empty `Policy` removes it). Terraform's
   `aws_sqs_queue_redrive_policy` and `aws_sqs_queue_policy` race on exactly this; local mode
   re-provisioning a queue, or an operator changing its visibility timeout, would hit it too.

Proof: tests/integration/test_emulator_terraform_patches.py.
"""

from __future__ import annotations

from typing import Any


def set_attributes_changes_only_what_it_names() -> None:
    """RedriveAllowPolicy becomes a returned attribute ("" removes it); Policy survives calls
    that do not name it."""
    from moto.sqs.models import Queue  # noqa: PLC0415 - moto loads in the emulator process only

    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]  # until set: not returned
    if "RedriveAllowPolicy" not in Queue.BASE_ATTRIBUTES:
        Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]
    set_attributes = Queue._set_attributes

    def _set_attributes(self: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        kept_policy = getattr(self, "_policy_json", None)  # None while the queue is being created
        set_attributes(self, attributes, now)
        if "Policy" not in attributes and kept_policy is not None:
            self._policy_json = kept_policy
        if attributes.get("RedriveAllowPolicy") == "":
            self.redrive_allow_policy = None

    Queue._set_attributes = _set_attributes  # type: ignore[method-assign]


PATCHES = (set_attributes_changes_only_what_it_names,)
