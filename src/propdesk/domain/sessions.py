"""Trading time: the trading-day roll, day orders' expiry, and whether a market is open."""

from __future__ import annotations

from datetime import date
from math import inf

from propdesk.domain.book import SymbolBook
from propdesk.domain.contingency import Contingency
from propdesk.domain.desk import Desk
from propdesk.domain.events import AccountChanged, Event
from propdesk.domain.ledger import DayBoundary
from propdesk.domain.order_index import OrderIndex
from propdesk.domain.orders import OrderStatus


class Sessions:
    """Owns when the next trading day starts; each symbol book caches its current session."""

    __slots__ = ("_accounts", "_boundary", "_end", "_index", "_instruments", "next_roll")

    def __init__(
        self, desk: Desk, index: OrderIndex, contingency: Contingency, boundary: DayBoundary
    ) -> None:
        self.next_roll = inf
        """When the earliest account's trading day ends; read directly on the tick path."""
        self._boundary = boundary
        self._accounts = desk.accounts
        self._instruments = desk.instruments
        self._index = index
        self._end = contingency.end

    def trading_day(self, now: float) -> date:
        return self._boundary.trading_day(now)

    def track(self, day: date) -> None:
        """An account trades on `day`: roll it when that day ends (if no earlier roll is due)."""
        self.next_roll = min(self.next_roll, self._boundary.end_of(day))

    def advance(self, now: float) -> list[Event]:
        """Let time pass: roll the trading day, expire day orders whose session has closed."""
        events: list[Event] = []
        if now >= self.next_roll:
            self._roll(now, events)
        for order in self._index.expired(now):
            self._end(order, OrderStatus.expired, now, events)
        return events

    def is_open(self, book: SymbolBook, ts: float) -> bool:
        return book.session_start <= ts < book.session_end or self.open_session(book, ts)

    def open_session(self, book: SymbolBook, ts: float) -> bool:
        """Cache the session containing `ts`, if the market is open."""
        session = self._instruments[book.symbol].session
        day = session.trading_day(int(ts))
        if day is None:
            return False
        start, end = session.bounds(day)
        book.session_start, book.session_end = float(start), float(end)
        return start <= ts < end

    def _roll(self, now: float, events: list[Event]) -> None:
        boundary = self._boundary
        day = boundary.trading_day(now)
        for account in self._accounts.values():
            if account.ledger.trading_day < day:
                account.ledger = account.ledger.rolled(day, now)
                events.append(AccountChanged(account.ledger, now))
        self.next_roll = boundary.end_of(day)
