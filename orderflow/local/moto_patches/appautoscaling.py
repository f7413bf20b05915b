"""Application Auto Scaling tags, which moto 5.2.5 does not implement.

moto 5.2.5's Application Auto Scaling has no `ListTagsForResource`, `TagResource` or
`UntagResource` (each answers HTTP 500, "not yet implemented") and drops the `Tags` of
`RegisterScalableTarget`. The Terraform AWS provider calls `ListTagsForResource` on every read of
an `aws_appautoscaling_target`, so `terraform apply` of any ECS service with autoscaling stalls on
its retries and then fails. Here a scalable target keeps its tags (a map, as in AWS), the three
actions work on its ARN, and an unknown ARN answers `ResourceNotFoundException` as AWS does.

Proof: tests/integration/test_emulator_terraform_patches.py.
"""

from __future__ import annotations

import json
from typing import Any


def _target(backend: Any, arn: str) -> Any:
    """The scalable target with this ARN, or AWS's ResourceNotFoundException."""
    from moto.core.exceptions import JsonRESTError  # noqa: PLC0415 - moto loads in the emulator process only

    for by_resource in backend.targets.values():
        for target in by_resource.values():
            if target.arn == arn:
                return target
    raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for {arn}")


def scalable_target_tags() -> None:
    """RegisterScalableTarget keeps its Tags; List/Tag/UntagResource act on a target's ARN."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as Response  # noqa: PLC0415

    register = Response.register_scalable_target

    def register_scalable_target(self: Any) -> str:
        body = register(self)
        target = _target(self.applicationautoscaling_backend, json.loads(body)["ScalableTargetARN"])
        target.tags = {**getattr(target, "tags", {}), **(self._get_param("Tags") or {})}
        return body

    def list_tags_for_resource(self: Any) -> str:
        target = _target(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        return json.dumps({"Tags": getattr(target, "tags", {})})

    def tag_resource(self: Any) -> str:
        target = _target(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        target.tags = {**getattr(target, "tags", {}), **self._get_param("Tags")}
        return "{}"

    def untag_resource(self: Any) -> str:
        target = _target(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        removed = set(self._get_param("TagKeys") or [])
        target.tags = {k: v for k, v in getattr(target, "tags", {}).items() if k not in removed}
        return "{}"

    Response.register_scalable_target = register_scalable_target  # type: ignore[method-assign]
    Response.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    Response.tag_resource = tag_resource  # type: ignore[attr-defined]
    Response.untag_resource = untag_resource  # type: ignore[attr-defined]


PATCHES = (scalable_target_tags,)
