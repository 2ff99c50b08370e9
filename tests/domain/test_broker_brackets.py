"""Brackets and OCO: held legs, each leg winning, partial fills on either side, cancels."""

from __future__ import annotations

from propdesk.domain.broker import Broker
from propdesk.domain.commands import CancelOrder, ModifyOrder, StopLoss, TakeProfit
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    CancelReason,
    CommandRejected,
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderRejected,
    OrderReleased,
    OrderReplaced,
)
from propdesk.domain.orders import LegRole, Order, OrderClass, OrderSide, OrderStatus

from .builders import ACCOUNT, NOW, bracket, buy, d, fills, make_broker, of, order, tick

BUY, SELL = OrderSide.buy, OrderSide.sell


def long_bracket(broker: Broker, qty: int = 2, **kw: object) -> tuple[Order, Order, Order]:
    """Entry, take profit, stop loss of a bracket submitted at NOW (market unless told)."""
    kw.setdefault("take_profit", 20010)
    if "trail" not in kw:
        kw.setdefault("stop", 19990)
    events = broker.apply(bracket(BUY, qty, **kw), NOW)  # type: ignore[arg-type]
    entry, take_profit, stop_loss = (e.order for e in of(events, OrderAccepted))
    return entry, take_profit, stop_loss


def status(broker: Broker, o: Order) -> OrderStatus:
    current = broker.order(o.id)
    assert current is not None
    return current.status


def position_qty(broker: Broker) -> object:
    position = broker.position(ACCOUNT, "MNQ")
    return position.qty if position else None


def canceled(events: list[Event]) -> list[tuple[str, CancelReason]]:
    return [(e.order.id, e.reason) for e in of(events, OrderCanceled)]


def test_bracket_when_submitted_then_legs_are_held_on_the_other_side() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    events = broker.apply(
        bracket(BUY, 2, "limit", limit_price=19995, take_profit=20005, stop=19985), NOW
    )
    entry, take_profit, stop_loss = (e.order for e in of(events, OrderAccepted))
    assert (entry.status, take_profit.status, stop_loss.status) == (
        OrderStatus.new,
        OrderStatus.held,
        OrderStatus.held,
    )
    assert (take_profit.side, take_profit.leg, take_profit.limit_price) == (
        SELL,
        LegRole.take_profit,
        d(20005),
    )
    assert (stop_loss.side, stop_loss.leg, stop_loss.stop_price) == (
        SELL,
        LegRole.stop_loss,
        d(19985),
    )
    assert take_profit.parent_id == stop_loss.parent_id == entry.id
    assert (take_profit.sibling_id, stop_loss.sibling_id) == (stop_loss.id, take_profit.id)


def test_bracket_when_the_entry_fills_then_legs_work_for_its_quantity() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    events = broker.apply(bracket(BUY, 2, take_profit=20010, stop=19990), NOW)
    released = of(events, OrderReleased)
    assert [(e.order.leg, e.order.qty, e.order.status) for e in released] == [
        (LegRole.take_profit, d(2), OrderStatus.new),
        (LegRole.stop_loss, d(2), OrderStatus.new),
    ]


def test_bracket_when_take_profit_is_reached_then_it_fills_and_the_stop_is_canceled() -> None:
    # Arrange: long 2 @ 20000.25
    broker = make_broker()
    broker.on_tick(tick(20000))
    _, take_profit, stop_loss = long_bracket(broker)
    # Act: last 20010.25 trades through the 20010 take profit
    events = broker.on_tick(tick("20010.25", at=NOW + 1))
    # Assert: (20010 - 20000.25) × 2 × $2 = 39.00; commissions 4 × 0.62 = 2.48
    assert [(f.order_id, f.price) for f in fills(events)] == [(take_profit.id, d(20010))]
    assert canceled(events) == [(stop_loss.id, CancelReason.oco)]
    assert position_qty(broker) == 0
    account = broker.account(ACCOUNT)
    assert account is not None
    assert (account.realized_pnl, account.commissions) == (d("39.00"), d("2.48"))


