"""The scaling policy the Terraform gives ECS, as one pure function the dev supervisor calls every tick.

terraform/modules/worker-service declares, from the same topology values:
- target tracking on backlog per task (ApproximateNumberOfMessagesVisible / RunningTaskCount) at
  targetBacklogPerTask: desired = ceil(running × metric / target) = ceil(visible / target), kept
  between minTasks and maxTasks;
- a step policy (+1 task, cooldown = the scale-out cooldown) on "messages visible and no task
  running", because target tracking cannot divide by zero tasks: it wakes a service from zero;
- scale-out and scale-in cooldowns. A scale-in is blocked until the scale-in cooldown has passed; a
  scale-out during a scale-in cooldown happens at once.

Where a laptop must differ, it is said here once:
- A scale-out is held until the scale-out cooldown has passed since the previous one: AWS counts the
  capacity it just added and re-evaluates once a minute, so it too steps up at most once a cooldown.
- AWS scales in only after its low alarm has seen 15 one-minute datapoints below target. Locally the
  scale-in cooldown also runs from the last scale-out, so a burst's workers are not stopped the tick
  their receives empty the queue (messages move from visible to in flight): no flapping.
- Going to zero needs nothing in flight either: in ECS a busy task's scale-in protection keeps it,
  locally a SIGTERM would start draining work that is still being handled.
- The console may pause a service (desired 0, held) or override its desired count (0..max).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from orderflow.local.runstate import ScalingAction, ScalingDecision, ServiceControl
from orderflow.topology import ScalingSettings


@dataclass(frozen=True)
class ScalingPolicy:
    """One service's scaling numbers, read from the topology (the same ones Terraform reads)."""

    min_workers: int
    max_workers: int
    target_backlog_per_worker: int
    scale_out_cooldown_seconds: int
    scale_in_cooldown_seconds: int

    @classmethod
    def of(cls, scaling: ScalingSettings) -> ScalingPolicy:
        return cls(
            min_workers=scaling.min_tasks,
            max_workers=scaling.max_tasks,
            target_backlog_per_worker=scaling.target_backlog_per_task,
            scale_out_cooldown_seconds=scaling.scale_out_cooldown_seconds,
            scale_in_cooldown_seconds=scaling.scale_in_cooldown_seconds,
        )


@dataclass(frozen=True)
class Observation:
    """What the supervisor sees this tick: the queue's counts and its own processes."""

    visible: int
    in_flight: int
    running: int  # processes alive and not draining
    desired: int


@dataclass(frozen=True)
class History:
    """When the service last scaled (None: never since the supervisor started)."""

    last_scale_out: datetime | None = None
    last_scale_in: datetime | None = None

    def after(self, decision: ScalingDecision) -> History:
        """The history once `decision` is carried out (a wake from zero is a scale-out)."""
        if decision.to > decision.from_:
            return History(decision.at, self.last_scale_in)
        if decision.to < decision.from_:
            return History(self.last_scale_out, decision.at)
        return self


def decide(
    service: str,
    policy: ScalingPolicy,
    seen: Observation,
    history: History,
    *,
    now: datetime,
    control: ServiceControl | None = None,
) -> ScalingDecision:
    """The desired worker count for `service` after this tick, and why."""
    tick = _Tick(policy, seen, history, now, math.ceil(seen.visible / policy.target_backlog_per_worker))
    if control is not None and (control.paused or control.desired_override is not None):
        action, to, reason = tick.by_console(control)
    else:
        action, to, reason = tick.by_policy()
    return ScalingDecision(
        at=now,
        service=service,
        action=action,
        from_=seen.desired,
        to=to,
        needed=tick.needed,
        reason=reason,
        visible=seen.visible,
        in_flight=seen.in_flight,
        running=seen.running,
        backlog_per_worker=round(seen.visible / seen.running, 2) if seen.running else None,
    )


Verdict = tuple[ScalingAction, int, str]


