"""Modify, cancel (also racing fills), cancel all and close positions."""

from __future__ import annotations

from propdesk.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    CloseAllPositions,
    ClosePosition,
    ModifyOrder,
)
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    CancelReason,
    CommandRejected,
    OrderCanceled,
    OrderRejected,
    OrderReplaced,
)
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import Order, OrderId, OrderSide, OrderStatus, TimeInForce

from .builders import (
    ACCOUNT,
    NOW,
    SESSION_CLOSE,
    bracket,
    buy,
    d,
    fills,
    make_broker,
    of,
    placed,
    sell,
    tick,
)


def rejected(events: list[object]) -> list[str]:
    return [e.reason for e in of(events, CommandRejected)]  # type: ignore[arg-type]


# ---------------------------------------------------------------- modify


def test_modify_when_the_limit_moves_then_only_the_new_price_fills() -> None:
    # Arrange: buy limit 19990, moved down to 19980
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    # Act
    events = broker.apply(ModifyOrder(ACCOUNT, order.id, limit_price=d(19980)), NOW + 1)
    at_old_price = broker.on_tick(tick("19989.75", at=NOW + 2))
    at_new_price = broker.on_tick(tick("19979.75", at=NOW + 3))
    # Assert
    [replaced] = of(events, OrderReplaced)
    assert (replaced.order.id, replaced.order.limit_price) == (order.id, d(19980))
    assert fills(at_old_price) == []
    assert [f.price for f in fills(at_new_price)] == [d(19980)]


def test_modify_when_the_new_limit_is_marketable_then_fills_at_once() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    events = broker.apply(ModifyOrder(ACCOUNT, order.id, limit_price=d(20005)), NOW + 1)
    assert [f.price for f in fills(events)] == [d("20000.25")]  # the ask, not the new limit


def test_modify_when_qty_changes_then_the_order_works_the_new_quantity() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    broker.apply(ModifyOrder(ACCOUNT, order.id, qty=d(3)), NOW + 1)
    events = broker.on_tick(tick("19989.75", at=NOW + 2))
    assert [f.qty for f in fills(events)] == [d(3)]


def test_modify_when_qty_is_not_above_the_filled_quantity_then_rejected() -> None:
    broker = make_broker(top_of_book_size=2)
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(5, "limit", limit_price=19990), NOW))
    broker.on_tick(tick("19989.75", at=NOW + 1))  # 2 filled
    events = broker.apply(ModifyOrder(ACCOUNT, order.id, qty=d(2)), NOW + 2)
    assert rejected(events) == [RejectReason.INVALID_QUANTITY]


def test_modify_when_gtc_becomes_day_then_it_expires_at_the_close() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990, time_in_force="gtc"), NOW))
    events = broker.apply(ModifyOrder(ACCOUNT, order.id, time_in_force=TimeInForce.day), NOW + 1)
    assert of(events, OrderReplaced)[0].order.expires_at == SESSION_CLOSE
    assert broker.order(order.id).status is OrderStatus.new  # type: ignore[union-attr]
    broker.advance(SESSION_CLOSE)
    assert broker.order(order.id).status is OrderStatus.expired  # type: ignore[union-attr]


def test_modify_when_a_trailing_stop_trail_changes_then_the_stop_moves_from_its_mark() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(sell(1, "trailing_stop", trail_price=10), NOW))
    events = broker.apply(ModifyOrder(ACCOUNT, order.id, trail_price=d(4)), NOW + 1)
    assert of(events, OrderReplaced)[0].order.stop_price == d(19996)  # 20000 - 4


def test_modify_when_the_order_is_unknown_or_done_then_rejected() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    filled = placed(broker.apply(buy(1), NOW))
    unknown = broker.apply(ModifyOrder(ACCOUNT, OrderId("nope"), qty=d(2)), NOW)
    done = broker.apply(ModifyOrder(ACCOUNT, filled.id, qty=d(2)), NOW)
    assert rejected(unknown) == [RejectReason.ORDER_NOT_FOUND]
    assert rejected(done) == [RejectReason.ORDER_NOT_MODIFIABLE]