def test_bracket_when_the_stop_is_reached_then_it_fills_and_take_profit_is_canceled() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    _, take_profit, stop_loss = long_bracket(broker)
    # last 19990 triggers the stop; fills at the bid 19989.75
    events = broker.on_tick(tick(19990, at=NOW + 1))
    assert [(f.order_id, f.price) for f in fills(events)] == [(stop_loss.id, d("19989.75"))]
    assert canceled(events) == [(take_profit.id, CancelReason.oco)]
    # (19989.75 - 20000.25) × 2 × $2 = -42.00
    assert broker.account(ACCOUNT).realized_pnl == d("-42.00")  # type: ignore[union-attr]


def test_bracket_when_a_stop_limit_leg_triggers_then_it_fills_as_a_limit() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    _, _, stop_loss = long_bracket(broker, stop=19990, stop_limit=19989)
    events = broker.on_tick(tick(19990, at=NOW + 1))
    # the 19989 limit is below the bid 19989.75: fills at the bid
    assert [(f.order_id, f.price) for f in fills(events)] == [(stop_loss.id, d("19989.75"))]


def test_bracket_when_the_stop_leg_trails_then_it_follows_the_high_and_exits() -> None:
    # Arrange: released at last 20000 with a 10-point trail: stop 19990
    broker = make_broker()
    broker.on_tick(tick(20000))
    _, take_profit, stop_loss = long_bracket(broker, trail=10, take_profit=20050)
    assert broker.order(stop_loss.id).stop_price == d(19990)  # type: ignore[union-attr]
    # Act: a high at 20005 (stop 19995), then the pullback to 19995
    broker.on_tick(tick(20005, at=NOW + 1))
    events = broker.on_tick(tick(19995, at=NOW + 2))
    # Assert: fills at the bid 19994.75; (19994.75 - 20000.25) × 2 × $2 = -22.00
    assert [(f.order_id, f.price) for f in fills(events)] == [(stop_loss.id, d("19994.75"))]
    assert canceled(events) == [(take_profit.id, CancelReason.oco)]
    assert broker.account(ACCOUNT).realized_pnl == d("-22.00")  # type: ignore[union-attr]


def test_bracket_when_released_during_a_tick_then_legs_match_from_the_next_tick() -> None:
    # Arrange: entry buy limit 19995, stop 19985
    broker = make_broker()
    broker.on_tick(tick(20000))
    entry, _, stop_loss = long_bracket(
        broker, qty=1, kind="limit", limit_price=19995, take_profit=20005, stop=19985
    )
    # Act: one tick at 19984.75 fills the entry (at its 19995 limit) and is beyond the stop
    first = broker.on_tick(tick("19984.75", at=NOW + 1))
    second = broker.on_tick(tick("19984.75", at=NOW + 2))
    # Assert: the stop only fires on the next tick, at the bid 19984.50
    assert [(f.order_id, f.price) for f in fills(first)] == [(entry.id, d(19995))]
    assert [(f.order_id, f.price) for f in fills(second)] == [(stop_loss.id, d("19984.50"))]
    # (19984.50 - 19995) × 1 × $2 = -21.00
    assert broker.account(ACCOUNT).realized_pnl == d("-21.00")  # type: ignore[union-attr]


def test_bracket_when_the_entry_fills_partially_then_legs_cover_what_filled() -> None:
    # Arrange: two contracts at the top of the book per tick, a bracket for 5
    broker = make_broker(top_of_book_size=2)
    broker.on_tick(tick(20000))
    long_bracket(broker, qty=5, kind="limit", limit_price=19995, take_profit=20005, stop=19985)
    # Act
    first = broker.on_tick(tick("19994.75", at=NOW + 1))
    second = broker.on_tick(tick("19994.50", at=NOW + 2))
    # Assert: released for 2, then grown to 4
    assert [(e.order.leg, e.order.qty) for e in of(first, OrderReleased)] == [
        (LegRole.take_profit, d(2)),
        (LegRole.stop_loss, d(2)),
    ]
    assert [(e.order.leg, e.order.qty) for e in of(second, OrderReplaced)] == [
        (LegRole.take_profit, d(4)),
        (LegRole.stop_loss, d(4)),
    ]


