"""The working orders of one symbol across accounts, indexed by the price that fires them.

A tick must only touch orders it can fire: each index is a list sorted by price in which the
orders a price fires are always at one end, so an idle tick costs one comparison per index.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from decimal import Decimal
from math import inf

from propdesk.domain.bars import Tick
from propdesk.domain.orders import Order, OrderId, OrderSide, OrderType

Entry = tuple[Decimal, int, OrderId]
"""(price, time key, order id). The time key is the sequence in an index that fires from the
low end and its negation in one that fires from the high end, so that the orders fired come
out best price first, then oldest first."""


def fired_low(entries: list[Entry], bound: Decimal, *, inclusive: bool) -> list[OrderId]:
    """Ids of the entries priced below `bound` (at or below it when inclusive), lowest first."""
    end = bisect_right(entries, (bound, inf)) if inclusive else bisect_left(entries, (bound,))
    return [entry[2] for entry in entries[:end]]


def fired_high(entries: list[Entry], bound: Decimal, *, inclusive: bool) -> list[OrderId]:
    """Ids of the entries priced above `bound` (at or above it when inclusive), highest first."""
    start = bisect_left(entries, (bound,)) if inclusive else bisect_right(entries, (bound, inf))
    return [entry[2] for entry in reversed(entries[start:])]


def remove(entries: list[Entry], entry: Entry) -> None:
    i = bisect_left(entries, entry)
    if i < len(entries) and entries[i] == entry:
        del entries[i]


@dataclass(slots=True)
class Due:
    """What one tick may do in a book, gathered before any of it is done.

    A superset: the broker confirms each order with the pure predicates of `matching`.
    """

    trails: list[OrderId]
    markets: list[OrderId]
    limits: list[OrderId]
    stops: list[OrderId]


class SymbolBook:
    """The last quote, the cached session, and the working orders of one symbol.

    Indexes fire from the low end (L) or the high end (H) of their price order:
    buy limits H (fill when the ask or last falls below the limit), sell limits L, buy stops L
    (trigger when last ≥ stop), sell stops H, buy trails H (the low water mark moves when last
    falls below it), sell trails L (the high water mark moves when last rises above it).
    Market orders and triggered stops waiting for size queue in time order.
    """

    __slots__ = (
        "_placed",
        "buy_limits",
        "buy_stops",
        "buy_trails",
        "markets",
        "quote",
        "sell_limits",
        "sell_stops",
        "sell_trails",
        "session_end",
        "session_start",
        "symbol",
    )

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.quote: Tick | None = None
        self.session_start = 0.0
        self.session_end = 0.0
        self.buy_limits: list[Entry] = []
        self.sell_limits: list[Entry] = []
        self.buy_stops: list[Entry] = []
        self.sell_stops: list[Entry] = []
        self.buy_trails: list[Entry] = []
        self.sell_trails: list[Entry] = []
        self.markets: dict[OrderId, None] = {}
        self._placed: dict[OrderId, list[tuple[list[Entry], Entry]]] = {}

    @property
    def idle(self) -> bool:
        """No working order here: a tick has nothing to do but update the quote."""
        return not self._placed and not self.markets

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._placed or order_id in self.markets

    def ids(self) -> list[OrderId]:
        """Every working order indexed here, for tests and invariant checks."""
        return [*self._placed, *self.markets]

    def place(self, order: Order) -> None:
        """Index a working order where its next trigger is (a no-op for any other order)."""
        if not order.is_working:
            return
        kind, seq, order_id = order.type, order.seq, order.id
        if kind is OrderType.market or (order.triggered and kind is not OrderType.stop_limit):
            self.markets[order_id] = None
            return
        buy = order.side is OrderSide.buy
        spots: list[tuple[list[Entry], Entry]]
        if kind is OrderType.limit or (kind is OrderType.stop_limit and order.triggered):
            price = _required(order.limit_price)
            spots = (
                [(self.buy_limits, (price, -seq, order_id))]
                if buy
                else [(self.sell_limits, (price, seq, order_id))]
            )
        else:
            stop = _required(order.stop_price)
            spots = (
                [(self.buy_stops, (stop, seq, order_id))]
                if buy
                else [(self.sell_stops, (stop, -seq, order_id))]
            )
            if kind is OrderType.trailing_stop:
                mark = _required(order.water_mark)
                spots.append(
                    (self.buy_trails, (mark, -seq, order_id))
                    if buy
                    else (self.sell_trails, (mark, seq, order_id))
                )
        for entries, entry in spots:
            insort(entries, entry)
        self._placed[order_id] = spots

    def withdraw(self, order_id: OrderId) -> None:
        self.markets.pop(order_id, None)
        for entries, entry in self._placed.pop(order_id, ()):
            remove(entries, entry)

    def due(self, tick: Tick, *, on_touch: bool) -> Due | None:
        """What `tick` may trail, fill or trigger here; None (fast) when it cannot be anything."""
        last = tick.last
        buy_limits, sell_limits = self.buy_limits, self.sell_limits
        buy_stops, sell_stops = self.buy_stops, self.sell_stops
        buy_trails, sell_trails = self.buy_trails, self.sell_trails
        buy_bound = tick.ask if tick.ask < last else last
        sell_bound = tick.bid if tick.bid > last else last
        if not (
            self.markets
            or (buy_limits and _reaches_high(buy_limits[-1][0], buy_bound, on_touch))
            or (sell_limits and _reaches_low(sell_limits[0][0], sell_bound, on_touch))
            or (buy_stops and buy_stops[0][0] <= last)
            or (sell_stops and sell_stops[-1][0] >= last)
            or (buy_trails and buy_trails[-1][0] > last)
            or (sell_trails and sell_trails[0][0] < last)
        ):
            return None
        limits = fired_high(buy_limits, buy_bound, inclusive=on_touch) if buy_limits else []
        if sell_limits:
            limits += fired_low(sell_limits, sell_bound, inclusive=on_touch)
        stops = fired_low(buy_stops, last, inclusive=True) if buy_stops else []
        if sell_stops:
            stops += fired_high(sell_stops, last, inclusive=True)
        trails = fired_high(buy_trails, last, inclusive=False) if buy_trails else []
        if sell_trails:
            trails += fired_low(sell_trails, last, inclusive=False)
        return Due(trails, list(self.markets), limits, stops)


def _reaches_high(highest: Decimal, bound: Decimal, inclusive: bool) -> bool:
    return highest > bound or (inclusive and highest == bound)


def _reaches_low(lowest: Decimal, bound: Decimal, inclusive: bool) -> bool:
    return lowest < bound or (inclusive and lowest == bound)


def _required(price: Decimal | None) -> Decimal:
    if price is None:  # pragma: no cover - validated before an order is accepted
        raise ValueError("a working order lacks the price its type needs")
    return price
