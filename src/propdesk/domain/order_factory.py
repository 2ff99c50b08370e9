"""Turning a submission into orders: ids, sequence, legs, day expiry, trailing anchors."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from propdesk.domain.commands import SubmitOrder
from propdesk.domain.instruments import Instrument
from propdesk.domain.matching import trailing_stop_price
from propdesk.domain.orders import (
    IdFactory,
    LegRole,
    Order,
    OrderClass,
    OrderId,
    OrderStatus,
    OrderType,
    TimeInForce,
)


class OrderFactory:
    """Makes orders with injected ids and a sequence that the broker's state carries."""

    def __init__(self, ids: IdFactory, next_seq: int = 1) -> None:
        self.ids = ids
        self.next_seq = next_seq

    def seq(self) -> int:
        seq = self.next_seq
        self.next_seq += 1
        return seq

    def build(
        self,
        command: SubmitOrder,
        client_order_id: str,
        symbol: str,
        fingerprint: str,
        instrument: Instrument | None,
        now: float,
    ) -> list[Order]:
        """The order a submission makes, then its legs (bracket) or its sibling (OCO).

        Bracket legs sit on the other side, held, for the entry's quantity. An OCO's
        submitted order is its take-profit leg; its stop-loss leg works beside it. Every
        leg carries the submission's `strategy` and `tag`.
        """
        oco = command.order_class is OrderClass.oco
        tp, sl = command.take_profit, command.stop_loss
        entry = Order(
            id=OrderId(self.ids()),
            account_id=command.account_id,
            client_order_id=client_order_id,
            symbol=symbol,
            side=command.side,
            type=command.type,
            qty=command.qty,
            time_in_force=command.time_in_force,
            status=OrderStatus.new,
            created_at=now,
            updated_at=now,
            seq=self.seq(),
            order_class=command.order_class,
            limit_price=tp.limit_price if oco and tp else command.limit_price,
            stop_price=command.stop_price,
            trail_price=command.trail_price,
            trail_percent=command.trail_percent,
            expires_at=expiry(instrument, command.time_in_force, now) if instrument else None,
            leg=LegRole.take_profit if oco else None,
            fingerprint=fingerprint,
            strategy=command.strategy,
            tag=command.tag,
            regime=command.regime,
        )
        if command.order_class is OrderClass.simple or tp is None or sl is None:
            return [entry]
        leg_ids = OrderId(self.ids()), OrderId(self.ids())
        template = replace(
            entry,
            side=command.side if oco else command.side.opposite,
            status=OrderStatus.new if oco else OrderStatus.held,
            parent_id=None if oco else entry.id,
            leg=None,
            fingerprint="",
        )
        take_profit = replace(
            template,
            id=leg_ids[0],
            client_order_id=self.ids(),
            type=OrderType.limit,
            seq=self.seq(),
            limit_price=tp.limit_price,
            stop_price=None,
            trail_price=None,
            trail_percent=None,
            leg=LegRole.take_profit,
            sibling_id=leg_ids[1],
        )
        stop_loss = replace(
            template,
            id=leg_ids[1],
            client_order_id=self.ids(),
            type=sl.type,
            seq=self.seq(),
            limit_price=sl.limit_price,
            stop_price=sl.stop_price,
            trail_price=sl.trail_price,
            trail_percent=sl.trail_percent,
            leg=LegRole.stop_loss,
            sibling_id=leg_ids[0],
        )
        if oco:
            return [
                replace(entry, sibling_id=stop_loss.id),
                replace(stop_loss, sibling_id=entry.id),
            ]
        return [entry, take_profit, stop_loss]


def anchored(
    order: Order, water_mark: Decimal, tick_size: Decimal, ts: float | None = None
) -> Order:
    """A trailing stop with its water mark at `water_mark` and the stop that implies."""
    if order.type is not OrderType.trailing_stop:
        return order
    if order.trail_price is None and order.trail_percent is None:
        return order  # invalid: about to be rejected
    stop = trailing_stop_price(
        order.side,
        water_mark,
        tick_size,
        trail_price=order.trail_price,
        trail_percent=order.trail_percent,
    )
    updated_at = order.updated_at if ts is None else ts
    return order.evolve(water_mark=water_mark, stop_price=stop, updated_at=updated_at)


def expiry(instrument: Instrument, tif: TimeInForce, now: float) -> float | None:
    """A day order expires at the close of the session it is placed in (or of the next one)."""
    if tif is not TimeInForce.day:
        return None
    session = instrument.session
    day = session.trading_day(int(now))
    if day is None:
        day = session.trading_day(session.next_open(int(now)))
    if day is None:  # pragma: no cover - next_open is inside a session by definition
        return None
    return float(session.bounds(day)[1])