def test_bracket_when_a_leg_fills_partially_then_the_other_leg_shrinks_by_as_much() -> None:
    # Arrange: size 2 per tick; the entry for 4 fills 2 @ 19995, then 2 @ 19994.75
    broker = make_broker(top_of_book_size=2)
    broker.on_tick(tick(20000))
    _, take_profit, stop_loss = long_bracket(
        broker, qty=4, kind="limit", limit_price=19995, take_profit=20005, stop=19985
    )
    broker.on_tick(tick("19994.75", at=NOW + 1))
    broker.on_tick(tick("19994.50", at=NOW + 2))
    # Act 1: the take profit fills 2 of 4 at 20005
    up = broker.on_tick(tick("20005.25", at=NOW + 3))
    # Act 2: the stop fills the other 2 at the bid 19984.75
    down = broker.on_tick(tick(19985, at=NOW + 4))
    # Assert
    assert [(f.order_id, f.qty, f.price) for f in fills(up)] == [(take_profit.id, d(2), d(20005))]
    assert [(e.order.id, e.order.qty) for e in of(up, OrderReplaced)] == [(stop_loss.id, d(2))]
    assert [(f.order_id, f.qty, f.price) for f in fills(down)] == [
        (stop_loss.id, d(2), d("19984.75"))
    ]
    assert canceled(down) == [(take_profit.id, CancelReason.oco)]
    assert position_qty(broker) == 0
    # bought 2 × 19995 + 2 × 19994.75 = 79979.50; sold 2 × 20005 + 2 × 19984.75 = 79979.50
    assert broker.account(ACCOUNT).realized_pnl == 0  # type: ignore[union-attr]


def test_bracket_when_a_leg_closes_all_that_filled_then_the_rest_of_the_entry_is_canceled() -> None:
    broker = make_broker(top_of_book_size=2)
    broker.on_tick(tick(20000))
    entry, take_profit, stop_loss = long_bracket(
        broker, qty=5, kind="limit", limit_price=19995, take_profit=20005, stop=19985
    )
    broker.on_tick(tick("19994.75", at=NOW + 1))  # 2 of 5 filled
    events = broker.on_tick(tick("20005.25", at=NOW + 2))
    assert [(f.order_id, f.qty) for f in fills(events)] == [(take_profit.id, d(2))]
    assert canceled(events) == [
        (stop_loss.id, CancelReason.oco),
        (entry.id, CancelReason.bracket_exited),
    ]
    assert position_qty(broker) == 0


def test_bracket_when_the_entry_is_canceled_unfilled_then_held_legs_go_with_it() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    entry, take_profit, stop_loss = long_bracket(
        broker, kind="limit", limit_price=19995, take_profit=20005, stop=19985
    )
    events = broker.apply(CancelOrder(ACCOUNT, entry.id), NOW + 1)
    assert canceled(events) == [
        (entry.id, CancelReason.requested),
        (take_profit.id, CancelReason.parent_canceled),
        (stop_loss.id, CancelReason.parent_canceled),
    ]


def test_bracket_when_the_entry_is_canceled_after_a_partial_fill_then_legs_keep_working() -> None:
    broker = make_broker(top_of_book_size=2)
    broker.on_tick(tick(20000))
    entry, take_profit, stop_loss = long_bracket(
        broker, qty=5, kind="limit", limit_price=19995, take_profit=20005, stop=19985
    )
    broker.on_tick(tick("19994.75", at=NOW + 1))
    events = broker.apply(CancelOrder(ACCOUNT, entry.id), NOW + 2)
    assert canceled(events) == [(entry.id, CancelReason.requested)]
    assert [broker.order(o.id).qty for o in (take_profit, stop_loss)] == [d(2), d(2)]  # type: ignore[union-attr]
    assert status(broker, take_profit) is OrderStatus.new