def test_modify_when_the_price_is_off_the_tick_grid_then_rejected_invalid_tick() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    events = broker.apply(ModifyOrder(ACCOUNT, order.id, limit_price=d("19990.10")), NOW)
    assert rejected(events) == [RejectReason.INVALID_TICK]


# ---------------------------------------------------------------- cancel


def test_cancel_when_working_then_canceled_and_no_longer_fills() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    events = broker.apply(CancelOrder(ACCOUNT, order.id), NOW + 1)
    later = broker.on_tick(tick(19980, at=NOW + 2))
    [event] = of(events, OrderCanceled)
    assert (event.order.status, event.order.canceled_at, event.reason) == (
        OrderStatus.canceled,
        NOW + 1,
        CancelReason.requested,
    )
    assert fills(later) == []


def test_cancel_when_the_fill_won_the_race_then_rejected_not_cancelable() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    broker.on_tick(tick("19989.75", at=NOW + 1))  # filled first
    events = broker.apply(CancelOrder(ACCOUNT, order.id), NOW + 1)
    assert rejected(events) == [RejectReason.ORDER_NOT_CANCELABLE]
    assert broker.position(ACCOUNT, "MNQ").qty == 1  # type: ignore[union-attr]


def test_cancel_when_between_partial_fills_then_the_rest_is_canceled_and_fills_kept() -> None:
    broker = make_broker(top_of_book_size=2)
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(5, "limit", limit_price=19990), NOW))
    broker.on_tick(tick("19989.75", at=NOW + 1))  # 2 of 5
    events = broker.apply(CancelOrder(ACCOUNT, order.id), NOW + 2)
    later = broker.on_tick(tick("19989.50", at=NOW + 3))
    [event] = of(events, OrderCanceled)
    assert (event.order.filled_qty, event.order.open_qty) == (d(2), d(3))
    assert fills(later) == []
    assert broker.position(ACCOUNT, "MNQ").qty == 2  # type: ignore[union-attr]


def test_cancel_when_the_order_is_someone_elses_then_not_found() -> None:
    broker = make_broker()
    broker.open_account("other", d(50_000), NOW)
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990, account_id="other"), NOW))
    events = broker.apply(CancelOrder(ACCOUNT, order.id), NOW)
    assert rejected(events) == [RejectReason.ORDER_NOT_FOUND]
    assert broker.order(order.id).status is OrderStatus.new  # type: ignore[union-attr]


def test_cancel_all_when_orders_work_on_two_symbols_then_the_filter_applies() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.on_tick(tick(6000, symbol="ES"))
    mnq = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    es = placed(broker.apply(buy(1, "limit", limit_price=5990, symbol="ES"), NOW))
    only_mnq = broker.apply(CancelAllOrders(ACCOUNT, "MNQ"), NOW + 1)
    everything = broker.apply(CancelAllOrders(ACCOUNT), NOW + 2)
    assert [e.order.id for e in of(only_mnq, OrderCanceled)] == [mnq.id]
    assert [e.order.id for e in of(everything, OrderCanceled)] == [es.id]
    assert broker.orders(ACCOUNT, open_only=True) == []


def test_cancel_all_when_a_bracket_waits_then_entry_and_held_legs_are_canceled() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(
        bracket(OrderSide.buy, 1, "limit", limit_price=19995, take_profit=20005, stop=19985), NOW
    )
    events = broker.apply(CancelAllOrders(ACCOUNT), NOW + 1)
    assert len(of(events, OrderCanceled)) == 3
    assert broker.orders(ACCOUNT, open_only=True) == []


# ---------------------------------------------------------------- close positions


def test_close_position_when_all_then_sells_at_the_bid_and_cancels_its_orders() -> None:
    # Arrange: long 2 @ 20000.25 with its bracket legs working
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(bracket(OrderSide.buy, 2, take_profit=20010, stop=19990), NOW)
    broker.on_tick(tick(20004, at=NOW + 1))
    # Act
    events = broker.apply(ClosePosition(ACCOUNT, "MNQ"), NOW + 2)
    # Assert: legs canceled first, then 2 sold at the bid 20003.75
    assert [e.reason for e in of(events, OrderCanceled)] == [CancelReason.position_closed] * 2
    assert [(f.side, f.qty, f.price) for f in fills(events)] == [
        (OrderSide.sell, d(2), d("20003.75"))
    ]
    # (20003.75 - 20000.25) × 2 × $2 = 14.00
    assert broker.account(ACCOUNT).realized_pnl == d("14.00")  # type: ignore[union-attr]
    assert broker.positions(ACCOUNT) == []


