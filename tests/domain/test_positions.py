"""Net positions: average entry, realized and unrealized P&L, reversals, exact partial closes."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.orders import ZERO, OrderSide
from propdesk.domain.positions import MarkPrice, Position, PositionSide, apply_fill, mark_price

from .builders import d, tick

BUY, SELL = OrderSide.buy, OrderSide.sell
MNQ_POINT = Decimal(2)
ES_POINT = Decimal(50)


def flat() -> Position:
    return Position("acct", "MNQ")


def test_apply_fill_when_flat_and_buying_then_opens_long_at_the_price() -> None:
    position, realized = apply_fill(flat(), BUY, d(2), d("20000.25"), MNQ_POINT, 1.0)
    assert (position.qty, position.avg_price, realized) == (d(2), d("20000.25"), ZERO)
    assert position.side is PositionSide.long
    assert position.opened_at == 1.0


def test_side_when_qty_is_signed_then_long_short_or_flat() -> None:
    assert Position("acct", "MNQ", qty=d(2), cost=d(40000)).side is PositionSide.long
    assert Position("acct", "MNQ", qty=d(-1), cost=d(20000)).side is PositionSide.short
    assert flat().side is PositionSide.flat
    assert Position("acct", "MNQ", realized_pnl=d(12)).side == "flat"  # the wire's word


def test_cost_basis_when_long_then_entry_cost_times_point_value() -> None:
    long, _ = apply_fill(flat(), BUY, d(2), d("20000.25"), MNQ_POINT, 1.0)
    # 2 × 20000.25 × $2
    assert long.cost_basis(MNQ_POINT) == d("80001.00")


def test_cost_basis_when_short_then_signed_as_qty() -> None:
    short, _ = apply_fill(flat(), SELL, d(1), d("5000.25"), ES_POINT, 1.0)
    # −(1 × 5000.25 × $50)
    assert short.cost_basis(ES_POINT) == d("-250012.50")


def test_cost_basis_when_flat_then_zero_whatever_was_realized() -> None:
    long, _ = apply_fill(flat(), BUY, d(1), d(20000), MNQ_POINT, 1.0)
    closed, realized = apply_fill(long, SELL, d(1), d(20010), MNQ_POINT, 2.0)
    assert realized == d(20)
    assert closed.cost_basis(MNQ_POINT) == ZERO


@settings(max_examples=200)
@given(
    qty=st.integers(min_value=-50, max_value=50).filter(bool),
    price=st.decimals(min_value=d("0.25"), max_value=d(30000), places=2),
)
def test_cost_basis_when_any_position_then_avg_entry_times_qty_times_point_value(
    qty: int, price: Decimal
) -> None:
    position, _ = apply_fill(flat(), BUY if qty > 0 else SELL, d(abs(qty)), price, MNQ_POINT, 1.0)
    assert position.avg_price is not None
    assert position.cost_basis(MNQ_POINT) == position.avg_price * position.qty * MNQ_POINT
    assert position.side is (PositionSide.long if qty > 0 else PositionSide.short)


def test_apply_fill_when_adding_then_averages_the_entry() -> None:
    long, _ = apply_fill(flat(), BUY, d(1), d(20000), MNQ_POINT, 1.0)
    # (1 × 20000 + 3 × 20010) / 4 = 80030 / 4 = 20007.50
    added, realized = apply_fill(long, BUY, d(3), d(20010), MNQ_POINT, 2.0)
    assert (added.qty, added.avg_price, realized) == (d(4), d("20007.50"), ZERO)
    assert added.opened_at == 1.0


def test_apply_fill_when_mnq_long_closes_higher_then_two_dollars_a_point() -> None:
    long, _ = apply_fill(flat(), BUY, d(2), d("20000.25"), MNQ_POINT, 1.0)
    # (20010.00 - 20000.25) × 2 contracts × $2 = 9.75 × 4 = 39.00
    closed, realized = apply_fill(long, SELL, d(2), d(20010), MNQ_POINT, 2.0)
    assert realized == d("39.00")
    assert (closed.qty, closed.cost, closed.realized_pnl) == (ZERO, ZERO, d("39.00"))
    assert closed.avg_price is None
    assert closed.opened_at is None


def test_apply_fill_when_es_short_covers_lower_then_fifty_dollars_a_point() -> None:
    short, _ = apply_fill(Position("acct", "ES"), SELL, d(1), d("6000.00"), ES_POINT, 1.0)
    # (6000.00 - 5995.25) × 1 × $50 = 4.75 × 50 = 237.50
    covered, realized = apply_fill(short, BUY, d(1), d("5995.25"), ES_POINT, 2.0)
    assert realized == d("237.50")
    assert covered.qty == ZERO


def test_apply_fill_when_partially_closing_then_realizes_the_part_at_the_average() -> None:
    long, _ = apply_fill(flat(), BUY, d(3), d(20000), MNQ_POINT, 1.0)
    # sell 1 of 3 at 20004: (20004 - 20000) × 1 × $2 = 8.00, 2 left at 20000
    reduced, realized = apply_fill(long, SELL, d(1), d(20004), MNQ_POINT, 2.0)
    assert realized == d("8.00")
    assert (reduced.qty, reduced.avg_price) == (d(2), d(20000))


def test_apply_fill_when_selling_through_zero_then_closes_at_average_and_opens_the_rest() -> None:
    long, _ = apply_fill(flat(), BUY, d(2), d("20000.25"), MNQ_POINT, 1.0)
    # sell 5: close 2 at (20004.75 - 20000.25) × 2 × $2 = 18.00, open short 3 at 20004.75
    reversed_, realized = apply_fill(long, SELL, d(5), d("20004.75"), MNQ_POINT, 2.0)
    assert realized == d("18.00")
    assert (reversed_.qty, reversed_.avg_price) == (d(-3), d("20004.75"))
    assert reversed_.side is PositionSide.short
    assert reversed_.opened_at == 2.0  # a new position side starts now


def test_apply_fill_when_average_does_not_terminate_then_a_round_trip_is_still_exact() -> None:
    # buy 1 @ 100.00 and 2 @ 100.25: cost 300.50, average 100.1666…
    position, _ = apply_fill(flat(), BUY, d(1), d(100), MNQ_POINT, 1.0)
    position, _ = apply_fill(position, BUY, d(2), d("100.25"), MNQ_POINT, 2.0)
    # sell 1 @ 101: takes 300.50 / 3 = 100.1666666667 (rounded) of cost
    position, first = apply_fill(position, SELL, d(1), d(101), MNQ_POINT, 3.0)
    position, second = apply_fill(position, SELL, d(2), d(101), MNQ_POINT, 4.0)
    # cash: sold 3 × 101 = 303.00, bought 300.50 -> 2.50 points × $2 = 5.00 exactly
    assert first + second == d("5.00")
    assert position.realized_pnl == d("5.00")
    assert first == (d(101) - d("100.1666666667")) * 2


def test_unrealized_pnl_when_long_then_valued_at_the_mark() -> None:
    long, _ = apply_fill(flat(), BUY, d(2), d("20000.25"), MNQ_POINT, 1.0)
    # (20005.00 - 20000.25) × 2 × $2 = 19.00
    assert long.unrealized_pnl(d(20005), MNQ_POINT) == d("19.00")


def test_unrealized_pnl_when_short_then_gains_as_price_falls() -> None:
    short, _ = apply_fill(flat(), SELL, d(3), d(20000), MNQ_POINT, 1.0)
    # (20000 - 19990) × 3 × $2 = 60.00
    assert short.unrealized_pnl(d(19990), MNQ_POINT) == d("60.00")


def test_mark_price_when_quote_then_bid_for_longs_and_ask_for_shorts() -> None:
    quote = tick(100, "99.75", "100.50")
    assert mark_price(d(1), quote, MarkPrice.quote) == d("99.75")
    assert mark_price(d(-1), quote, MarkPrice.quote) == d("100.50")
    assert mark_price(d(-1), quote, MarkPrice.last) == d(100)


fills_strategy = st.lists(
    st.tuples(
        st.sampled_from(OrderSide),
        st.integers(1, 7),
        st.integers(-40, 40).map(lambda n: Decimal(20000) + n * Decimal("0.25")),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(fills=fills_strategy, mark=st.integers(-40, 40))
def test_apply_fill_when_any_fills_then_realized_plus_open_value_equals_cash_flows(
    fills: list[tuple[OrderSide, int, Decimal]], mark: int
) -> None:
    # Arrange
    position = flat()
    realized_total = ZERO
    cash = ZERO  # points received: + sells, - buys
    signed_qty = ZERO
    # Act
    for side, qty, price in fills:
        position, realized = apply_fill(position, side, d(qty), price, MNQ_POINT, 1.0)
        realized_total += realized
        cash -= side.sign * qty * price
        signed_qty += side.sign * qty
    # Assert: quantity is the signed sum; P&L is exact whatever the path
    mark_at = Decimal(20000) + mark * Decimal("0.25")
    assert position.qty == signed_qty
    assert position.realized_pnl == realized_total
    total = realized_total + position.unrealized_pnl(mark_at, MNQ_POINT)
    assert total == (cash + signed_qty * mark_at) * MNQ_POINT
    assert position.cost >= 0
