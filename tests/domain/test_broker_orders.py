"""Each order type against ticks, fills worked out by hand (MNQ: 0.25 ticks, $2 a point)."""

from __future__ import annotations

from decimal import Decimal

from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    TrailingStopMoved,
)
from propdesk.domain.orders import Liquidity, OrderStatus

from .builders import ACCOUNT, BALANCE, NOW, buy, d, fills, make_broker, of, placed, sell, tick


def test_market_buy_when_quoted_then_fills_at_the_ask_and_pays_commission() -> None:
    # Arrange: 20000.00 last, 19999.75 bid, 20000.25 ask
    broker = make_broker()
    broker.on_tick(tick(20000))
    # Act
    events = broker.apply(buy(2), NOW)
    # Assert: 2 @ 20000.25, commission 2 × 0.62 = 1.24
    [fill] = fills(events)
    assert (fill.qty, fill.price, fill.commission, fill.liquidity) == (
        d(2),
        d("20000.25"),
        d("1.24"),
        Liquidity.taker,
    )
    order = of(events, OrderFilled)[0].order
    assert (order.status, order.filled_avg_price) == (OrderStatus.filled, d("20000.25"))
    account = broker.account(ACCOUNT)
    assert account is not None
    assert account.balance == BALANCE - d("1.24")


def test_market_sell_when_slippage_is_set_then_fills_that_many_ticks_below_the_bid() -> None:
    broker = make_broker(slippage_ticks=2)
    broker.on_tick(tick(20000))
    events = broker.apply(sell(1), NOW)
    # bid 19999.75 - 2 ticks (0.50) = 19999.25
    assert [f.price for f in fills(events)] == [d("19999.25")]


def test_market_order_when_no_quote_yet_then_rejected_no_quote() -> None:
    broker = make_broker()
    events = broker.apply(buy(1), NOW)
    [rejected] = of(events, OrderRejected)
    assert rejected.order.status is OrderStatus.rejected
    assert rejected.order.reject_reason == RejectReason.NO_QUOTE


def test_buy_limit_when_the_market_only_touches_it_then_rests() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    # last 19990.00 touches, the ask 19990.25 is above
    events = broker.on_tick(tick(19990, at=NOW + 1))
    assert fills(events) == []
    assert broker.order(order.id).status is OrderStatus.new  # type: ignore[union-attr]


def test_buy_limit_when_the_market_trades_through_then_fills_at_the_limit_as_maker() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(1, "limit", limit_price=19990), NOW)
    events = broker.on_tick(tick("19989.75", at=NOW + 1))
    [fill] = fills(events)
    assert (fill.price, fill.liquidity) == (d(19990), Liquidity.maker)


def test_buy_limit_when_fill_on_touch_then_fills_at_equality() -> None:
    broker = make_broker(fill_on_touch=True)
    broker.on_tick(tick(20000))
    broker.apply(buy(1, "limit", limit_price=19990), NOW)
    events = broker.on_tick(tick(19990, at=NOW + 1))
    assert [f.price for f in fills(events)] == [d(19990)]


def test_buy_limit_when_marketable_on_arrival_then_fills_at_the_ask() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    events = broker.apply(buy(1, "limit", limit_price=20001), NOW)
    [fill] = fills(events)
    assert (fill.price, fill.liquidity) == (d("20000.25"), Liquidity.taker)  # better than 20001


def test_sell_limit_when_the_market_trades_through_then_fills_at_the_limit() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(sell(1, "limit", limit_price=20010), NOW)
    events = broker.on_tick(tick("20010.25", at=NOW + 1))
    assert [f.price for f in fills(events)] == [d(20010)]


def test_buy_stop_when_last_reaches_it_then_triggers_and_fills_at_ask_plus_slippage() -> None:
    # Arrange
    broker = make_broker(slippage_ticks=1)
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "stop", stop_price=20010), NOW))
    assert broker.on_tick(tick("20009.75", at=NOW + 1)) == []
    # Act: last 20010.00, ask 20010.25
    events = broker.on_tick(tick(20010, at=NOW + 2))
    # Assert: 20010.25 + 1 tick = 20010.50
    assert [e.order.id for e in of(events, OrderTriggered)] == [order.id]
    assert [f.price for f in fills(events)] == [d("20010.50")]


def test_buy_stop_when_only_the_ask_reaches_it_then_does_not_trigger() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(1, "stop", stop_price=20010), NOW)
    events = broker.on_tick(tick("20009.75", "20009.50", "20010.00", at=NOW + 1))
    assert of(events, OrderTriggered) == []


def test_stop_limit_when_triggered_and_marketable_then_fills_at_the_bid() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(sell(1, "stop_limit", stop_price=19990, limit_price=19989), NOW)
    # last 19990 triggers; the limit 19989 is below the bid 19989.75: fills there
    events = broker.on_tick(tick(19990, at=NOW + 1))
    assert len(of(events, OrderTriggered)) == 1
    [fill] = fills(events)
    assert (fill.price, fill.liquidity) == (d("19989.75"), Liquidity.taker)


