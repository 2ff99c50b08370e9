"""Filling against the quotes: what an arrival or a tick triggers, trails and fills, and how."""

from __future__ import annotations

from decimal import Decimal

from propdesk.domain.bars import Tick
from propdesk.domain.book import Due
from propdesk.domain.contingency import Contingency
from propdesk.domain.desk import Desk
from propdesk.domain.events import (
    AccountChanged,
    CancelReason,
    Event,
    OrderFilled,
    OrderTriggered,
    PositionChanged,
    TrailingStopMoved,
)
from propdesk.domain.instruments import Instrument
from propdesk.domain.matching import (
    FillModel,
    fill_quantity,
    is_limit_fillable,
    is_marketable,
    is_stop_triggered,
    limit_fill_price,
    market_fill_price,
    next_water_mark,
)
from propdesk.domain.order_index import OrderIndex
from propdesk.domain.orders import (
    Fill,
    FillId,
    IdFactory,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.positions import Position, apply_fill

_STOPS = frozenset({OrderType.stop, OrderType.stop_limit, OrderType.trailing_stop})


class Execution:
    """Turns what a tick or an arrival makes due into triggers, trailing moves and fills.

    The tick path runs through here: each collaborator's dict or method is bound once, at
    construction, so that a fill costs no lookups through other objects.
    """

    __slots__ = (
        "_accounts",
        "_after_fill",
        "_anchored",
        "_end",
        "_ids",
        "_instruments",
        "_model",
        "_on_touch",
        "_orders",
        "_put",
    )

    def __init__(
        self,
        desk: Desk,
        index: OrderIndex,
        contingency: Contingency,
        *,
        model: FillModel,
        ids: IdFactory,
    ) -> None:
        self._instruments = desk.instruments
        self._accounts = desk.accounts
        self._anchored = desk.anchored
        self._orders = index.orders
        self._put = index.put
        self._end = contingency.end
        self._after_fill = contingency.after_fill
        self._model = model
        self._on_touch = model.fill_on_touch
        self._ids = ids

    def match(self, due: Due, tick: Tick, previous: Tick | None, events: list[Event]) -> None:
        """Do what `tick` made due in one book; `previous` is the quote before it."""
        on_touch = self._on_touch
        ts = tick.ts
        for order_id in due.trails:
            self._trail(self._orders[order_id], tick.last, ts, events)
        orders = self._orders
        for order_id in due.markets:
            order = orders[order_id]
            if order.is_working:
                self._execute(order, tick, ts, events, taker=True)
        for order_id in due.limits:
            order = orders[order_id]
            limit = order.limit_price
            if not order.is_working or limit is None or not _rests_as_limit(order):
                continue
            if is_limit_fillable(order.side, limit, tick, on_touch=on_touch):
                # Still marketable since the last quote: it was waiting for size, not price.
                taker = previous is not None and is_marketable(order.side, limit, previous)
                self._execute(order, tick, ts, events, taker=taker)
        for order_id in due.stops:
            order = orders[order_id]
            if order.is_working and not order.triggered:
                self.arrive(order, tick, ts, events)

    def arrive(self, order: Order, quote: Tick, ts: float, events: list[Event]) -> None:
        """`order` meets `quote` as a new arrival: trigger it, fill what the quote allows."""
        if order.type in _STOPS and not order.triggered:
            stop = order.stop_price
            if stop is None or not is_stop_triggered(order.side, stop, quote):
                return
            order = order.amended(ts, triggered=True)
            self._put(order)
            events.append(OrderTriggered(order, ts))
        limit = None if _is_market_like(order) else order.limit_price
        fillable = limit is None or is_marketable(order.side, limit, quote)
        if order.time_in_force is TimeInForce.fok:
            available = self._model.available(order.symbol)
            if not fillable or (available is not None and available < order.open_qty):
                self._end(order, OrderStatus.canceled, ts, events, CancelReason.fok)
                return
        if fillable:
            self._execute(order, quote, ts, events, taker=True)
        if order.time_in_force is TimeInForce.ioc:
            rest = self._orders[order.id]
            if rest.is_working:
                self._end(rest, OrderStatus.canceled, ts, events, CancelReason.ioc)

    def _execute(
        self, order: Order, tick: Tick, ts: float, events: list[Event], *, taker: bool
    ) -> None:
        qty = fill_quantity(order.open_qty, self._model.available(order.symbol))
        if qty <= 0:
            return
        instrument = self._instruments[order.symbol]
        limit = order.limit_price
        if _is_market_like(order) or limit is None:
            slippage = instrument.tick_size * self._model.slippage_ticks
            price, liquidity = market_fill_price(order.side, tick, slippage), Liquidity.taker
        else:
            price = limit_fill_price(order.side, limit, tick, taker=taker)
            liquidity = Liquidity.taker if taker else Liquidity.maker
        self._fill(order, qty, price, liquidity, instrument, ts, events)

    def _fill(
        self,
        order: Order,
        qty: Decimal,
        price: Decimal,
        liquidity: Liquidity,
        instrument: Instrument,
        ts: float,
        events: list[Event],
    ) -> None:
        filled_qty = order.filled_qty + qty
        status = OrderStatus.filled if filled_qty == order.qty else OrderStatus.partially_filled
        done = order.with_status(
            status,
            ts,
            filled_qty=filled_qty,
            filled_value=order.filled_value + qty * price,
            filled_at=ts,
        )
        self._put(done)
        fill = Fill(
            FillId(self._ids()),
            order.id,
            order.account_id,
            order.symbol,
            order.side,
            qty,
            price,
            instrument.commission * qty,
            liquidity,
            ts,
        )
        events.append(OrderFilled(done, ts, fill, status is OrderStatus.partially_filled))
        account = self._accounts[order.account_id]
        before = account.positions.get(order.symbol) or Position(order.account_id, order.symbol)
        position, realized = apply_fill(before, order.side, qty, price, instrument.point_value, ts)
        account.positions[order.symbol] = position
        account.ledger = account.ledger.with_fill(realized, fill.commission, ts)
        events.append(PositionChanged(position, ts))
        events.append(AccountChanged(account.ledger, ts))
        self._after_fill(done, qty, ts, events)

    def _trail(self, order: Order, last: Decimal, ts: float, events: list[Event]) -> None:
        mark = next_water_mark(order.side, _known(order.water_mark), last)
        moved = self._anchored(order, mark, ts)
        self._put(moved)
        if moved.stop_price != order.stop_price:
            events.append(TrailingStopMoved(moved, ts))


def _is_market_like(order: Order) -> bool:
    """Market orders, and stops that triggered (a triggered stop-limit is a limit)."""
    return order.type is OrderType.market or (
        order.triggered and order.type is not OrderType.stop_limit
    )


def _rests_as_limit(order: Order) -> bool:
    return order.type is OrderType.limit or (order.type is OrderType.stop_limit and order.triggered)


def _known(value: Decimal | None) -> Decimal:
    if value is None:  # pragma: no cover - trailing stops are anchored before they work
        raise ValueError("a working trailing stop has no water mark")
    return value
