"""The paper broker: the trading state machine of all the accounts of one engine shard.

One object spans the shard's accounts so that a tick costs what it fires, not what is
working: the working orders of every account sit in one SymbolBook per symbol. Accounts never
trade with each other; each order fills against the quotes alone.

The engine drives it with `apply(command, now)`, `on_tick(tick)` and `advance(now)` (expiries
and the trading-day roll when no tick comes), each returning the events in the order they
happened, and rebuilds it on start with `Broker.restore(state, …)` from plain dataclasses.

Rules worth knowing (the tests spell each out):
- An order arriving (submitted or modified) meets the last quote at once. An order released
  or triggered during a tick is matched from the next tick on, except that a stop fills (a
  stop-limit becomes a limit that may fill) on the tick that triggers it.
- A resting limit the market trades through fills at its own price (maker). A limit that is
  marketable on arrival, or was already marketable at the previous quote (it was waiting for
  size), fills at the quote, never beyond its limit (taker).
- A bracket's legs are held until the entry fills, then work for the quantity it filled,
  growing with its later fills. A leg's fill reduces its sibling by as much (cancels it when
  nothing is left). When a leg has closed all the entry filled, the rest of the entry is
  canceled. Canceling one leg leaves the other working.
- Day orders expire at their session's close. Orders outside the session are rejected
  `MARKET_CLOSED` unless `queue_outside_session`; queued ones wait for the session's first
  tick (IOC and FOK, which cannot wait, are canceled at once).
- Closing a whole position cancels the symbol's open orders first, so that no exit leg
  reopens it; pre-trade checks never block a close.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from propdesk.domain.account_state import AccountState
from propdesk.domain.bars import Tick
from propdesk.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    CloseAllPositions,
    ClosePosition,
    Command,
    ModifyOrder,
    SubmitOrder,
)
from propdesk.domain.contingency import Contingency
from propdesk.domain.desk import Desk
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    AccountChanged,
    CancelReason,
    CommandRejected,
    Event,
    OrderAccepted,
    OrderRejected,
    OrderReplaced,
    PositionChanged,
)
from propdesk.domain.execution import Execution
from propdesk.domain.instruments import Instrument
from propdesk.domain.ledger import AccountSnapshot, DayBoundary, Ledger
from propdesk.domain.matching import (
    FillModel,
)
from propdesk.domain.order_factory import OrderFactory, expiry
from propdesk.domain.order_index import OrderIndex
from propdesk.domain.orders import (
    IdFactory,
    Order,
    OrderClass,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.positions import MarkPrice, Position
from propdesk.domain.sessions import Sessions
from propdesk.domain.validation import (
    MAX_CLIENT_ORDER_ID,
    MAX_SYMBOL,
    fingerprint,
    modified_prices,
    modify_reason,
    quantity_reason,
    storable,
    submit_reason,
)

PreTradeCheck = Callable[[AccountSnapshot, Order], str | None]
"""A risk rule: the reason an order must be rejected, or None. Consulted after validation."""

_R = RejectReason
_STOPS = frozenset({OrderType.stop, OrderType.stop_limit, OrderType.trailing_stop})


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    fill_model: FillModel = field(default_factory=FillModel)
    """Fill on touch, slippage, top-of-book size."""
    queue_outside_session: bool = False
    """Accept orders while the market is closed; they work from the session's first tick."""
    mark: MarkPrice = MarkPrice.quote
    """What open positions are valued at: the closing side of the quote, or the last trade."""
    day_boundary: DayBoundary = field(default_factory=DayBoundary)
    """When "today" rolls over for the P&L-today figures (17:00 in Chicago)."""


@dataclass(frozen=True, slots=True)
class BrokerState:
    """Everything the broker needs to resume: what a repository stores and loads.

    `orders` may leave out old terminal orders: they only serve to recognise retried
    client order ids.
    """

    ledgers: tuple[Ledger, ...] = ()
    orders: tuple[Order, ...] = ()
    positions: tuple[Position, ...] = ()
    quotes: tuple[Tick, ...] = ()
    next_seq: int = 1


