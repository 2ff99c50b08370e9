"""The backtest's fill model: the ticks a one-minute bar is replayed as.

A bar's price travels in straight lines open → first extreme → other extreme → close, and
passes every price between: a bar that closes at or above its open is taken to have made its
low first (it dipped, then rose to its high), one that closes below it its high first. Each
point of that path is a tick (bid = ask = last: no spread), and so is the price of every
working stop (`levels`) that a stretch of it crosses, so a stop the price runs through fills
at its own price and not at the bar's extreme, as a continuous market would fill it. A
resting limit needs no tick of its own: crossed between two ticks, it fills at its own price
by the broker's rule for a resting limit the market trades through (one the path only
touches fills only if the fill model fills on touch). Between two bars the price jumps (the
next open is a gap from the last close): an order the open jumps past is met at the open, so
a stop fills there (worse than its price), a limit at its own price.

The ticks of a bar are stamped from its open second to its 59th, evenly; so whatever a
bar's ticks do is over before a signal from its close is traded, at the bar's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from propdesk.domain.bars import Tick

ONE = Decimal(1)


def bar_path(open_: Decimal, high: Decimal, low: Decimal, close: Decimal) -> list[Decimal]:
    """The bar's open, extremes and close in the order the bar's direction suggests, each
    price once in a row (a flat stretch is one tick)."""
    points = [open_, low, high, close] if close >= open_ else [open_, high, low, close]
    path = [points[0]]
    for price in points[1:]:
        if price != path[-1]:
            path.append(price)
    return path


def with_levels(path: list[Decimal], levels: Sequence[Decimal]) -> list[Decimal]:
    """`path` with each of `levels` (ascending) that a stretch of it crosses strictly
    inside, in the order the price meets them."""
    if not levels:
        return path
    out = [path[0]]
    for start, end in pairwise(path):
        if end > start:
            out.extend(level for level in levels if start < level < end)
        else:
            out.extend(level for level in reversed(levels) if end < level < start)
        out.append(end)
    return out


def bar_ticks(symbol: str, ts: int, prices: Sequence[Decimal]) -> list[Tick]:
    """One tick per price, spread over the bar's minute from its open second to its 59th."""
    count = len(prices)
    if count == 1:
        return [Tick(symbol, float(ts), prices[0], prices[0], prices[0], ONE)]
    step = 59.0 / (count - 1)
    return [
        Tick(symbol, ts + round(i * step, 6), price, price, price, ONE)
        for i, price in enumerate(prices)
    ]
