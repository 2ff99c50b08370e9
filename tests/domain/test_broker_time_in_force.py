"""Day, GTC, IOC and FOK, and the instrument's session (CME: 17:00-16:00 Chicago)."""

from __future__ import annotations

from datetime import UTC, datetime

from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    CancelReason,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
)
from propdesk.domain.orders import OrderSide, OrderStatus

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

BREAK = SESSION_CLOSE + 1800
"""16:30 in Chicago: the daily maintenance break."""
NEXT_OPEN = SESSION_CLOSE + 3600
"""17:00 in Chicago: Thursday's session opens."""
HOUR = 3600


def test_day_order_when_placed_then_expires_at_the_session_close() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990), NOW))
    assert order.expires_at == SESSION_CLOSE
    assert broker.advance(SESSION_CLOSE - 1) == []
    [expired] = of(broker.advance(SESSION_CLOSE), OrderExpired)
    assert (expired.order.id, expired.order.status) == (order.id, OrderStatus.expired)


def test_day_order_when_the_next_tick_comes_after_the_close_then_expires_before_matching() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(1, "limit", limit_price=19990), NOW)
    # Thursday's first tick trades through the limit, but Wednesday's order is gone
    events = broker.on_tick(tick(19980, at=NEXT_OPEN + 1))
    assert len(of(events, OrderExpired)) == 1
    assert fills(events) == []


def test_gtc_order_when_sessions_pass_then_keeps_working() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1, "limit", limit_price=19990, time_in_force="gtc"), NOW))
    assert of(broker.advance(SESSION_CLOSE + 48 * HOUR), OrderExpired) == []
    events = broker.on_tick(tick("19989.75", at=SESSION_CLOSE + 47 * HOUR))  # Friday 15:00
    assert [f.order_id for f in fills(events)] == [order.id]


def test_ioc_when_the_book_is_smaller_than_the_order_then_fills_some_and_cancels_the_rest() -> None:
    broker = make_broker(top_of_book_size=3)
    broker.on_tick(tick(20000))
    events = broker.apply(buy(5, "limit", limit_price="20000.25", time_in_force="ioc"), NOW)
    assert [(f.qty, f.price) for f in fills(events)] == [(d(3), d("20000.25"))]
    [canceled] = of(events, OrderCanceled)
    assert canceled.reason is CancelReason.ioc
    assert (canceled.order.filled_qty, canceled.order.status) == (d(3), OrderStatus.canceled)


def test_ioc_when_not_marketable_then_canceled_without_a_fill() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    events = broker.apply(buy(1, "limit", limit_price=19990, time_in_force="ioc"), NOW)
    assert fills(events) == []
    assert [e.reason for e in of(events, OrderCanceled)] == [CancelReason.ioc]


def test_fok_when_the_book_cannot_fill_it_all_then_canceled_without_a_fill() -> None:
    broker = make_broker(top_of_book_size=3)
    broker.on_tick(tick(20000))
    events = broker.apply(buy(5, time_in_force="fok"), NOW)
    assert fills(events) == []
    assert [e.reason for e in of(events, OrderCanceled)] == [CancelReason.fok]


def test_fok_when_the_book_can_fill_it_all_then_fills_at_once() -> None:
    broker = make_broker(top_of_book_size=3)
    broker.on_tick(tick(20000))
    events = broker.apply(buy(3, time_in_force="fok"), NOW)
    assert [(f.qty, f.price) for f in fills(events)] == [(d(3), d("20000.25"))]


def test_fok_limit_when_not_marketable_then_canceled() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    events = broker.apply(sell(1, "limit", limit_price=20010, time_in_force="fok"), NOW)
    assert [e.reason for e in of(events, OrderCanceled)] == [CancelReason.fok]


def test_ioc_when_on_a_stop_order_then_rejected_invalid_time_in_force() -> None:
    broker = make_broker()
    events = broker.apply(buy(1, "stop", stop_price=20010, time_in_force="ioc"), NOW)
    [rejected] = of(events, OrderRejected)
    assert rejected.order.reject_reason == RejectReason.INVALID_TIME_IN_FORCE


def test_submit_when_in_the_daily_break_then_rejected_market_closed() -> None:
    broker = make_broker()
    events = broker.apply(buy(1, "limit", limit_price=19990), BREAK)
    [rejected] = of(events, OrderRejected)
    assert rejected.order.reject_reason == RejectReason.MARKET_CLOSED


def test_submit_when_saturday_then_rejected_market_closed() -> None:
    broker = make_broker()
    saturday = datetime(2025, 1, 18, 15, 0, tzinfo=UTC).timestamp()
    events = broker.apply(buy(1, "limit", limit_price=19990), saturday)
    assert [e.order.reject_reason for e in of(events, OrderRejected)] == [
        RejectReason.MARKET_CLOSED
    ]


def test_submit_when_closed_and_queuing_allowed_then_waits_for_the_next_session() -> None:
    # Arrange: Wednesday's last quote, then the break
    broker = make_broker(queue_outside_session=True)
    broker.on_tick(tick(20000))
    # Act
    accepted = broker.apply(buy(1), BREAK)
    during_break = broker.on_tick(tick(20002, at=BREAK + 60))
    at_open = broker.on_tick(tick(20003, at=NEXT_OPEN))
    # Assert: no fill against stale or out-of-session quotes; Thursday's first tick fills it
    order = of(accepted, OrderAccepted)[0].order
    assert fills(accepted) == []
    assert order.expires_at == SESSION_CLOSE + 24 * HOUR  # Thursday's close
    assert fills(during_break) == []
    assert [f.price for f in fills(at_open)] == [d("20003.25")]


def test_bracket_when_its_day_entry_expires_unfilled_then_held_legs_expire_too() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    submitted = broker.apply(
        bracket(OrderSide.buy, 1, "limit", limit_price=19990, take_profit=20010, stop=19980), NOW
    )
    ids = [e.order.id for e in of(submitted, OrderAccepted)]
    expired = broker.advance(SESSION_CLOSE)
    assert [e.order.id for e in of(expired, OrderExpired)] == ids


def test_ioc_limit_when_there_is_no_quote_yet_then_canceled_at_once() -> None:
    broker = make_broker()
    events = broker.apply(buy(1, "limit", limit_price=19990, time_in_force="ioc"), NOW)
    assert [e.reason for e in of(events, OrderCanceled)] == [CancelReason.ioc]
    assert broker.orders(ACCOUNT, open_only=True) == []


def test_fok_limit_when_queued_outside_the_session_then_canceled_at_once() -> None:
    broker = make_broker(queue_outside_session=True)
    broker.on_tick(tick(20000))
    events = broker.apply(buy(1, "limit", limit_price=20005, time_in_force="fok"), BREAK)
    assert [e.reason for e in of(events, OrderCanceled)] == [CancelReason.fok]
