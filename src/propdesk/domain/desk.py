"""What every part of the broker reads: the instruments, the accounts and the symbol books."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from propdesk.domain.account_state import AccountState
from propdesk.domain.bars import Tick
from propdesk.domain.book import SymbolBook
from propdesk.domain.instruments import Instrument
from propdesk.domain.ledger import AccountMarks, AccountSnapshot
from propdesk.domain.order_factory import anchored
from propdesk.domain.orders import Order
from propdesk.domain.positions import MarkPrice


class Desk:
    """Shared by the broker's parts, so that each reaches the same dicts without a detour
    through the broker; each part owns its own state beside it."""

    __slots__ = ("accounts", "books", "catalogue", "instruments", "mark")

    def __init__(self, instruments: Mapping[str, Instrument], mark: MarkPrice) -> None:
        self.catalogue = instruments
        """Looked up with what traders type (the catalogue may ignore case)."""
        self.instruments = {i.symbol: i for i in instruments.values()}
        """By canonical symbol, for everything already validated."""
        self.mark = mark
        self.accounts: dict[str, AccountState] = {}
        self.books: dict[str, SymbolBook] = {}
        """By canonical symbol, made on first use of a symbol the catalogue knows."""

    def book(self, symbol: str) -> SymbolBook | None:
        instrument = self.catalogue.get(symbol)
        if instrument is None:
            return None
        book = self.books.get(instrument.symbol)
        if book is None:
            book = self.books[instrument.symbol] = SymbolBook(instrument.symbol)
        return book

    def quote(self, symbol: str) -> Tick | None:
        book = self.book(symbol)
        return book.quote if book is not None else None

    def anchored(self, order: Order, water_mark: Decimal, ts: float | None = None) -> Order:
        return anchored(order, water_mark, self.instruments[order.symbol].tick_size, ts)

    def valuation(self, account: AccountState) -> AccountSnapshot:
        return account.valuation(self.instruments, self.quote, self.mark)

    def marks(self, account: AccountState) -> AccountMarks:
        return account.marks(self.instruments, self.quote, self.mark)
