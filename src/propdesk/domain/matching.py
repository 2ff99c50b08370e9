"""The fill model: pure predicates and prices that decide when and where an order fills."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from types import MappingProxyType

from propdesk.domain.bars import Tick
from propdesk.domain.orders import OrderSide

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class FillModel:
    """How the paper market treats orders.

    `top_of_book_size` (or its per-symbol override) is the quantity one order can fill on one
    tick, so a large order fills across several ticks; `None` is unlimited. Each order sees the
    whole size: the orders of one account do not compete for it.
    """

    fill_on_touch: bool = False
    """Resting limits also fill when the market only touches their price."""
    slippage_ticks: int = 0
    """Ticks of adverse slippage on market orders and triggered stops."""
    top_of_book_size: Decimal | None = None
    top_of_book_sizes: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))

    def available(self, symbol: str) -> Decimal | None:
        return self.top_of_book_sizes.get(symbol, self.top_of_book_size)


def is_marketable(side: OrderSide, limit_price: Decimal, tick: Tick) -> bool:
    """A limit order arriving now would cross the quote (and take it)."""
    if side is OrderSide.buy:
        return limit_price >= tick.ask
    return limit_price <= tick.bid


def is_limit_fillable(
    side: OrderSide, limit_price: Decimal, tick: Tick, *, on_touch: bool = False
) -> bool:
    """A resting limit fills when the market trades through it (or touches it, `on_touch`).

    A buy fills when the ask or the last trade is below its limit, a sell when the bid or the
    last trade is above it.
    """
    if side is OrderSide.buy:
        if on_touch:
            return tick.ask <= limit_price or tick.last <= limit_price
        return tick.ask < limit_price or tick.last < limit_price
    if on_touch:
        return tick.bid >= limit_price or tick.last >= limit_price
    return tick.bid > limit_price or tick.last > limit_price


def is_stop_triggered(side: OrderSide, stop_price: Decimal, tick: Tick) -> bool:
    """Stops trigger on the last trade: a buy stop at or above its stop, a sell at or below."""
    if side is OrderSide.buy:
        return tick.last >= stop_price
    return tick.last <= stop_price


def market_fill_price(side: OrderSide, tick: Tick, slippage: Decimal) -> Decimal:
    """Buys take the ask, sells the bid, each `slippage` (price units) worse."""
    if side is OrderSide.buy:
        return tick.ask + slippage
    return tick.bid - slippage


def limit_fill_price(side: OrderSide, limit_price: Decimal, tick: Tick, *, taker: bool) -> Decimal:
    """A resting (maker) limit fills at its own price, a marketable (taker) one at the quote."""
    if not taker:
        return limit_price
    if side is OrderSide.buy:
        return min(limit_price, tick.ask)
    return max(limit_price, tick.bid)


def fill_quantity(open_qty: Decimal, available: Decimal | None) -> Decimal:
    """How much of `open_qty` one tick can fill."""
    return open_qty if available is None else min(open_qty, available)


def next_water_mark(side: OrderSide, water_mark: Decimal, last: Decimal) -> Decimal:
    """A trailing sell stop follows the highest last price, a trailing buy stop the lowest."""
    if side is OrderSide.sell:
        return max(water_mark, last)
    return min(water_mark, last)


def trailing_stop_price(
    side: OrderSide,
    water_mark: Decimal,
    tick_size: Decimal,
    *,
    trail_price: Decimal | None = None,
    trail_percent: Decimal | None = None,
) -> Decimal:
    """The stop a water mark implies; a percentage trail rounds to the tick away from the market."""
    if trail_price is not None:
        offset = trail_price
    elif trail_percent is not None:
        offset = water_mark * trail_percent / _HUNDRED
    else:
        raise ValueError("a trailing stop needs trail_price or trail_percent")
    if side is OrderSide.sell:
        raw, rounding = water_mark - offset, ROUND_FLOOR
    else:
        raw, rounding = water_mark + offset, ROUND_CEILING
    return (raw / tick_size).to_integral_value(rounding) * tick_size
