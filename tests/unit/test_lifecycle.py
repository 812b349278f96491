"""The lifecycle tables: which unit moves are allowed, and how an order's status is derived."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderwell.domain.errors import InvalidInput, InvalidTransition
from orderwell.domain.lifecycle import (
    BUCKETS,
    ORDER_ACTIONS,
    UNIT_MOVES,
    Bucket,
    OrderStatus,
    UnitTotals,
    check_action,
    check_move,
    derive_status,
    move_units,
)

B = Bucket
S = OrderStatus

# The floor's story, written independently of the table: where a unit may go next.
EXPECTED_MOVES = {
    B.BACKORDERED: {B.RESERVED, B.CANCELLED},
    B.RESERVED: {B.BACKORDERED, B.PICKED, B.CANCELLED},
    B.PICKED: {B.PACKED, B.CANCELLED},
    B.PACKED: {B.SHIPPED, B.CANCELLED},
    B.SHIPPED: {B.DELIVERED, B.RETURNED},
    B.DELIVERED: {B.RETURNED},
    B.CANCELLED: set(),
    B.RETURNED: set(),
}


def test_unit_moves_table_is_exactly_the_floor_story() -> None:
    assert set(UNIT_MOVES) == {(a, b) for a, targets in EXPECTED_MOVES.items() for b in targets}
    assert all(why.strip() for why in UNIT_MOVES.values()), "every move says why it happens"


@pytest.mark.parametrize(("source", "target"), sorted(UNIT_MOVES))
def test_allowed_move_keeps_the_line_total(source: Bucket, target: Bucket) -> None:
    before = {source: 3, B.CANCELLED: 1}
    after = move_units(before, source, target, 2)
    assert after[source] == before.get(source, 0) - 2
    assert after[target] == before.get(target, 0) + 2
    assert sum(after.values()) == sum(before.values())
    assert before == {source: 3, B.CANCELLED: 1}, "the input mapping is left untouched"


REFUSED = [(a, b) for a, b in product(BUCKETS, BUCKETS) if (a, b) not in UNIT_MOVES]


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_move_not_in_the_table_is_refused(source: Bucket, target: Bucket) -> None:
    with pytest.raises(InvalidTransition) as err:
        move_units({source: 5}, source, target, 1)
    assert err.value.data == {"source": source.value, "target": target.value}


def test_terminal_buckets_have_no_way_out() -> None:
    for terminal in (B.CANCELLED, B.RETURNED):
        assert not [move for move in UNIT_MOVES if move[0] is terminal]


@pytest.mark.parametrize("quantity", [0, -1])
def test_move_of_no_units_is_invalid_input(quantity: int) -> None:
    with pytest.raises(InvalidInput) as err:
        check_move(B.RESERVED, B.PICKED, quantity, available=5)
    assert err.value.field == "quantity"


def test_move_of_more_units_than_the_bucket_holds_is_refused() -> None:
    with pytest.raises(InvalidTransition) as err:
        move_units({B.RESERVED: 2}, B.RESERVED, B.PICKED, 3)
    assert err.value.data["available"] == 2
    check_move(B.RESERVED, B.PICKED, 2, available=2)  # all of them is fine


@given(
    start=st.fixed_dictionaries({b: st.integers(0, 20) for b in BUCKETS}),
    moves=st.lists(st.tuples(st.sampled_from(sorted(UNIT_MOVES)), st.integers(1, 25)), max_size=30),
)
def test_any_sequence_of_moves_conserves_units(
    start: dict[Bucket, int], moves: list[tuple[tuple[Bucket, Bucket], int]]
) -> None:
    buckets = dict(start)
    for (source, target), qty in moves:
        try:
            buckets = move_units(buckets, source, target, qty)
        except InvalidTransition:
            assert qty > buckets[source], "refused only for want of units"
        assert min(buckets.values()) >= 0
        assert sum(buckets.values()) == sum(start.values())


def status_of(on_hold: bool = False, **counts: int) -> OrderStatus:
    """The status of a one-line order with these bucket counts."""
    return derive_status(UnitTotals.of([{B(k): v for k, v in counts.items()}]), on_hold=on_hold)


@pytest.mark.parametrize(
    ("counts", "on_hold", "status"),
    [
        ({"backordered": 3}, False, S.BACKORDERED),
        ({"backordered": 1, "reserved": 2}, False, S.PARTIALLY_BACKORDERED),
        ({"reserved": 3}, False, S.RESERVED),
        ({"reserved": 2, "cancelled": 1}, False, S.RESERVED),
        ({"reserved": 1, "picked": 1}, False, S.IN_PROGRESS),
        ({"backordered": 1, "packed": 1}, False, S.IN_PROGRESS),
        ({"shipped": 1, "reserved": 1}, False, S.PARTIALLY_SHIPPED),
        ({"shipped": 2, "cancelled": 1}, False, S.SHIPPED),
        ({"shipped": 1, "delivered": 1}, False, S.SHIPPED),
        ({"delivered": 2, "returned": 1}, False, S.DELIVERED),
        ({"returned": 2, "cancelled": 1}, False, S.RETURNED),
        ({"cancelled": 3}, False, S.CANCELLED),
        ({"reserved": 2}, True, S.ON_HOLD),
        ({"backordered": 2, "shipped": 1}, True, S.ON_HOLD),
        # A hold does not hide an order that is already gone or was cancelled.
        ({"cancelled": 2}, True, S.CANCELLED),
        ({"shipped": 2}, True, S.SHIPPED),
        ({"delivered": 1}, True, S.DELIVERED),
    ],
)
def test_derive_status(counts: dict[str, int], on_hold: bool, status: OrderStatus) -> None:
    assert status_of(on_hold, **counts) is status


def test_every_status_can_be_derived() -> None:
    """Each status is reachable: none is dead weight in the enum."""
    single_bucket = {status_of(held, **{b.value: 1}) for b in BUCKETS for held in (False, True)}
    seen = single_bucket | {
        status_of(backordered=1, reserved=1),
        status_of(reserved=1, shipped=1),
        status_of(reserved=1, picked=1),
    }
    assert seen == set(OrderStatus)


def test_status_sums_units_over_all_lines() -> None:
    lines = [{B.RESERVED: 2}, {B.BACKORDERED: 1}, {B.CANCELLED: 4}]
    assert UnitTotals.of(lines)[B.RESERVED] == 2
    assert derive_status(UnitTotals.of(lines)) is S.PARTIALLY_BACKORDERED
    assert derive_status(UnitTotals.of([])) is S.CANCELLED  # nothing live


OPEN = {S.BACKORDERED, S.PARTIALLY_BACKORDERED, S.RESERVED, S.IN_PROGRESS, S.PARTIALLY_SHIPPED}


def test_order_actions_table() -> None:
    assert {
        "hold": OPEN,
        "release": {S.ON_HOLD},
        "cancel": OPEN | {S.ON_HOLD},
    } == ORDER_ACTIONS


@pytest.mark.parametrize(("action", "status"), sorted(product(ORDER_ACTIONS, OrderStatus)))
def test_check_action_allows_exactly_the_table(action: str, status: OrderStatus) -> None:
    if status in ORDER_ACTIONS[action]:
        check_action(action, status)
        check_action(action, status.value)  # stored statuses arrive as text
        return
    with pytest.raises(InvalidTransition) as err:
        check_action(action, status.value)
    assert err.value.data["action"] == action
    assert err.value.data["status"] == status.value
    assert err.value.data["allowed_from"] == sorted(s.value for s in ORDER_ACTIONS[action])
