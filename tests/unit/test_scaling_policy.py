"""The local scaling policy (orderflow.local.scaling): target tracking on backlog per worker, the
step that wakes a service from zero, cooldowns, limits and the console's controls.

Each scenario is a table of ticks, one per second: what the queue shows (visible, in flight), and
the decision expected (action and desired after it). Running workers follow desired at once, as
the supervisor's processes do within a tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from orderflow.local.runstate import ScalingAction, ScalingDecision, ServiceControl
from orderflow.local.scaling import History, Observation, ScalingPolicy, decide

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# A laptop-sized service: target 20, max 4, cooldowns 5 s out / 20 s in.
LAPTOP = ScalingPolicy(
    min_workers=1,
    max_workers=4,
    target_backlog_per_worker=20,
    scale_out_cooldown_seconds=5,
    scale_in_cooldown_seconds=20,
)
FROM_ZERO = ScalingPolicy(
    min_workers=0,
    max_workers=2,
    target_backlog_per_worker=20,
    scale_out_cooldown_seconds=5,
    scale_in_cooldown_seconds=20,
)


@dataclass(frozen=True)
class Tick:
    visible: int
    in_flight: int
    action: ScalingAction
    to: int


def run(policy: ScalingPolicy, ticks: list[Tick], *, desired: int) -> list[ScalingDecision]:
    """Feed the ticks through the policy as the supervisor does; answer every decision."""
    history, decisions = History(), []
    for second, tick in enumerate(ticks):
        seen = Observation(visible=tick.visible, in_flight=tick.in_flight, running=desired, desired=desired)
        decision = decide("inventory", policy, seen, history, now=T0 + timedelta(seconds=second))
        history, desired = history.after(decision), decision.to
        decisions.append(decision)
    return decisions


SCENARIOS = {
    # A burst of 200: out to 4 at once (needs 10, capped), then held at max while it drains; back to
    # 1 only a scale-in cooldown after the scale-out, once the backlog is gone.
    "burst": (
        LAPTOP,
        1,
        [Tick(200, 0, "scale_out", 4), Tick(160, 40, "at_max", 4), Tick(90, 40, "at_max", 4)]
        + [Tick(0, 10, "hold_cooldown", 4)] * 17
        + [Tick(0, 5, "scale_in", 1), Tick(0, 0, "steady", 1)],
    ),
    # A trickle below the target never scales: one worker keeps up.
    "trickle": (LAPTOP, 1, [Tick(v, 1, "steady", 1) for v in (0, 3, 7, 19, 20, 2, 0)]),
    # Idle with min 0: the last worker stops once nothing is visible or in flight, not before.
    "idle_to_zero": (
        FROM_ZERO,
        1,
        [Tick(0, 3, "steady", 1), Tick(0, 1, "steady", 1), Tick(0, 0, "scale_in", 0), Tick(0, 0, "steady", 0)],
    ),
    # From zero, the step policy adds one worker; target tracking takes over once it runs.
    "wake_from_zero": (
        FROM_ZERO,
        0,
        [Tick(0, 0, "steady", 0), Tick(60, 0, "wake_from_zero", 1)]
        + [Tick(60, 0, "hold_cooldown", 1)] * 4
        + [Tick(60, 0, "scale_out", 2)],
    ),
    # Demand above max: at max says how many it would need.
    "at_max": (
        LAPTOP,
        4,
        [Tick(280, 40, "at_max", 4), Tick(81, 40, "at_max", 4), Tick(80, 40, "steady", 4)],
    ),
    # Backlog swinging above and below the target every tick: one scale-out, then held; no scale-in
    # while the swings last, and no second scale-out inside the scale-out cooldown.
    "flapping": (
        LAPTOP,
        1,
        [Tick(45, 0, "scale_out", 3), Tick(0, 45, "hold_cooldown", 3), Tick(70, 0, "hold_cooldown", 3)]
        + [Tick(0, 45, "hold_cooldown", 3), Tick(45, 0, "steady", 3)] * 2
        + [Tick(70, 0, "scale_out", 4), Tick(0, 70, "hold_cooldown", 4)],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_policy_scenario(name: str) -> None:
    # GIVEN a service's policy and its desired count, WHEN the queue shows each tick's counts
    policy, desired, ticks = SCENARIOS[name]
    decisions = run(policy, ticks, desired=desired)
    # THEN each tick's decision is the one the table expects
    got = [(d.action, d.to) for d in decisions]
    assert got == [(t.action, t.to) for t in ticks], "\n".join(f"{d.action} {d.to}: {d.reason}" for d in decisions)


def test_at_max_says_what_it_needs_and_what_caps_it() -> None:
    seen = Observation(visible=280, in_flight=0, running=4, desired=4)
    decision = decide("payment", LAPTOP, seen, History(), now=T0)
    assert (decision.action, decision.needed, decision.reason) == ("at_max", 14, "at max: needs 14, capped at 4")
    assert decision.backlog_per_worker == 70


def test_a_scale_out_is_not_held_by_a_scale_in_cooldown() -> None:
    # GIVEN a scale-in a second ago (its cooldown runs for 20 s)
    history = History(last_scale_in=T0 - timedelta(seconds=1))
    # WHEN a burst arrives THEN it scales out at once, as AWS does
    decision = decide("payment", LAPTOP, Observation(100, 0, 1, 1), history, now=T0)
    assert (decision.action, decision.to) == ("scale_out", 4)
    assert decision.reason == "backlog 100 per worker, target 20: needs 5, capped at 4"


def test_cooldown_hold_says_how_long_is_left() -> None:
    history = History(last_scale_out=T0 - timedelta(seconds=1.5))
    decision = decide("payment", LAPTOP, Observation(100, 0, 2, 2), history, now=T0)
    assert decision.action == "hold_cooldown"
    assert decision.reason == "needs 5, capped at 4: scale-out cooldown, 4 s left"


def test_no_running_worker_yet_is_no_reason_to_scale() -> None:
    # GIVEN desired 2 but both processes still starting (or being replaced)
    decision = decide("payment", LAPTOP, Observation(500, 0, 0, 2), History(), now=T0)
    # THEN target tracking has no backlog per worker to act on (AWS: no datapoint)
    assert (decision.action, decision.to, decision.backlog_per_worker) == ("steady", 2, None)


@pytest.mark.parametrize(
    ("desired", "policy", "action", "to"),
    [(0, LAPTOP, "scale_out", 1), (6, LAPTOP, "scale_in", 4), (3, FROM_ZERO, "scale_in", 2)],
)
def test_desired_outside_the_limits_is_brought_back_at_once(
    desired: int, policy: ScalingPolicy, action: str, to: int
) -> None:
    decision = decide("payment", policy, Observation(0, 0, desired, desired), History(last_scale_in=T0), now=T0)
    assert (decision.action, decision.to) == (action, to)


def test_pause_from_the_console_stops_consumption_and_holds() -> None:
    paused = ServiceControl(paused=True)
    first = decide("payment", LAPTOP, Observation(300, 0, 3, 3), History(), now=T0, control=paused)
    again = decide("payment", LAPTOP, Observation(300, 0, 0, 0), History(), now=T0, control=paused)
    assert (first.action, first.to, first.reason) == ("scale_in", 0, "paused from the console")
    assert (again.action, again.to) == ("steady", 0)


@pytest.mark.parametrize(("override", "to", "reason"), [(2, 2, ""), (9, 4, ", capped at max 4"), (0, 0, "")])
def test_desired_override_from_the_console_wins_within_max(override: int, to: int, reason: str) -> None:
    control = ServiceControl(desired_override=override)
    decision = decide("payment", LAPTOP, Observation(0, 0, 1, 1), History(last_scale_in=T0), now=T0, control=control)
    assert decision.to == to
    assert decision.reason == f"desired set to {override} from the console{reason}"


def test_local_and_aws_policies_come_from_the_same_topology_reader() -> None:
    from pathlib import Path

    from orderflow.topology import load_topology

    path = Path(__file__).resolve().parents[2] / "topology.yaml"
    aws, laptop = load_topology(path), load_topology(path, local=True)
    for name, service in aws.services.items():
        policy, local = ScalingPolicy.of(service.scaling), ScalingPolicy.of(laptop.services[name].scaling)
        assert policy.target_backlog_per_worker == service.scaling.target_backlog_per_task
        assert local.max_workers <= policy.max_workers  # a local section only lowers max
    assert ScalingPolicy.of(laptop.services["replenishment"].scaling).min_workers == 0
