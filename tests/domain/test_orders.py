"""The order state machine: every legal move is allowed, every other one raises."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from propdesk.domain.errors import IllegalTransition
from propdesk.domain.orders import (
    TRANSITIONS,
    Order,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    sequential_ids,
    uuid_ids,
)

S = OrderStatus
LEGAL = [(a, b) for a in S for b in S if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a in S for b in S if b not in TRANSITIONS[a]]


def an_order(status: OrderStatus = S.new, **fields: object) -> Order:
    values: dict[str, object] = {
        "id": OrderId("o-1"),
        "account_id": "acct",
        "client_order_id": "c-1",
        "symbol": "MNQ",
        "side": OrderSide.buy,
        "type": OrderType.limit,
        "qty": Decimal(3),
        "time_in_force": TimeInForce.gtc,
        "status": status,
        "created_at": 100.0,
        "updated_at": 100.0,
        "seq": 1,
        "limit_price": Decimal(100),
    }
    values.update(fields)
    return Order(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_with_status_when_the_table_allows_it_then_moves_and_stamps(
    current: OrderStatus, target: OrderStatus
) -> None:
    # Arrange
    order = an_order(current)
    # Act
    moved = order.with_status(target, 200.0)
    # Assert
    assert (moved.status, moved.updated_at) == (target, 200.0)
    assert order.status is current  # orders are values: the old one is unchanged


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_with_status_when_the_table_forbids_it_then_raises(
    current: OrderStatus, target: OrderStatus
) -> None:
    order = an_order(current)
    with pytest.raises(IllegalTransition) as raised:
        order.with_status(target, 200.0)
    assert (raised.value.current, raised.value.target) == (current, target)


def test_transition_table_when_read_then_terminal_statuses_lead_nowhere() -> None:
    terminal = [s for s in S if not TRANSITIONS[s]]
    assert set(terminal) == {S.filled, S.canceled, S.expired, S.rejected}


def test_transition_table_when_read_then_nothing_returns_to_held() -> None:
    assert all(S.held not in targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize("status", [S.filled, S.canceled, S.expired, S.rejected])
def test_amended_when_the_order_is_closed_then_raises(status: OrderStatus) -> None:
    order = an_order(status)
    with pytest.raises(IllegalTransition):
        order.amended(200.0, limit_price=Decimal(99))


def test_amended_when_the_order_is_held_then_changes_without_a_status_change() -> None:
    order = an_order(S.held)
    changed = order.amended(200.0, qty=Decimal(5))
    assert (changed.status, changed.qty, changed.updated_at) == (S.held, Decimal(5), 200.0)


def test_filled_avg_price_when_fills_do_not_divide_evenly_then_keeps_the_exact_sum() -> None:
    # 1 @ 100.00 + 2 @ 100.25 = 300.50 over 3 contracts
    order = an_order(S.filled, filled_qty=Decimal(3), filled_value=Decimal("300.50"))
    assert order.filled_value == Decimal("300.50")
    assert order.filled_avg_price == Decimal("300.50") / 3


def test_open_qty_when_partially_filled_then_is_the_rest() -> None:
    order = an_order(S.partially_filled, filled_qty=Decimal(1))
    assert order.open_qty == Decimal(2)
    assert order.is_working
    assert order.is_open


def test_is_working_when_held_then_false_but_open() -> None:
    order = an_order(S.held)
    assert not order.is_working
    assert order.is_open


def test_sequential_ids_when_called_then_counts_up_from_one() -> None:
    ids = sequential_ids("o-")
    assert [ids(), ids(), ids()] == ["o-1", "o-2", "o-3"]


def test_uuid_ids_when_drawn_then_distinct_canonical_version_4_uuids() -> None:
    ids = uuid_ids()
    drawn = [ids() for _ in range(2000)]

    assert len(set(drawn)) == len(drawn)
    for value in drawn:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, value)
