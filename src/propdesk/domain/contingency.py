"""Bracket and OCO rules: held legs follow their entry, a leg's fill reduces its sibling."""

from __future__ import annotations

from decimal import Decimal

from propdesk.domain.desk import Desk
from propdesk.domain.events import (
    CancelReason,
    Event,
    OrderCanceled,
    OrderExpired,
    OrderReleased,
    OrderReplaced,
)
from propdesk.domain.order_index import OrderIndex
from propdesk.domain.orders import LegRole, Order, OrderClass, OrderStatus, OrderType
from propdesk.domain.validation import pair_reason


class Contingency:
    """Keeps the orders linked to one another consistent whenever one of them changes.

    Every end of an open order comes through `end`, so that no path can leave an unfilled
    entry's legs held for ever.
    """

    __slots__ = ("_anchored", "_books", "_index", "_orders", "_put")

    def __init__(self, desk: Desk, index: OrderIndex) -> None:
        self._books = desk.books
        self._anchored = desk.anchored
        self._index = index
        self._orders = index.orders
        self._put = index.put

    def end(
        self,
        order: Order,
        status: OrderStatus,
        ts: float,
        events: list[Event],
        reason: CancelReason = CancelReason.requested,
    ) -> None:
        """Cancel or expire an open order; an entry ending unfilled takes its held legs along."""
        if status is OrderStatus.canceled:
            ended = order.with_status(status, ts, canceled_at=ts)
            events.append(OrderCanceled(ended, ts, reason))
        else:
            ended = order.with_status(status, ts, expired_at=ts)
            events.append(OrderExpired(ended, ts))
        self._put(ended)
        if _is_entry(ended) and ended.filled_qty == 0:
            for leg in self._index.legs(ended.id):
                if leg.status is OrderStatus.held:
                    self.end(leg, status, ts, events, CancelReason.parent_canceled)

    def after_fill(self, order: Order, qty: Decimal, ts: float, events: list[Event]) -> None:
        """Keep the contingent orders in step with a fill of `qty`."""
        if _is_entry(order):
            for leg in self._index.legs(order.id):
                if leg.status is OrderStatus.held:
                    released = leg.with_status(OrderStatus.new, ts, qty=order.filled_qty)
                    if released.type is OrderType.trailing_stop:
                        quote = self._books[order.symbol].quote
                        if quote is not None:
                            released = self._anchored(released, quote.last)
                    self._put(released)
                    events.append(OrderReleased(released, ts))
                elif leg.is_working:
                    grown = leg.amended(ts, qty=leg.qty + qty)
                    self._put(grown)
                    events.append(OrderReplaced(grown, ts))
        orders = self._orders
        sibling = orders.get(order.sibling_id) if order.sibling_id else None
        if sibling is not None and sibling.is_working:
            remaining = sibling.qty - qty
            if remaining <= sibling.filled_qty:
                self.end(sibling, OrderStatus.canceled, ts, events, CancelReason.oco)
            else:
                reduced = sibling.amended(ts, qty=remaining)
                self._put(reduced)
                events.append(OrderReplaced(reduced, ts))
        parent = orders.get(order.parent_id) if order.parent_id else None
        if order.status is OrderStatus.filled and parent is not None and parent.is_open:
            self.end(parent, OrderStatus.canceled, ts, events, CancelReason.bracket_exited)

    def follow_entry(self, entry: Order, now: float, events: list[Event]) -> None:
        """After `entry` was modified: its held legs take its quantity and time in force."""
        if not _is_entry(entry) or entry.filled_qty != 0:
            return  # released legs work on their own
        for leg in self._index.legs(entry.id):
            if leg.status is OrderStatus.held:
                follows = leg.amended(
                    now,
                    qty=entry.qty,
                    time_in_force=entry.time_in_force,
                    expires_at=entry.expires_at,
                )
                self._put(follows)
                events.append(OrderReplaced(follows, now))

    def group_reason(self, order: Order) -> str | None:
        """After a modify: are the bracket / OCO prices around `order` still consistent?"""
        if order.order_class is OrderClass.simple:
            return None
        orders = self._orders
        if _is_entry(order):
            entry: Order | None = order
            legs = self._index.legs(order.id)
        else:
            entry = orders.get(order.parent_id) if order.parent_id else None
            sibling = orders.get(order.sibling_id) if order.sibling_id else None
            legs = [order] if sibling is None else [order, sibling]
        take_profit = next((leg for leg in legs if leg.leg is LegRole.take_profit), None)
        stop_loss = next((leg for leg in legs if leg.leg is LegRole.stop_loss), None)
        return pair_reason(entry, take_profit, stop_loss)


def _is_entry(order: Order) -> bool:
    return order.order_class is OrderClass.bracket and order.parent_id is None