class Broker:
    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        *,
        ids: IdFactory,
        settings: BrokerSettings | None = None,
        checks: Sequence[PreTradeCheck] = (),
    ) -> None:
        self._ids = ids
        self._settings = settings or BrokerSettings()
        self._model = self._settings.fill_model
        self._checks = tuple(checks)
        desk = self._desk = Desk(instruments, self._settings.mark)
        self._catalogue = desk.catalogue
        self._instruments = desk.instruments
        self._accounts = desk.accounts
        self._books = desk.books
        self._book = desk.book
        self._anchored = desk.anchored
        self._valuation = desk.valuation
        index = self._index = OrderIndex(desk)
        self._orders = index.orders
        self._expiries = index.expiries
        self._put = index.put
        contingency = self._contingency = Contingency(desk, index)
        self._end = contingency.end
        execution = Execution(desk, index, contingency, model=self._model, ids=ids)
        self._match = execution.match
        self._arrive = execution.arrive
        boundary = self._settings.day_boundary
        sessions = self._sessions = Sessions(desk, index, contingency, boundary)
        self._advance = sessions.advance
        self._open_session = sessions.open_session
        self._session_open = sessions.is_open
        self._factory = OrderFactory(ids)

    # ------------------------------------------------------------------ state in and out

    @classmethod
    def restore(
        cls,
        state: BrokerState,
        instruments: Mapping[str, Instrument],
        *,
        ids: IdFactory,
        settings: BrokerSettings | None = None,
        checks: Sequence[PreTradeCheck] = (),
    ) -> Broker:
        broker = cls(instruments, ids=ids, settings=settings, checks=checks)
        for ledger in state.ledgers:
            broker._accounts[ledger.account_id] = AccountState(ledger)
            broker._sessions.track(ledger.trading_day)
        for tick in state.quotes:
            if (book := broker._book(tick.symbol)) is not None:
                book.quote = tick
        for position in state.positions:
            broker._accounts[position.account_id].positions[position.symbol] = position
        for order in sorted(state.orders, key=lambda o: o.seq):
            broker._put(order)
        broker._factory.next_seq = max([state.next_seq, *(o.seq + 1 for o in state.orders)])
        return broker

    def snapshot(self) -> BrokerState:
        accounts = self._accounts.values()
        return BrokerState(
            ledgers=tuple(a.ledger for a in accounts),
            orders=tuple(self._orders.values()),
            positions=tuple(p for a in accounts for p in a.positions.values()),
            quotes=self.quotes(),
            next_seq=self._factory.next_seq,
        )

    def open_account(self, account_id: str, starting_balance: Decimal, now: float) -> list[Event]:
        """Start trading an account; a no-op for one the broker already has."""
        if account_id in self._accounts:
            return []
        day = self._sessions.trading_day(now)
        ledger = Ledger(account_id, starting_balance, day, updated_at=now)
        self._accounts[account_id] = AccountState(ledger)
        self._sessions.track(day)
        return [AccountChanged(ledger, now)]

    def reset_account(self, account_id: str, starting_balance: Decimal, now: float) -> list[Event]:
        """Start the account over: open orders canceled, positions gone without a fill (the
        closed period keeps their history), a fresh ledger at `starting_balance`."""
        events = self.advance(now)
        account = self._accounts.get(account_id)
        if account is None:
            return events + self.open_account(account_id, starting_balance, now)
        self._cancel_all(account, None, now, events, CancelReason.account_reset)
        for symbol, position in list(account.positions.items()):
            if position.qty or position.realized_pnl:
                fresh = Position(account_id, symbol, updated_at=now)
                account.positions[symbol] = fresh
                events.append(PositionChanged(fresh, now))
        day = self._sessions.trading_day(now)
        account.ledger = Ledger(account_id, starting_balance, day, updated_at=now)
        events.append(AccountChanged(account.ledger, now))
        return events

    # ------------------------------------------------------------------ queries

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(OrderId(order_id))

    def order_by_client_id(self, account_id: str, client_order_id: str) -> Order | None:
        return self._index.by_client_id(account_id, client_order_id)

    def orders(self, account_id: str, *, open_only: bool = False) -> list[Order]:
        return self._index.of_account(account_id, open_only=open_only)

    def legs(self, order_id: str) -> list[Order]:
        """A bracket entry's legs, take profit first."""
        return self._index.legs(OrderId(order_id))

    def position(self, account_id: str, symbol: str) -> Position | None:
        account = self._accounts.get(account_id)
        return account.positions.get(symbol) if account else None

    def positions(self, account_id: str) -> list[Position]:
        """The account's open positions."""
        account = self._accounts.get(account_id)
        return [p for p in account.positions.values() if p.qty] if account else []

    def account(self, account_id: str) -> AccountSnapshot | None:
        account = self._accounts.get(account_id)
        return None if account is None else self._valuation(account)

    def quote(self, symbol: str) -> Tick | None:
        return self._desk.quote(symbol)

    def quotes(self) -> tuple[Tick, ...]:
        """The last quote of every symbol that has one."""
        return tuple(b.quote for b in self._books.values() if b.quote is not None)

    # ------------------------------------------------------------------ inputs

    def apply(self, command: Command, now: float) -> list[Event]:
        """Apply one command at time `now` (expiring what is due first)."""
        events = self.advance(now)
        account = self._accounts.get(command.account_id)
        if account is None:
            events.append(CommandRejected(command.account_id, command, _R.ACCOUNT_NOT_FOUND, now))
            return events
        match command:
            case SubmitOrder():
                self._submit(account, command, now, events)
            case ModifyOrder():
                self._modify(account, command, now, events)
            case CancelOrder():
                self._cancel(account, command, now, events)
            case CancelAllOrders():
                instrument = self._catalogue.get(command.symbol) if command.symbol else None
                symbol = instrument.symbol if instrument else command.symbol
                self._cancel_all(account, symbol, now, events, CancelReason.requested)
            case ClosePosition():
                self._close(account, command, command.symbol, command.qty, now, events)
            case CloseAllPositions():
                self._cancel_all(account, None, now, events, CancelReason.position_closed)
                for position in list(account.positions.values()):
                    if position.qty:
                        self._close(account, command, position.symbol, None, now, events)
        return events

    def on_tick(self, tick: Tick) -> list[Event]:
        """Record the quote; trail, trigger and fill what it reaches (after what time made due)."""
        ts = tick.ts
        expiries = self._expiries
        if ts >= self._sessions.next_roll or (expiries and expiries[0][0] <= ts):
            events = self._advance(ts)
        else:
            events = []
        book = self._books.get(tick.symbol)
        if book is None and (book := self._book(tick.symbol)) is None:
            return events
        previous, book.quote = book.quote, tick
        if book.session_start <= ts < book.session_end or self._open_session(book, ts):
            due = book.due(tick, on_touch=self._model.fill_on_touch)
            if due is not None:
                self._match(due, tick, previous, events)
        return events

    def advance(self, now: float) -> list[Event]:
        """Let time pass: roll the trading day, expire day orders whose session has closed."""
        return self._advance(now)

    # ------------------------------------------------------------------ commands

    def _submit(
        self,
        account: AccountState,
        command: SubmitOrder,
        now: float,
        events: list[Event],
        *,
        checked: bool = True,
    ) -> None:
        client_order_id = command.client_order_id
        if client_order_id is None:
            client_order_id = self._ids()
        instrument = self._catalogue.get(command.symbol)
        # What cannot be looked up again (or stored) is refused without a record.
        if not storable(client_order_id, MAX_CLIENT_ORDER_ID):
            invalid = _R.INVALID_CLIENT_ORDER_ID
            events.append(CommandRejected(command.account_id, command, invalid, now))
            return
        if instrument is None and not storable(command.symbol, MAX_SYMBOL):
            events.append(CommandRejected(command.account_id, command, _R.UNKNOWN_SYMBOL, now))
            return
        symbol = instrument.symbol if instrument else command.symbol
        print_ = fingerprint(command, symbol)
        existing = self._index.by_client_id(account.account_id, client_order_id)
        if existing is not None:
            if existing.fingerprint != print_:
                conflict = _R.DUPLICATE_CLIENT_ORDER_ID
                events.append(CommandRejected(command.account_id, command, conflict, now))
            return  # a retry: the order exists already, nothing happens
        book = self._book(symbol)
        quote = book.quote if book is not None else None
        reason: str | None = submit_reason(command, client_order_id, instrument, quote)
        in_session = book is not None and self._session_open(book, now)
        if reason is None and not in_session and not self._settings.queue_outside_session:
            reason = _R.MARKET_CLOSED
        if reason is None and quote is None and _needs_quote(command):
            reason = _R.NO_QUOTE
        group = self._factory.build(command, client_order_id, symbol, print_, instrument, now)
        if reason is None and quote is not None:  # working trailing stops start from last
            group = [self._anchored(o, quote.last) if o.is_working else o for o in group]
        entry = group[0]
        if reason is None:
            valuation = self._valuation(account)
            reason = self._buying_power_reason(account, valuation, entry, entry.qty)
            if reason is None and checked and self._checks:
                checks = (check(valuation, entry) for check in self._checks)
                reason = next(filter(None, checks), None)
        if reason is not None:
            # Recorded alone: its legs are never created, so it links to none.
            rejected = replace(
                entry, status=OrderStatus.rejected, reject_reason=reason, sibling_id=None
            )
            self._put(rejected)
            events.append(OrderRejected(rejected, now))
            return
        for order in group:
            self._put(order)
            events.append(OrderAccepted(order, now))
        if in_session and quote is not None:
            for order in group:
                current = self._orders[order.id]
                if current.is_working:
                    self._arrive(current, quote, now, events)
        elif entry.time_in_force in (TimeInForce.ioc, TimeInForce.fok):
            # nothing can fill at once without a market: an immediate order ends here
            cause = CancelReason.ioc if entry.time_in_force is TimeInForce.ioc else CancelReason.fok
            self._end(self._orders[entry.id], OrderStatus.canceled, now, events, cause)

    def _modify(
        self, account: AccountState, command: ModifyOrder, now: float, events: list[Event]
    ) -> None:
        order = self._index.owned(account.account_id, command.order_id)
        if order is None or not order.is_open:
            missing = _R.ORDER_NOT_FOUND if order is None else _R.ORDER_NOT_MODIFIABLE
            events.append(CommandRejected(command.account_id, command, missing, now))
            return
        instrument = self._instruments[order.symbol]
        if reason := modify_reason(order, command, instrument):
            events.append(CommandRejected(command.account_id, command, reason, now))
            return
        changes: dict[str, object] = dict(modified_prices(order, command))
        if order.type is OrderType.trailing_stop:
            changes["stop_price"] = order.stop_price
        if command.qty is not None:
            changes["qty"] = command.qty
        if command.time_in_force is not None:
            changes["time_in_force"] = command.time_in_force
            changes["expires_at"] = expiry(instrument, command.time_in_force, now)
        modified = order.amended(now, **changes)
        if modified.type is OrderType.trailing_stop and modified.water_mark is not None:
            modified = self._anchored(modified, modified.water_mark)
        reason = self._contingency.group_reason(modified)
        if reason is None and modified.is_working:
            added = modified.open_qty - account.counted.get(order.id, modified.open_qty)
            if added > 0:
                valuation = self._valuation(account)
                reason = self._buying_power_reason(account, valuation, modified, added)
        if reason is not None:
            events.append(CommandRejected(command.account_id, command, reason, now))
            return
        self._put(modified)
        events.append(OrderReplaced(modified, now))
        self._contingency.follow_entry(modified, now, events)
        book = self._books[modified.symbol]
        if modified.is_working and book.quote is not None and self._session_open(book, now):
            self._arrive(modified, book.quote, now, events)

    def _cancel(
        self, account: AccountState, command: CancelOrder, now: float, events: list[Event]
    ) -> None:
        order = self._index.owned(account.account_id, command.order_id)
        if order is None or not order.is_open:
            reason = _R.ORDER_NOT_FOUND if order is None else _R.ORDER_NOT_CANCELABLE
            events.append(CommandRejected(command.account_id, command, reason, now))
            return
        self._end(order, OrderStatus.canceled, now, events)

    def _cancel_all(
        self,
        account: AccountState,
        symbol: str | None,
        now: float,
        events: list[Event],
        reason: CancelReason,
    ) -> None:
        for order_id in self._index.open_ids(account.account_id):
            order = self._orders[order_id]
            if order.is_open and (symbol is None or order.symbol == symbol):
                self._end(order, OrderStatus.canceled, now, events, reason)

    def _close(
        self,
        account: AccountState,
        command: Command,
        symbol: str,
        qty: Decimal | None,
        now: float,
        events: list[Event],
    ) -> None:
        instrument = self._catalogue.get(symbol)
        position = account.positions.get(instrument.symbol) if instrument else None
        if instrument is None or position is None or position.qty == 0:
            events.append(CommandRejected(command.account_id, command, _R.POSITION_NOT_FOUND, now))
            return
        size = abs(position.qty)
        if qty is not None and (quantity_reason(qty, instrument) or qty > size):
            events.append(CommandRejected(command.account_id, command, _R.INVALID_QUANTITY, now))
            return
        book = self._books[instrument.symbol]
        if not self._session_open(book, now) and not self._settings.queue_outside_session:
            # refused whole: canceling its exits first would leave the position naked
            events.append(CommandRejected(command.account_id, command, _R.MARKET_CLOSED, now))
            return
        if qty is None or qty == size:
            self._cancel_all(account, instrument.symbol, now, events, CancelReason.position_closed)
        side = OrderSide.sell if position.qty > 0 else OrderSide.buy
        flatten = SubmitOrder(
            command.account_id,
            instrument.symbol,
            side,
            size if qty is None else qty,
            time_in_force=TimeInForce.gtc,
        )
        # Risk rules never block a close: it is how a tripwire flattens a locked account.
        self._submit(account, flatten, now, events, checked=False)

    # ------------------------------------------------------------------ the market

    # ------------------------------------------------------------------ derived state

    def _buying_power_reason(
        self, account: AccountState, valuation: AccountSnapshot, order: Order, added: Decimal
    ) -> str | None:
        instrument = self._instruments[order.symbol]
        return account.buying_power_reason(valuation, instrument, order.side, added)


def _needs_quote(command: SubmitOrder) -> bool:
    """Market orders fill against a quote; trailing stops anchor their water mark on one."""
    if command.type in (OrderType.market, OrderType.trailing_stop):
        return True
    stop_loss = command.stop_loss
    oco = command.order_class is OrderClass.oco
    return oco and stop_loss is not None and stop_loss.type is OrderType.trailing_stop
