"""Trading time: the trading-day roll, day orders' expiry, and whether a market is open."""

from __future__ import annotations

from collections.abc import Callable
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
    """Owns when the next trading day starts; each symbol book caches its current session.

    Each account's day rolls at its own boundary (`boundary_of`: its rules' calendar, the CME's
    17:00 in Chicago or the UTC day for crypto); `next_roll` is the earliest of them."""

    __slots__ = ("_accounts", "_boundary_of", "_end", "_index", "_instruments", "next_roll")

    def __init__(
        self,
        desk: Desk,
        index: OrderIndex,
        contingency: Contingency,
        boundary_of: Callable[[str], DayBoundary],
    ) -> None:
        self.next_roll = inf
        """When the earliest account's trading day ends; read directly on the tick path."""
        self._boundary_of = boundary_of
        self._accounts = desk.accounts
        self._instruments = desk.instruments
        self._index = index
        self._end = contingency.end

    def track(self, account_id: str, day: date) -> None:
        """The account trades on `day`: roll it when that day ends (if no earlier roll is due)."""
        self.next_roll = min(self.next_roll, self._boundary_of(account_id).end_of(day))

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
        upcoming = inf
        for account_id, account in self._accounts.items():
            boundary = self._boundary_of(account_id)
            day = boundary.trading_day(now)
            if account.ledger.trading_day < day:
                account.ledger = account.ledger.rolled(day, now)
                events.append(AccountChanged(account.ledger, now))
            upcoming = min(upcoming, boundary.end_of(account.ledger.trading_day))
        self.next_roll = upcoming