@dataclass(frozen=True)
class _Tick:
    policy: ScalingPolicy
    seen: Observation
    history: History
    now: datetime
    needed: int  # ceil(visible / target): target tracking's desired, before min and max

    def by_console(self, control: ServiceControl) -> Verdict:
        if control.paused:
            to, why = 0, "paused from the console"
        else:
            assert control.desired_override is not None
            to = min(control.desired_override, self.policy.max_workers)
            capped = f", capped at max {self.policy.max_workers}" if to < control.desired_override else ""
            why = f"desired set to {control.desired_override} from the console{capped}"
        return _direction(self.seen.desired, to), to, why

    def by_policy(self) -> Verdict:
        low, high, desired = self.policy.min_workers, self.policy.max_workers, self.seen.desired
        if desired < low or desired > high:
            to = min(max(desired, low), high)
            return _direction(desired, to), to, f"desired {desired} outside min {low} / max {high}"
        if desired == 0:
            return self.from_zero()
        if self.seen.running == 0:
            return "steady", desired, "no worker running yet: backlog per worker has no value"
        return self.track(min(max(self.needed, low), high))

    def track(self, bounded: int) -> Verdict:
        """Target tracking proper: running > 0, so backlog per worker has a value."""
        if bounded > self.seen.desired:
            return self.scale_out(bounded)
        if self.needed > self.policy.max_workers:
            return "at_max", self.seen.desired, f"at max: needs {self.needed}, capped at {self.policy.max_workers}"
        if bounded < self.seen.desired:
            return self.scale_in(bounded)
        return "steady", self.seen.desired, self.backlog

    @property
    def backlog(self) -> str:
        per_worker = round(self.seen.visible / self.seen.running, 1)
        return f"backlog {per_worker:g} per worker, target {self.policy.target_backlog_per_worker}"

    def from_zero(self) -> Verdict:
        if self.seen.visible == 0:
            return "steady", 0, "idle: no messages, no workers"
        left = self.left(self.history.last_scale_out, self.policy.scale_out_cooldown_seconds)
        if left > 0:
            return "hold_cooldown", 0, f"wake from zero held: scale-out cooldown, {math.ceil(left)} s left"
        return "wake_from_zero", 1, f"{self.seen.visible} visible and no worker running: step +1"

    def scale_out(self, bounded: int) -> Verdict:
        left = self.left(self.history.last_scale_out, self.policy.scale_out_cooldown_seconds)
        capped = f", capped at {self.policy.max_workers}" if self.needed > bounded else ""
        if left > 0:
            why = f"needs {self.needed}{capped}: scale-out cooldown, {math.ceil(left)} s left"
            return "hold_cooldown", self.seen.desired, why
        return "scale_out", bounded, f"{self.backlog}: needs {self.needed}{capped}"

    def scale_in(self, bounded: int) -> Verdict:
        keep, busy = bounded, ""
        if bounded == 0 and self.seen.in_flight > 0:
            keep, busy = 1, f", {self.seen.in_flight} in flight keep 1"
        if keep >= self.seen.desired:
            return "steady", self.seen.desired, f"{self.backlog}{busy}"
        activities = (self.history.last_scale_in, self.history.last_scale_out)
        last = max((t for t in activities if t is not None), default=None)
        left = self.left(last, self.policy.scale_in_cooldown_seconds)
        if left > 0:
            why = f"{self.backlog}: wants {keep}, scale-in cooldown, {math.ceil(left)} s left"
            return "hold_cooldown", self.seen.desired, why
        return "scale_in", keep, f"{self.backlog}{busy}"

    def left(self, since: datetime | None, cooldown_seconds: int) -> float:
        """Seconds of a cooldown still to run (0 when none is running)."""
        if since is None:
            return 0.0
        return max(0.0, cooldown_seconds - (self.now - since).total_seconds())


def _direction(before: int, after: int) -> ScalingAction:
    return "scale_out" if after > before else "scale_in" if after < before else "steady"
