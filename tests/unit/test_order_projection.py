"""The orders projection: status only moves forward, terminal states stay, order and repeats do not matter."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.services.orders.projection import RANK, TRANSITIONS, OrderState, apply, transition

PLACED = OrderState("PLACED")
CANCELLATIONS = ("InventoryReservationFailed", "PaymentFailed", "OrderCancelled")
TIMELINE_ONLY = ("InventoryReleased", "OrderPlaced", "SomethingNew", "OrderCancellationRejected", "PaymentRefunded")
SAGA_EVENTS = (*TRANSITIONS, *TIMELINE_ONLY)


def project(events: Iterable[str], state: OrderState = PLACED) -> OrderState:
    for event_type in events:
        state = apply(state, event_type)
    return state


def rank_of(event_type: str) -> int:
    target = TRANSITIONS.get(event_type)
    return RANK[target[0]] if target else -1


# --- examples -------------------------------------------------------------------------------


def test_happy_path_ends_shipped() -> None:
    state = project(["InventoryReserved", "PaymentCompleted", "ShipmentCreated"])

    assert state == OrderState("SHIPPED")
    assert state.terminal


def test_each_step_moves_status_forward() -> None:
    assert apply(PLACED, "InventoryReserved") == OrderState("STOCK_RESERVED")
    assert apply(OrderState("STOCK_RESERVED"), "PaymentCompleted") == OrderState("PAID")
    assert apply(OrderState("PAID"), "ShipmentCreated") == OrderState("SHIPPED")


def test_out_of_stock_cancels_with_reason() -> None:
    assert apply(PLACED, "InventoryReservationFailed") == OrderState("CANCELLED", "OUT_OF_STOCK")


def test_payment_declined_cancels_reserved_order_with_reason() -> None:
    state = project(["InventoryReserved", "PaymentFailed"])

    assert state == OrderState("CANCELLED", "PAYMENT_DECLINED")


def test_payment_completed_before_inventory_reserved_ends_paid() -> None:
    # GIVEN the payment outcome overtakes the reservation on the way to the projector
    # WHEN both arrive, late one last
    state = project(["PaymentCompleted", "InventoryReserved"])

    # THEN the late reservation does not move the order back
    assert state == OrderState("PAID")


def test_shipment_before_everything_else_ends_shipped() -> None:
    assert project(["ShipmentCreated", "PaymentCompleted", "InventoryReserved"]) == OrderState("SHIPPED")


def test_cancelled_order_stays_cancelled() -> None:
    cancelled = OrderState("CANCELLED", "OUT_OF_STOCK")

    for event_type in SAGA_EVENTS:
        after = apply(cancelled, event_type)
        assert (after.status, after.reason) == ("CANCELLED", "OUT_OF_STOCK"), event_type


def test_shipped_order_stays_shipped() -> None:
    shipped = OrderState("SHIPPED")

    for event_type in SAGA_EVENTS:
        after = apply(shipped, event_type)
        assert (after.status, after.reason) == ("SHIPPED", None), event_type


def test_first_cancellation_reason_is_kept() -> None:
    assert project(["PaymentFailed", "InventoryReservationFailed"]) == OrderState("CANCELLED", "PAYMENT_DECLINED")


def test_duplicate_delivery_changes_nothing() -> None:
    once = project(["InventoryReserved", "PaymentCompleted"])

    assert project(["InventoryReserved", "InventoryReserved", "PaymentCompleted", "PaymentCompleted"]) == once
    assert apply(once, "PaymentCompleted") is once


def test_inventory_released_never_moves_status() -> None:
    for status in RANK:
        state = OrderState(status)  # type: ignore[arg-type]
        assert apply(state, "InventoryReleased") is state


def test_unknown_event_type_never_moves_status() -> None:
    assert apply(OrderState("STOCK_RESERVED"), "CouponApplied") == OrderState("STOCK_RESERVED")


def test_only_shipped_and_cancelled_are_terminal() -> None:
    assert {status for status in RANK if OrderState(status).terminal} == {"SHIPPED", "CANCELLED"}  # type: ignore[arg-type]


def test_customer_cancel_of_a_paid_order_ends_cancelled_accepted_and_refunded() -> None:
    state = project(["InventoryReserved", "PaymentCompleted", "OrderCancelled", "InventoryReleased", "PaymentRefunded"])

    assert state == OrderState("CANCELLED", "CUSTOMER_CANCELLED", cancellation="ACCEPTED", refund="REFUNDED")


def test_refused_cancel_leaves_the_order_shipped_and_says_so() -> None:
    state = project(["InventoryReserved", "PaymentCompleted", "OrderCancellationRejected", "ShipmentCreated"])

    assert state == OrderState("SHIPPED", cancellation="REFUSED")


def test_customer_cancel_after_out_of_stock_keeps_the_first_reason() -> None:
    state = project(["InventoryReservationFailed", "OrderCancelled"])

    assert (state.status, state.reason, state.cancellation) == ("CANCELLED", "OUT_OF_STOCK", "ACCEPTED")


# --- properties -----------------------------------------------------------------------------

any_sequence = st.lists(st.sampled_from(SAGA_EVENTS), max_size=15)

# One order's saga never yields both a shipment and a cancellation (shipping only hears
# PaymentCompleted, which excludes both cancellations). With both present the two terminal
# states make the result depend on arrival order: whichever terminal event comes first wins.
# Order independence is therefore claimed for the sequences a real order can produce.
# Likewise shipping decides a cancel once: accepted (OrderCancelled) or refused, never both.
_without_shipment = tuple(e for e in SAGA_EVENTS if e not in ("ShipmentCreated", "OrderCancellationRejected"))
_without_cancellation = tuple(e for e in SAGA_EVENTS if e not in CANCELLATIONS)
consistent_sequence = st.one_of(
    st.lists(st.sampled_from(_without_shipment), max_size=15),
    st.lists(st.sampled_from(_without_cancellation), max_size=15),
)


@settings(max_examples=300, deadline=None)
@given(consistent_sequence)
def test_any_arrival_order_ends_as_if_applied_in_rank_order(events: list[str]) -> None:
    # sorted() is stable, so two cancellations keep their arrival order and therefore their reason.
    assert project(events) == project(sorted(events, key=rank_of))


@settings(max_examples=300, deadline=None)
@given(consistent_sequence, st.randoms(use_true_random=False))
def test_shuffled_delivery_reaches_the_same_status(events: list[str], rnd: random.Random) -> None:
    # Status only: with both cancellations present, the reason is that of whichever came first.
    shuffled = list(events)
    rnd.shuffle(shuffled)

    assert project(shuffled).status == project(events).status


@settings(max_examples=300, deadline=None)
@given(any_sequence)
def test_replaying_every_event_again_changes_nothing(events: list[str]) -> None:
    once = project(events)

    assert project(events, once) == once
    assert project(events + events) == once


@settings(max_examples=300, deadline=None)
@given(any_sequence)
def test_status_never_moves_backwards(events: list[str]) -> None:
    state = PLACED
    for event_type in events:
        after = apply(state, event_type)
        assert RANK[after.status] >= RANK[state.status]
        assert not state.terminal or (after.status, after.reason) == (state.status, state.reason)
        state = after


@settings(max_examples=300, deadline=None)
@given(any_sequence)
def test_every_single_event_is_idempotent(events: list[str]) -> None:
    state = project(events)
    for event_type in SAGA_EVENTS:
        once = apply(state, event_type)
        assert apply(once, event_type) == once


# --- the projector's one-write fast path ------------------------------------------------------

# Every state an order can be in (a reason only comes with CANCELLED).
ALL_STATES = [
    OrderState(status, reason, cancellation, refund)  # type: ignore[arg-type]
    for status in RANK
    for reason in ((None, "OUT_OF_STOCK", "CUSTOMER_CANCELLED") if status == "CANCELLED" else (None,))
    for cancellation in (None, "REQUESTED", "ACCEPTED", "REFUSED")
    for refund in (None, "REFUNDED")
]


def test_a_transition_that_holds_gives_what_apply_gives_and_one_that_fails_is_left_to_apply() -> None:
    for event_type in SAGA_EVENTS:
        step = transition(event_type)
        for state in ALL_STATES:
            after = apply(state, event_type)
            if step is None:
                assert after == state, (event_type, state)  # nothing to write, ever
            elif step.holds(state):
                assert replace(state, **step.changes) == after, (event_type, state)
            # a failed condition reads and applies: nothing to prove here but that it is rare


def test_in_order_saga_events_all_take_the_one_write_path() -> None:
    state = PLACED
    for event_type in ["InventoryReserved", "PaymentCompleted", "ShipmentCreated"]:
        step = transition(event_type)
        assert step is not None and step.holds(state)
        state = apply(state, event_type)
    cancelled = project(["InventoryReserved", "PaymentCompleted"])
    for event_type in ["OrderCancelled", "PaymentRefunded"]:
        step = transition(event_type)
        assert step is not None and step.holds(cancelled), event_type
        cancelled = apply(cancelled, event_type)


def test_a_status_move_never_holds_twice_and_a_repeated_change_changes_nothing() -> None:
    # The store's own guard against a repeat is the event's timeline entry; this is the second line.
    for event_type in SAGA_EVENTS:
        step = transition(event_type)
        for state in ALL_STATES:
            once = apply(state, event_type)
            if step is not None and step.holds(once):
                assert step.from_statuses is None and replace(once, **step.changes) == once, (event_type, state)
