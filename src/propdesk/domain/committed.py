"""The trading state a gateway may show: built from what the engine committed (its stored
state, then its committed events), never from the engine's memory, and valued by the same
functions as the broker's own figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from propdesk.domain.account_state import AccountState
from propdesk.domain.bars import Tick
from propdesk.domain.events import (
    AccountChanged,
    Event,
    OrderEvent,
    PositionChanged,
    RiskChanged,
    TripChanged,
)
from propdesk.domain.instruments import Instrument
from propdesk.domain.journal import RoundTrip
from propdesk.domain.ledger import AccountSnapshot, Ledger
from propdesk.domain.orders import ZERO, Order, OrderId
from propdesk.domain.positions import MarkPrice, Position, mark_price
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.risk.state import RiskState

Quotes = Callable[[str], Tick | None]
"""The current quote of a canonical symbol, or None while it has none."""


@dataclass(frozen=True, slots=True)
class PositionValuation:
    """One open position at the current quote (at cost while there is none)."""

    position: Position
    point_value: Decimal
    price: Decimal | None
    """The mark: what closing would get (or the last trade, as the broker is set)."""
    unrealized_pnl: Decimal
    market_value: Decimal | None


def value_position(
    position: Position, instrument: Instrument, quote: Tick | None, mark: MarkPrice
) -> PositionValuation:
    point_value = instrument.point_value
    price = None if quote is None else mark_price(position.qty, quote, mark)
    unrealized = ZERO if price is None else position.unrealized_pnl(price, point_value)
    market_value = None if price is None else position.qty * price * point_value
    return PositionValuation(position, point_value, price, unrealized, market_value)


class CommittedState:
    """Ledgers, positions and working orders per account, as last committed.

    Orders are kept only while open (a closed one is forgotten), so memory follows what is
    working, not the account's history. Apply events in commit order.
    """

    def __init__(self, instruments: Mapping[str, Instrument], mark: MarkPrice) -> None:
        self._instruments = {i.symbol: i for i in instruments.values()}
        self._mark = mark
        self._accounts: dict[str, AccountState] = {}
        self._orders: dict[OrderId, Order] = {}
        self._open: dict[str, dict[OrderId, None]] = {}
        """Per account, its open orders in creation order."""
        self._risk: dict[str, tuple[RuleSet, RiskState]] = {}
        """The rules and risk state of each guarded account."""
        self._trips: dict[str, dict[str, RoundTrip]] = {}
        """Per account, its open round trips by id (a closed one is forgotten, as orders)."""

    def load(
        self,
        ledgers: Iterable[Ledger],
        positions: Iterable[Position],
        orders: Iterable[Order],
        risk: Iterable[tuple[RuleSet, RiskState]] = (),
        trips: Iterable[RoundTrip] = (),
    ) -> None:
        """Start from stored state (the events committed after it are applied on top)."""
        for trip in trips:
            self._trip(trip)
        for rules, state in risk:
            self._risk[state.account_id] = (rules, state)
        for ledger in ledgers:
            self._accounts[ledger.account_id] = AccountState(ledger)
        for position in positions:
            account = self._accounts.get(position.account_id)
            if account is not None:
                account.positions[position.symbol] = position
        for order in sorted(orders, key=lambda o: o.seq):
            if order.is_open:
                self._put(order)

    def apply(self, event: Event) -> None:
        if isinstance(event, OrderEvent):
            self._put(event.order)
        elif isinstance(event, PositionChanged):
            account = self._accounts.get(event.position.account_id)
            if account is not None:
                account.positions[event.position.symbol] = event.position
        elif isinstance(event, AccountChanged):
            account = self._accounts.get(event.ledger.account_id)
            if account is None:
                self._accounts[event.ledger.account_id] = AccountState(event.ledger)
            else:
                account.ledger = event.ledger
        elif isinstance(event, RiskChanged):
            self._risk[event.state.account_id] = (event.rules, event.state)
        elif isinstance(event, TripChanged):
            self._trip(event.trip)

    def _trip(self, trip: RoundTrip) -> None:
        trips = self._trips.setdefault(trip.account_id, {})
        if trip.is_open:
            trips[trip.id] = trip
        else:
            trips.pop(trip.id, None)

    # ------------------------------------------------------------------ reads

    def open_trips(self, account_id: str) -> list[RoundTrip]:
        """The account's open round trips, in the order they opened."""
        return list(self._trips.get(account_id, {}).values())

    def risk(self, account_id: str) -> tuple[RuleSet, RiskState] | None:
        """The rules enforced on the account and its risk state; None when unguarded."""
        return self._risk.get(account_id)

    def open_orders(self, account_id: str) -> list[Order]:
        """The account's open orders, oldest first."""
        return sorted(
            (self._orders[i] for i in self._open.get(account_id, ())), key=lambda o: o.seq
        )

    def positions(self, account_id: str) -> list[Position]:
        """The account's open positions."""
        account = self._accounts.get(account_id)
        return [p for p in account.positions.values() if p.qty] if account else []

    def position(self, account_id: str, symbol: str) -> Position | None:
        account = self._accounts.get(account_id)
        return None if account is None else account.positions.get(symbol)

    def valuation(self, account_id: str, quotes: Quotes) -> AccountSnapshot | None:
        """The account at the current quotes, exactly as the broker values it."""
        account = self._accounts.get(account_id)
        return None if account is None else account.valuation(self._instruments, quotes, self._mark)

    def position_value(self, position: Position, quotes: Quotes) -> PositionValuation:
        instrument = self._instruments[position.symbol]
        return value_position(position, instrument, quotes(position.symbol), self._mark)

    # ------------------------------------------------------------------ the index

    def _put(self, order: Order) -> None:
        """Keep the working exposure in step, as the broker's order index does."""
        account = self._accounts.get(order.account_id)
        if account is None:
            return
        working = self._open.setdefault(order.account_id, {})
        if order.is_open:
            self._orders[order.id] = order
            working[order.id] = None
        else:
            self._orders.pop(order.id, None)
            working.pop(order.id, None)
        sibling = self._orders.get(order.sibling_id) if order.sibling_id else None
        account.count(order, sibling)
        if sibling is not None:
            account.count(sibling, order)