def test_stop_limit_when_the_market_gaps_past_the_limit_then_rests_as_a_limit() -> None:
    # Arrange
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(sell(1, "stop_limit", stop_price=19990, limit_price=19989), NOW))
    # Act 1: gap to 19988 (bid 19987.75): triggered, but the limit is above the bid
    gap = broker.on_tick(tick(19988, at=NOW + 1))
    # Act 2: back up, bid 19989.25 > 19989: a resting limit filled at its price
    back = broker.on_tick(tick("19989.50", at=NOW + 2))
    # Assert
    assert len(of(gap, OrderTriggered)) == 1
    assert fills(gap) == []
    assert broker.order(order.id) is not None
    [fill] = fills(back)
    assert (fill.price, fill.liquidity) == (d(19989), Liquidity.maker)


def test_trailing_stop_when_price_trail_then_follows_highs_and_fills_on_the_pullback() -> None:
    # Arrange: sell trailing 10 points from last 20000: stop 19990
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(sell(1, "trailing_stop", trail_price=10), NOW))
    assert (order.water_mark, order.stop_price) == (d(20000), d(19990))
    # Act
    higher = broker.on_tick(tick(20005, at=NOW + 1))
    dip = broker.on_tick(tick(20001, at=NOW + 2))
    pullback = broker.on_tick(tick(19995, at=NOW + 3))
    # Assert: the new high moves the stop to 19995; last 19995 triggers; fills at the bid
    [moved] = of(higher, TrailingStopMoved)
    assert (moved.order.water_mark, moved.order.stop_price) == (d(20005), d(19995))
    assert dip == []
    assert [f.price for f in fills(pullback)] == [d("19994.75")]


def test_trailing_stop_when_percent_trail_then_rounds_to_the_tick_away_from_market() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    # buy trailing 1%: 20000 × 1.01 = 20200
    order = placed(broker.apply(buy(1, "trailing_stop", trail_percent=1), NOW))
    assert order.stop_price == d(20200)
    # new low 19900: 19900 × 1.01 = 20099.00
    [moved] = of(broker.on_tick(tick(19900, at=NOW + 1)), TrailingStopMoved)
    assert moved.order.stop_price == d(20099)
    # last 20099 >= stop: fills at the ask 20099.25
    events = broker.on_tick(tick(20099, at=NOW + 2))
    assert [f.price for f in fills(events)] == [d("20099.25")]


def test_market_order_when_larger_than_the_book_then_fills_across_ticks_with_partials() -> None:
    # Arrange: 3 contracts at the top of the book per tick
    broker = make_broker(top_of_book_size=3)
    broker.on_tick(tick(20000))
    # Act
    first = broker.apply(buy(7), NOW)
    second = broker.on_tick(tick(20001, at=NOW + 1))
    third = broker.on_tick(tick(20002, at=NOW + 2))
    # Assert: 3 @ 20000.25, 3 @ 20001.25, 1 @ 20002.25
    slices = [of(events, OrderFilled)[0] for events in (first, second, third)]
    assert [(e.fill.qty, e.fill.price, e.partial) for e in slices] == [
        (d(3), d("20000.25"), True),
        (d(3), d("20001.25"), True),
        (d(1), d("20002.25"), False),
    ]
    # 60000.75 + 60003.75 + 20002.25 = 140006.75 over 7
    final = slices[-1].order
    assert (final.filled_qty, final.filled_value) == (d(7), d("140006.75"))
    assert broker.position(ACCOUNT, "MNQ").qty == d(7)  # type: ignore[union-attr]


def test_resting_limit_when_larger_than_the_book_then_later_slices_take_the_quote() -> None:
    broker = make_broker(top_of_book_size=2)
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(5, "limit", limit_price=19990), NOW))
    # trade-through at 19989.75 (ask 19990.00): 2 @ 19990 as maker
    first = fills(broker.on_tick(tick("19989.75", at=NOW + 1)))
    # the ask 19990.00 was already at the limit: the rest is marketable, takes ask 19989.75
    second = fills(broker.on_tick(tick("19989.50", at=NOW + 2)))
    # the market leaves: nothing more
    third = fills(broker.on_tick(tick(19995, at=NOW + 3)))
    assert [(f.qty, f.price, f.liquidity) for f in first + second] == [
        (d(2), d(19990), Liquidity.maker),
        (d(2), d("19989.75"), Liquidity.taker),
    ]
    assert third == []
    assert broker.order(order.id).open_qty == d(1)  # type: ignore[union-attr]


def test_ticks_when_two_accounts_work_the_same_price_then_each_fills_its_own() -> None:
    broker = make_broker(top_of_book_size=1)
    broker.open_account("other", Decimal(50_000), NOW)
    broker.on_tick(tick(20000))
    broker.apply(buy(1, "limit", limit_price=19990), NOW)
    broker.apply(buy(1, "limit", limit_price=19990, account_id="other"), NOW)
    events = broker.on_tick(tick("19989.75", at=NOW + 1))
    assert sorted(f.account_id for f in fills(events)) == ["acct", "other"]


def test_ticks_when_another_symbol_moves_then_orders_do_not_fill() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(1, "limit", limit_price=19990), NOW)
    events = broker.on_tick(tick(5000, symbol="ES", at=NOW + 1))
    assert fills(events) == []


def test_tick_when_the_symbol_is_not_traded_then_ignored() -> None:
    broker = make_broker()
    assert broker.on_tick(tick(100, symbol="XYZ")) == []
    assert broker.quote("XYZ") is None
