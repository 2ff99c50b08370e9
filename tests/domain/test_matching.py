"""The fill model's pure predicates and prices, and the book index that must agree with them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.book import SymbolBook
from propdesk.domain.matching import (
    FillModel,
    fill_quantity,
    is_limit_fillable,
    is_marketable,
    is_stop_triggered,
    limit_fill_price,
    market_fill_price,
    next_water_mark,
    trailing_stop_price,
)
from propdesk.domain.orders import Order, OrderId, OrderSide, OrderStatus, OrderType, TimeInForce

from .builders import d, tick

BUY, SELL = OrderSide.buy, OrderSide.sell
QUARTER = Decimal("0.25")


# ---------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("last", "bid", "ask", "fills"),
    [
        (100.25, 100.00, 100.50, False),  # market above the limit
        (100.00, 99.75, 100.25, False),  # last touches, ask above
        (99.75, 99.75, 100.25, True),  # last trades through
        (100.25, 99.50, 99.75, True),  # ask drops through (crossed quote)
        (100.25, 99.75, 100.00, False),  # ask only touches
    ],
)
def test_is_limit_fillable_when_buy_at_100_then_needs_a_trade_through(
    last: float, bid: float, ask: float, fills: bool
) -> None:
    assert is_limit_fillable(BUY, d(100), tick(last, bid, ask)) is fills


@pytest.mark.parametrize(
    ("last", "bid", "ask", "fills"),
    [
        (99.75, 99.50, 100.00, False),
        (100.00, 99.75, 100.25, False),  # touch only
        (100.25, 100.00, 100.50, True),  # last above
        (99.75, 100.25, 100.50, True),  # bid above
    ],
)
def test_is_limit_fillable_when_sell_at_100_then_needs_a_trade_through(
    last: float, bid: float, ask: float, fills: bool
) -> None:
    assert is_limit_fillable(SELL, d(100), tick(last, bid, ask)) is fills


def test_is_limit_fillable_when_on_touch_then_equality_fills_both_sides() -> None:
    at_the_limit = tick(100, 99.75, 100.25)
    assert is_limit_fillable(BUY, d(100), at_the_limit, on_touch=True)
    assert is_limit_fillable(SELL, d(100), at_the_limit, on_touch=True)
    assert not is_limit_fillable(BUY, d(100), at_the_limit)


def test_is_marketable_when_the_limit_crosses_the_quote_then_true_including_equality() -> None:
    quote = tick(100, 99.75, 100.25)
    assert is_marketable(BUY, d("100.25"), quote)
    assert not is_marketable(BUY, d(100), quote)
    assert is_marketable(SELL, d("99.75"), quote)
    assert not is_marketable(SELL, d(100), quote)


def test_limit_fill_price_when_maker_then_own_price_when_taker_then_the_quote() -> None:
    quote = tick(99, "98.75", "99.25")
    assert limit_fill_price(BUY, d(100), quote, taker=False) == d(100)
    assert limit_fill_price(BUY, d(100), quote, taker=True) == d("99.25")  # the ask, better
    assert limit_fill_price(SELL, d(98), quote, taker=True) == d("98.75")  # the bid, better
    assert limit_fill_price(BUY, d(99), quote, taker=True) == d(99)  # never above the limit


# ---------------------------------------------------------------- stops and market


@pytest.mark.parametrize(("last", "triggered"), [(99.75, False), (100, True), (100.5, True)])
def test_is_stop_triggered_when_buy_stop_at_100_then_last_at_or_above(
    last: float, triggered: bool
) -> None:
    assert is_stop_triggered(BUY, d(100), tick(last)) is triggered


@pytest.mark.parametrize(("last", "triggered"), [(100.25, False), (100, True), (99, True)])
def test_is_stop_triggered_when_sell_stop_at_100_then_last_at_or_below(
    last: float, triggered: bool
) -> None:
    assert is_stop_triggered(SELL, d(100), tick(last)) is triggered


def test_is_stop_triggered_when_only_the_quote_reaches_it_then_false() -> None:
    # the ask is at the buy stop, but no trade printed there
    assert not is_stop_triggered(BUY, d(100), tick("99.75", "99.50", "100.00"))


def test_market_fill_price_when_slippage_then_worse_by_it() -> None:
    quote = tick(100, "99.75", "100.25")
    assert market_fill_price(BUY, quote, ZERO_SLIP) == d("100.25")
    assert market_fill_price(BUY, quote, d("0.50")) == d("100.75")  # ask + 2 ticks
    assert market_fill_price(SELL, quote, d("0.50")) == d("99.25")  # bid - 2 ticks


ZERO_SLIP = Decimal(0)


def test_fill_quantity_when_size_is_modeled_then_caps_each_tick() -> None:
    assert fill_quantity(d(7), d(3)) == d(3)
    assert fill_quantity(d(2), d(3)) == d(2)
    assert fill_quantity(d(7), None) == d(7)


def test_available_when_a_symbol_has_its_own_size_then_it_wins() -> None:
    model = FillModel(top_of_book_size=d(5), top_of_book_sizes={"ES": d(2)})
    assert (model.available("ES"), model.available("MNQ")) == (d(2), d(5))


# ---------------------------------------------------------------- trailing


def test_next_water_mark_when_sell_then_follows_highs_only() -> None:
    assert next_water_mark(SELL, d(100), d(101)) == d(101)
    assert next_water_mark(SELL, d(100), d(99)) == d(100)
    assert next_water_mark(BUY, d(100), d(99)) == d(99)
    assert next_water_mark(BUY, d(100), d(101)) == d(100)


def test_trailing_stop_price_when_price_trail_then_offset_from_the_water_mark() -> None:
    assert trailing_stop_price(SELL, d(20005), QUARTER, trail_price=d(10)) == d(19995)
    assert trailing_stop_price(BUY, d(20005), QUARTER, trail_price=d(10)) == d(20015)


def test_trailing_stop_price_when_percent_trail_then_rounds_away_from_the_market() -> None:
    # 20100.25 × 0.99 = 19899.2475 -> down to the tick: 19899.00
    assert trailing_stop_price(SELL, d("20100.25"), QUARTER, trail_percent=d(1)) == d(19899)
    # 20100.25 × 1.01 = 20301.2525 -> up to the tick: 20301.50
    assert trailing_stop_price(BUY, d("20100.25"), QUARTER, trail_percent=d(1)) == d("20301.50")


def test_trailing_stop_price_when_no_trail_then_raises() -> None:
    with pytest.raises(ValueError, match="trail"):
        trailing_stop_price(SELL, d(100), QUARTER)


# ---------------------------------------------------------------- the index agrees


def working(seq: int, side: OrderSide, kind: OrderType, price: Decimal) -> Order:
    prices = {"limit_price": price} if kind is OrderType.limit else {"stop_price": price}
    return Order(
        id=OrderId(f"o-{seq}"),
        account_id="acct",
        client_order_id=f"c-{seq}",
        symbol="MNQ",
        side=side,
        type=kind,
        qty=Decimal(1),
        time_in_force=TimeInForce.gtc,
        status=OrderStatus.new,
        created_at=0.0,
        updated_at=0.0,
        seq=seq,
        **prices,  # type: ignore[arg-type]
    )


ticks_around_100 = st.integers(-8, 8).map(lambda n: Decimal(100) + n * QUARTER)


@settings(max_examples=200, deadline=None)
@given(
    specs=st.lists(
        st.tuples(
            st.sampled_from(OrderSide),
            st.sampled_from([OrderType.limit, OrderType.stop]),
            ticks_around_100,
        ),
        max_size=30,
    ),
    last=ticks_around_100,
    spread=st.tuples(st.integers(-2, 2), st.integers(-2, 2)),
    on_touch=st.booleans(),
)
def test_due_when_any_book_and_tick_then_names_exactly_what_the_predicates_fire(
    specs: list[tuple[OrderSide, OrderType, Decimal]],
    last: Decimal,
    spread: tuple[int, int],
    on_touch: bool,
) -> None:
    # Arrange: bid and ask may sit anywhere near last, even crossed
    book = SymbolBook("MNQ")
    orders = [working(i, side, kind, price) for i, (side, kind, price) in enumerate(specs)]
    for o in orders:
        book.place(o)
    quote = tick(last, last + spread[0] * QUARTER, last + spread[1] * QUARTER)
    # Act
    due = book.due(quote, on_touch=on_touch)
    # Assert
    expected = {
        o.id
        for o in orders
        if (
            o.type is OrderType.limit
            and o.limit_price is not None
            and is_limit_fillable(o.side, o.limit_price, quote, on_touch=on_touch)
        )
        or (
            o.type is OrderType.stop
            and o.stop_price is not None
            and is_stop_triggered(o.side, o.stop_price, quote)
        )
    }
    named = set() if due is None else {*due.limits, *due.stops}
    assert named == expected


def test_due_when_several_fire_then_best_price_first_then_oldest() -> None:
    book = SymbolBook("MNQ")
    for o in [
        working(1, BUY, OrderType.limit, d(100)),
        working(2, BUY, OrderType.limit, d(101)),
        working(3, BUY, OrderType.limit, d(101)),
    ]:
        book.place(o)
    due = book.due(tick(99, "98.75", "99.25"), on_touch=False)
    assert due is not None
    assert due.limits == ["o-2", "o-3", "o-1"]


def test_withdraw_when_placed_then_the_order_no_longer_fires() -> None:
    book = SymbolBook("MNQ")
    book.place(working(1, SELL, OrderType.stop, d(100)))
    book.withdraw(OrderId("o-1"))
    assert book.due(tick(99), on_touch=False) is None
    assert book.idle
