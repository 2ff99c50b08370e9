"""The broker's journal side: each step's fills become round trips, the stops placed on them
their initial stops, and every quote marks the open trips (for MAE and MFE)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from propdesk.domain.events import (
    Event,
    OrderAccepted,
    OrderFilled,
    OrderReleased,
    OrderReplaced,
    TripChanged,
)
from propdesk.domain.instruments import Instrument
from propdesk.domain.journal import DEFAULT_STOP_WINDOW, Journal, RoundTrip
from propdesk.domain.journal.marks import SymbolMarks
from propdesk.domain.orders import OrderSide, OrderType

_STOPS = frozenset({OrderType.stop, OrderType.stop_limit, OrderType.trailing_stop})
_PLACED = (OrderAccepted, OrderReleased, OrderReplaced)


class Journaling:
    """Owned by the broker. The journal forgets a trip once it is closed and given: the
    store keeps the closed ones, the broker only what it needs to carry on.

    Marks: between two of its fills a trip's average entry and quantity stay put, so only
    the lowest and the highest mark can set its MAE and MFE. Each symbol's quotes are kept
    as extremes per chunk between the symbol's fills (`journal.marks.SymbolMarks`: four
    comparisons a quote, whatever the number of trips), and a trip takes the extremes of
    the chunks since its last fill when it is filled again, when a snapshot is taken, and
    at a reset. The figures are those of every mark, exactly.
    """

    __slots__ = ("_instruments", "_marks", "_open", "_synced", "journal", "watched")

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        *,
        trips: Iterable[RoundTrip] = (),
        last_seq: Mapping[tuple[str, str], int] | None = None,
        stop_window: float = DEFAULT_STOP_WINDOW,
    ) -> None:
        self._instruments = instruments
        trips = tuple(trips)
        self.journal = Journal.restore(
            trips, last_seq=last_seq, stop_window=stop_window, retain_closed=False
        )
        self._marks: dict[str, SymbolMarks] = {}
        self.watched: Mapping[str, SymbolMarks] = self._marks
        """The symbols with an open trip: the tick path asks it before marking."""
        self._synced: dict[tuple[str, str], int] = {}
        """Per open trip (account, symbol), the first chunk of marks it has not taken yet."""
        self._open: dict[str, int] = {}
        """Open trips per symbol."""
        for trip in trips:
            if trip.is_open:
                self._opened(trip.account_id, trip.symbol)

    def record(self, events: list[Event]) -> None:
        """Append a `TripChanged` for each trip the step's events opened, changed or closed
        (once per trip, its last value, in the order they were first touched).

        A fill opens, scales or closes its account's trip in the symbol, labelled with its
        order's `strategy` and `tag` (the setup). A working stop on the other side of an open
        trip, placed or released (a bracket's stop leg) within the journal's stop window of
        the trip's opening, is its initial stop: its 1R.
        """
        journal = self._journal_of(events)
        if journal is None:
            return
        touched: dict[str, RoundTrip] = {}
        instruments = self._instruments
        for event in events:
            if type(event) is OrderFilled:
                order = event.order
                account_id, symbol = order.account_id, order.symbol
                self._sync(account_id, symbol)  # the marks since its last fill, while they count
                marks = self._marks.get(symbol)
                if marks is not None:
                    marks.close()
                point_value = instruments[symbol].point_value
                for trip in journal.apply_fill(
                    event.fill,
                    point_value,
                    strategy=order.strategy,
                    setup=order.tag,
                    regime=order.regime,
                ):
                    touched[trip.id] = trip
                    if trip.is_open:
                        self._opened(account_id, symbol)
                    else:
                        self._closed(account_id, symbol)
        for event in events:
            if not isinstance(event, _PLACED):
                continue
            order = event.order
            if order.type not in _STOPS or not order.is_working or order.stop_price is None:
                continue
            held = journal.open_trip(order.account_id, order.symbol)
            if held is None or held.side is order.side:
                continue
            stopped = journal.set_stop(order.account_id, order.symbol, order.stop_price, event.ts)
            if stopped is not None:
                touched[stopped.id] = stopped
        ts = events[-1].ts
        events.extend(TripChanged(trip, ts) for trip in touched.values())

    def _journal_of(self, events: list[Event]) -> Journal | None:
        """The journal, when the step has anything for it (a fill or a working stop)."""
        for event in events:
            if type(event) is OrderFilled or (
                isinstance(event, _PLACED) and event.order.type in _STOPS
            ):
                return self.journal
        return None

    def reset(self, account_id: str, now: float) -> list[Event]:
        """The account starts over: its open trips end as they stand (no exit fill)."""
        for key in [key for key in self._synced if key[0] == account_id]:
            self._sync(*key)
            self._closed(*key)
        return [TripChanged(trip, now) for trip in self.journal.abandon(account_id, now)]

    def quote(self, symbol: str, bid: Decimal, ask: Decimal) -> None:
        """A quote of a symbol with open trips (the tick path asks `watched` first)."""
        self._marks[symbol].quote(bid, ask)

    def open_trips(self) -> tuple[RoundTrip, ...]:
        for key in self._synced:
            self._sync(*key)
        return self.journal.open_trips()

    def last_seq(self) -> dict[tuple[str, str], int]:
        return self.journal.last_seq()

    # ------------------------------------------------------------------ marks

    def _sync(self, account_id: str, symbol: str) -> None:
        """Give the trip the extremes of the marks since its last fill."""
        since = self._synced.get((account_id, symbol))
        marks = self._marks.get(symbol)
        if since is None or marks is None:
            return
        extremes = marks.since(since)
        if extremes is None:
            return
        low_bid, high_bid, low_ask, high_ask = extremes
        if self.journal.holding(account_id, symbol) is OrderSide.buy:
            self.journal.mark_range(account_id, symbol, low_bid, high_bid)
        else:
            self.journal.mark_range(account_id, symbol, low_ask, high_ask)

    def _opened(self, account_id: str, symbol: str) -> None:
        """The trip (new or just filled) takes the marks from the next chunk on."""
        marks = self._marks.get(symbol)
        if marks is None:
            marks = self._marks[symbol] = SymbolMarks()
        key = (account_id, symbol)
        if key not in self._synced:
            self._open[symbol] = self._open.get(symbol, 0) + 1
        self._synced[key] = marks.chunks
        if marks.size > _TRIM_AT:
            oldest = min(n for (_, s), n in self._synced.items() if s == symbol)
            marks.drop_before(oldest)

    def _closed(self, account_id: str, symbol: str) -> None:
        if self._synced.pop((account_id, symbol), None) is None:
            return
        left = self._open[symbol] - 1
        if left:
            self._open[symbol] = left
        else:  # nothing open in the symbol: its quotes cost nothing again
            del self._open[symbol]
            del self._marks[symbol]


_TRIM_AT = 4_096
"""Chunks a symbol keeps before those no open trip needs are dropped."""