def test_bracket_when_one_leg_is_canceled_then_the_other_keeps_protecting() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    _, take_profit, stop_loss = long_bracket(broker)
    broker.apply(CancelOrder(ACCOUNT, take_profit.id), NOW + 1)
    events = broker.on_tick(tick(19990, at=NOW + 2))
    assert [f.order_id for f in fills(events)] == [stop_loss.id]
    assert position_qty(broker) == 0


def test_bracket_when_the_entry_quantity_changes_then_held_legs_follow() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    entry, take_profit, stop_loss = long_bracket(
        broker, kind="limit", limit_price=19995, take_profit=20005, stop=19985
    )
    events = broker.apply(ModifyOrder(ACCOUNT, entry.id, qty=d(3)), NOW + 1)
    assert [(e.order.id, e.order.qty) for e in of(events, OrderReplaced)] == [
        (entry.id, d(3)),
        (take_profit.id, d(3)),
        (stop_loss.id, d(3)),
    ]


def test_bracket_when_a_leg_is_moved_to_the_wrong_side_then_rejected_invalid_bracket() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    _, take_profit, _ = long_bracket(
        broker, kind="limit", limit_price=19995, take_profit=20005, stop=19985
    )
    # a take profit below the 19995 entry
    events = broker.apply(ModifyOrder(ACCOUNT, take_profit.id, limit_price=d(19990)), NOW + 1)
    assert [e.reason for e in of(events, CommandRejected)] == [RejectReason.INVALID_BRACKET]


def test_bracket_when_a_leg_quantity_is_modified_then_rejected_invalid_quantity() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    _, take_profit, _ = long_bracket(broker)
    events = broker.apply(ModifyOrder(ACCOUNT, take_profit.id, qty=d(1)), NOW + 1)
    assert [e.reason for e in of(events, CommandRejected)] == [RejectReason.INVALID_QUANTITY]


def test_bracket_when_legs_sit_on_the_wrong_side_then_rejected_invalid_bracket() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    cases = [
        bracket(BUY, 1, "limit", limit_price=19995, take_profit=19990, stop=19985),  # tp below
        bracket(BUY, 1, "limit", limit_price=19995, take_profit=20005, stop=20000),  # stop above
        bracket(BUY, 1, take_profit=20000, stop=19990),  # tp below the 20000.25 ask
        bracket(SELL, 1, take_profit=20010, stop=19990),  # a short's tp above
        bracket(BUY, 1, take_profit=20010, stop=19990, stop_limit=19991),  # limit above stop
        order(BUY, 1, order_class=OrderClass.bracket, take_profit=TakeProfit(d(20010))),
    ]
    reasons = [of(broker.apply(c, NOW), OrderRejected)[0].order.reject_reason for c in cases]
    assert reasons == [RejectReason.INVALID_BRACKET] * len(cases)


def oco(qty: int, take_profit: object, stop: object) -> object:
    return order(
        SELL,
        qty,
        "limit",
        order_class=OrderClass.oco,
        take_profit=TakeProfit(d(take_profit)),
        stop_loss=StopLoss(stop_price=d(stop)),
    )


def test_oco_when_one_leg_fills_then_the_other_is_canceled() -> None:
    # Arrange: long 2, protected by an OCO sell of 2
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(2), NOW)
    accepted = of(broker.apply(oco(2, 20010, 19990), NOW), OrderAccepted)  # type: ignore[arg-type]
    take_profit, stop_loss = (e.order for e in accepted)
    # Act
    events = broker.on_tick(tick("20010.25", at=NOW + 1))
    # Assert
    assert (take_profit.status, stop_loss.status) == (OrderStatus.new, OrderStatus.new)
    assert (take_profit.order_class, take_profit.limit_price) == (OrderClass.oco, d(20010))
    assert [f.order_id for f in fills(events)] == [take_profit.id]
    assert canceled(events) == [(stop_loss.id, CancelReason.oco)]
    assert position_qty(broker) == 0


def test_oco_when_the_take_profit_is_below_the_stop_then_rejected_invalid_bracket() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    events = broker.apply(oco(1, 19990, 20010), NOW)  # type: ignore[arg-type]
    assert [e.order.reject_reason for e in of(events, OrderRejected)] == [
        RejectReason.INVALID_BRACKET
    ]