def test_close_position_when_a_quantity_then_closes_that_much_and_keeps_orders() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(3), NOW)
    working = placed(broker.apply(sell(1, "limit", limit_price=20010), NOW))
    events = broker.apply(ClosePosition(ACCOUNT, "MNQ", qty=d(1)), NOW + 1)
    assert [f.qty for f in fills(events)] == [d(1)]
    assert broker.position(ACCOUNT, "MNQ").qty == 2  # type: ignore[union-attr]
    assert broker.order(working.id).status is OrderStatus.new  # type: ignore[union-attr]


def test_close_position_when_short_then_buys_it_back_at_the_ask() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(sell(1), NOW)  # short @ 19999.75
    broker.on_tick(tick(19990, at=NOW + 1))
    events = broker.apply(ClosePosition(ACCOUNT, "MNQ"), NOW + 2)
    # bought back at the ask 19990.25: (19999.75 - 19990.25) × $2 = 19.00
    assert [(f.side, f.price) for f in fills(events)] == [(OrderSide.buy, d("19990.25"))]
    assert broker.account(ACCOUNT).realized_pnl == d("19.00")  # type: ignore[union-attr]


def test_close_position_when_flat_or_too_much_then_rejected() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    flat = broker.apply(ClosePosition(ACCOUNT, "MNQ"), NOW)
    broker.apply(buy(1), NOW)
    too_much = broker.apply(ClosePosition(ACCOUNT, "MNQ", qty=d(2)), NOW)
    assert rejected(flat) == [RejectReason.POSITION_NOT_FOUND]
    assert rejected(too_much) == [RejectReason.INVALID_QUANTITY]


def test_close_all_positions_when_two_symbols_then_flat_everywhere_without_orders() -> None:
    broker = make_broker(balance=d(100_000))
    broker.on_tick(tick(20000))
    broker.on_tick(tick(6000, symbol="ES"))
    broker.apply(buy(2), NOW)
    broker.apply(sell(1, symbol="ES"), NOW)
    broker.apply(buy(1, "limit", limit_price=19990), NOW)
    events = broker.apply(CloseAllPositions(ACCOUNT), NOW + 1)
    assert [(f.symbol, f.side) for f in fills(events)] == [
        ("MNQ", OrderSide.sell),
        ("ES", OrderSide.buy),
    ]
    assert broker.positions(ACCOUNT) == []
    assert broker.orders(ACCOUNT, open_only=True) == []


def test_close_position_when_risk_checks_would_refuse_then_it_still_closes() -> None:
    # Arrange: a rule that locks the account as soon as it holds a position
    def locked_when_in_a_position(account: AccountSnapshot, order: Order) -> str | None:
        return "ACCOUNT_LOCKED" if account.positions else None

    broker = make_broker(checks=[locked_when_in_a_position])
    broker.on_tick(tick(20000))
    broker.apply(buy(1), NOW)
    refused = broker.apply(buy(1), NOW)
    # Act
    events = broker.apply(ClosePosition(ACCOUNT, "MNQ"), NOW + 1)
    # Assert: the rule refuses new orders, never the close
    assert [e.order.reject_reason for e in of(refused, OrderRejected)] == ["ACCOUNT_LOCKED"]
    assert [f.side for f in fills(events)] == [OrderSide.sell]


def test_close_position_when_the_market_is_closed_then_refused_and_exits_kept() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    gtc = bracket(OrderSide.buy, 1, take_profit=20010, stop=19990, time_in_force="gtc")
    broker.apply(gtc, NOW)
    events = broker.apply(ClosePosition(ACCOUNT, "MNQ"), SESSION_CLOSE + 60)
    assert rejected(events) == [RejectReason.MARKET_CLOSED]
    assert len(broker.orders(ACCOUNT, open_only=True)) == 2  # both exit legs still work
