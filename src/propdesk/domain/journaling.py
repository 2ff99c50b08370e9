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
from propdesk.domain.orders import OrderType

_STOPS = frozenset({OrderType.stop, OrderType.stop_limit, OrderType.trailing_stop})
_PLACED = (OrderAccepted, OrderReleased, OrderReplaced)


class Journaling:
    """Owned by the broker. The journal forgets a trip once it is closed and given: the
    store keeps the closed ones, the broker only what it needs to carry on."""

    __slots__ = ("_instruments", "journal", "watched")

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        *,
        trips: Iterable[RoundTrip] = (),
        last_seq: Mapping[tuple[str, str], int] | None = None,
        stop_window: float = DEFAULT_STOP_WINDOW,
    ) -> None:
        self._instruments = instruments
        self.journal = Journal.restore(
            trips, last_seq=last_seq, stop_window=stop_window, retain_closed=False
        )
        self.watched = self.journal.watched_symbols
        """The symbols with an open trip: the tick path asks it before marking."""

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
                point_value = instruments[order.symbol].point_value
                for trip in journal.apply_fill(
                    event.fill, point_value, strategy=order.strategy, setup=order.tag
                ):
                    touched[trip.id] = trip
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
        return [TripChanged(trip, now) for trip in self.journal.abandon(account_id, now)]

    def quote(self, symbol: str, bid: Decimal, ask: Decimal, ts: float) -> None:
        self.journal.quote(symbol, bid, ask, ts)

    def open_trips(self) -> tuple[RoundTrip, ...]:
        return self.journal.open_trips()

    def last_seq(self) -> dict[tuple[str, str], int]:
        return self.journal.last_seq()
