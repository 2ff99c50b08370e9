"""The paper broker: the trading state machine of all the accounts of one engine shard.

One object spans the shard's accounts so that a tick costs what it fires, not what is
working: the working orders of every account sit in one SymbolBook per symbol. Accounts never
trade with each other; each order fills against the quotes alone.

The engine drives it with `apply(command, now)`, `on_tick(tick)` and `advance(now)` (expiries
and the trading-day roll when no tick comes), each returning the events in the order they
happened, and rebuilds it on start with `Broker.restore(state, …)` from plain dataclasses.

`Broker` is the facade; each part owns its state and gets its collaborators at construction:
`Desk` (instruments, accounts, books), `OrderIndex` (orders and what derives from them),
`Contingency` (bracket and OCO rules), `Execution` (matching and fills), `Sessions` (the day
roll, expiry, session checks) and `OrderEntry` (the commands).

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from propdesk.domain.account_state import AccountState
from propdesk.domain.bars import Tick
from propdesk.domain.commands import CancelAllOrders, CloseAllPositions, ClosePosition, Command
from propdesk.domain.contingency import Contingency
from propdesk.domain.desk import Desk
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    AccountChanged,
    CancelReason,
    CommandRejected,
    Event,
    PositionChanged,
    RiskChanged,
)
from propdesk.domain.execution import Execution
from propdesk.domain.instruments import Instrument
from propdesk.domain.journal import DEFAULT_STOP_WINDOW, RoundTrip
from propdesk.domain.journaling import Journaling
from propdesk.domain.ledger import AccountSnapshot, DayBoundary, Ledger
from propdesk.domain.matching import FillModel
from propdesk.domain.order_entry import OrderEntry, PreTradeCheck
from propdesk.domain.order_factory import OrderFactory
from propdesk.domain.order_index import OrderIndex
from propdesk.domain.orders import IdFactory, Order, OrderId
from propdesk.domain.positions import MarkPrice, Position, mark_price
from propdesk.domain.risk.guard import RiskGuard
from propdesk.domain.risk.rules import RiskAction, RuleSet
from propdesk.domain.risk.state import RiskState
from propdesk.domain.risk.triggers import Position as RiskPosition
from propdesk.domain.sessions import Sessions

__all__ = ["Broker", "BrokerSettings", "BrokerState", "PreTradeCheck"]


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    fill_model: FillModel = field(default_factory=FillModel)
    """Fill on touch, slippage, top-of-book size."""
    queue_outside_session: bool = False
    """Accept orders while the market is closed; they work from the session's first tick."""
    mark: MarkPrice = MarkPrice.quote
    """What open positions are valued at: the closing side of the quote, or the last trade."""
    day_boundary: DayBoundary = field(default_factory=DayBoundary)
    """When "today" rolls over for the P&L-today figures of an account without rules (17:00
    in Chicago); an account with rules rolls at its rules' calendar."""
    stop_window: float = DEFAULT_STOP_WINDOW
    """Seconds after a round trip opens in which a stop placed on it is its initial stop."""


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
    rules: tuple[tuple[str, RuleSet], ...] = ()
    """The rule set of each account that has one (an account without is not guarded)."""
    risk: tuple[RiskState, ...] = ()
    """Stored risk states; an account with rules but none starts a fresh one."""
    trips: tuple[RoundTrip, ...] = ()
    """The open round trips of the journal."""
    trip_seqs: tuple[tuple[str, str, int], ...] = ()
    """(account, symbol, the number of its last trip), closed ones included."""


class Broker:
    """The facade the engine drives. It wires the parts together and keeps, bound as plain
    attributes, only what its own methods (the tick path above all) reach every time."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        *,
        ids: IdFactory,
        settings: BrokerSettings | None = None,
        checks: Sequence[PreTradeCheck] = (),
    ) -> None:
        settings = settings or BrokerSettings()
        model = settings.fill_model
        desk = self._desk = Desk(instruments, settings.mark)
        index = self._index = OrderIndex(desk)
        contingency = Contingency(desk, index)
        execution = Execution(desk, index, contingency, model=model, ids=ids)
        self._factory = OrderFactory(ids)
        guard = self._risk = RiskGuard(
            desk.instruments,
            lambda account_id: index.of_account(account_id, open_only=True),
            lambda: sessions.next_roll,
            settings.day_boundary,
            retrack=lambda account_id, day: sessions.track(account_id, day),
        )
        sessions = self._sessions = Sessions(desk, index, contingency, guard.boundary_of)
        self._entry = OrderEntry(
            desk,
            index,
            contingency,
            sessions,
            execution,
            factory=self._factory,
            ids=ids,
            checks=(self._risk.check, *checks),
            queue_outside_session=settings.queue_outside_session,
        )
        self._journaling = Journaling(desk.instruments, stop_window=settings.stop_window)
        self._watched = self._journaling.watched
        self._marks = desk.marks
        self._risk_crossed = self._risk.triggers.crossed
        self._mark_mode = settings.mark
        self._by_quote = settings.mark is MarkPrice.quote
        self._accounts = desk.accounts
        self._books = desk.books
        self._book = desk.book
        self._orders = index.orders
        self._expiries = index.expiries
        self._advance = sessions.advance
        self._open_session = sessions.open_session
        self._match = execution.match
        self._on_touch = model.fill_on_touch

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
        broker._journaling = Journaling(
            broker._desk.instruments,
            trips=state.trips,
            last_seq={(a, s): n for a, s, n in state.trip_seqs},
            stop_window=(settings or BrokerSettings()).stop_window,
        )
        broker._watched = broker._journaling.watched
        for ledger in state.ledgers:
            broker._accounts[ledger.account_id] = AccountState(ledger)
        for tick in state.quotes:
            if (book := broker._book(tick.symbol)) is not None:
                book.quote = tick
        for position in state.positions:
            broker._accounts[position.account_id].positions[position.symbol] = position
        for order in sorted(state.orders, key=lambda o: o.seq):
            broker._index.put(order)
        broker._factory.next_seq = max([state.next_seq, *(o.seq + 1 for o in state.orders)])
        stored = {risk.account_id: risk for risk in state.risk}
        for account_id, rules in state.rules:
            account = broker._accounts.get(account_id)
            if account is None:
                continue
            ledger = account.ledger
            risk = stored.get(account_id) or RiskState.new(
                account_id, ledger.starting_balance, ledger.trading_day, ledger.updated_at or 0.0
            )
            broker._risk.track(rules, risk)
            for position in account.positions.values():
                broker._risk.hold(account_id, position.symbol, position.qty)
            # Checked on the next tick of what it holds, then armed from its figures.
            held = broker._marked_positions(account)
            broker._risk.triggers.arm(account_id, None, held, always=True)
        for account_id, account in broker._accounts.items():  # each at its rules' boundary
            broker._sessions.track(account_id, account.ledger.trading_day)
        return broker

    def snapshot(self) -> BrokerState:
        accounts = self._accounts.values()
        return BrokerState(
            ledgers=tuple(a.ledger for a in accounts),
            orders=tuple(self._orders.values()),
            positions=tuple(p for a in accounts for p in a.positions.values()),
            quotes=self.quotes(),
            next_seq=self._factory.next_seq,
            rules=self._risk.all_rules(),
            risk=self._risk.states(),
            trips=self._journaling.open_trips(),
            trip_seqs=tuple((a, s, n) for (a, s), n in self._journaling.last_seq().items()),
        )

    def open_account(
        self,
        account_id: str,
        starting_balance: Decimal,
        now: float,
        rules: RuleSet | None = None,
    ) -> list[Event]:
        """Start trading an account, guarded by `rules` if it has any; a no-op for one the
        broker already has."""
        if account_id in self._accounts:
            return []
        day = self._risk.boundary(rules).trading_day(now)
        ledger = Ledger(account_id, starting_balance, day, updated_at=now)
        self._accounts[account_id] = AccountState(ledger)
        events: list[Event] = [AccountChanged(ledger, now)]
        if rules is not None:
            risk = RiskState.new(account_id, starting_balance, day, now)
            self._risk.track(rules, risk)
            events.append(RiskChanged(risk, rules, now))
        self._sessions.track(account_id, day)
        return events

    def reset_account(self, account_id: str, starting_balance: Decimal, now: float) -> list[Event]:
        """Start the account over: open orders canceled, positions gone without a fill (the
        closed period keeps their history), a fresh ledger at `starting_balance`."""
        events = self._advance(now)
        account = self._accounts.get(account_id)
        if account is None:
            return events + self.open_account(account_id, starting_balance, now)
        self._entry.cancel_all(account, None, now, events, CancelReason.account_reset)
        events.extend(self._journaling.reset(account_id, now))
        for symbol, position in list(account.positions.items()):
            if position.qty or position.realized_pnl:
                fresh = Position(account_id, symbol, updated_at=now)
                account.positions[symbol] = fresh
                events.append(PositionChanged(fresh, now))
        day = self._risk.boundary_of(account_id).trading_day(now)
        account.ledger = Ledger(account_id, starting_balance, day, updated_at=now)
        events.append(AccountChanged(account.ledger, now))
        rules = self._risk.rules(account_id)
        if rules is not None:  # a new period: the risk state starts over too, unlocked
            pending = self._risk.state(account_id)
            self._risk.forget(account_id)
            risk = RiskState.new(account_id, starting_balance, day, now)
            if pending is not None and pending.pending_rules is not None:
                # A change of the rules still waits for the next trading day.
                risk = replace(risk, pending_rules=pending.pending_rules)
            self._risk.track(rules, risk)
            events.append(RiskChanged(risk, rules, now))
        self._sessions.track(account_id, day)
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
        return None if account is None else self._desk.valuation(account)

    def quote(self, symbol: str) -> Tick | None:
        return self._desk.quote(symbol)

    def quotes(self) -> tuple[Tick, ...]:
        """The last quote of every symbol that has one."""
        return tuple(b.quote for b in self._books.values() if b.quote is not None)

    # ------------------------------------------------------------------ inputs

    def apply(self, command: Command, now: float) -> list[Event]:
        """Apply one command at time `now` (expiring what is due first)."""
        events = self._advance(now)
        account = self._accounts.get(command.account_id)
        if account is None:
            missing = RejectReason.ACCOUNT_NOT_FOUND
            events.append(CommandRejected(command.account_id, command, missing, now))
            return events
        if now >= self._risk.next_flatten:
            self._flatten_due(now, events)
        self._entry.apply(account, command, now, events)
        self._guarded(events, now)
        self._journaling.record(events)
        return events

    def on_tick(self, tick: Tick) -> list[Event]:
        """Record the quote; trail, trigger and fill what it reaches (after what time made due)."""
        ts = tick.ts
        expiries = self._expiries
        if ts >= self._sessions.next_roll or (expiries and expiries[0][0] <= ts):
            events = self._advance(ts)
        else:
            events = []
        if ts >= self._risk.next_flatten:
            self._flatten_due(ts, events)
        book = self._books.get(tick.symbol)
        if book is None and (book := self._book(tick.symbol)) is None:
            return events
        previous, book.quote = book.quote, tick
        # Sessions.is_open inlined: the cached session answers almost every tick.
        if book.session_start <= ts < book.session_end or self._open_session(book, ts):
            due = book.due(tick, on_touch=self._on_touch)
            if due is not None:
                self._match(due, tick, previous, events)
        if tick.symbol in self._watched:  # a symbol with open trips: MAE and MFE
            if self._by_quote:
                self._journaling.quote(tick.symbol, tick.bid, tick.ask)
            else:
                self._journaling.quote(tick.symbol, tick.last, tick.last)
        if events:
            self._guarded(events, ts, tick)
            self._journaling.record(events)
        else:  # the common tick: two comparisons with the nearest triggers, or none
            if self._by_quote:
                crossed = self._risk_crossed(tick.symbol, tick.bid, tick.ask)
            else:
                crossed = self._risk_crossed(tick.symbol, tick.last, tick.last)
            if crossed:
                self._check(crossed, events, ts)
        return events

    def advance(self, now: float) -> list[Event]:
        """Let time pass: roll the trading day, expire day orders whose session has closed."""
        events = self._advance(now)
        if now >= self._risk.next_flatten:
            self._flatten_due(now, events)
        if events:
            self._guarded(events, now)
            self._journaling.record(events)
        return events

    def _flatten_due(self, now: float, events: list[Event]) -> None:
        """Each account one of whose trading windows has ended: that family's positions
        closed at market and its working orders canceled (other families trade on)."""
        instruments = self._desk.instruments
        for account_id, families in self._risk.flatten_due(now):
            account = self._accounts.get(account_id)
            if account is None:
                continue
            working = self._index.of_account(account_id, open_only=True)
            symbols = {p.symbol for p in account.positions.values() if p.qty}
            symbols |= {o.symbol for o in working}
            for symbol in sorted(symbols):
                if instruments[symbol].asset_class not in families:
                    continue
                position = account.positions.get(symbol)
                if position is not None and position.qty:
                    command: Command = ClosePosition(account_id, symbol)
                else:
                    command = CancelAllOrders(account_id, symbol)
                self._entry.apply(account, command, now, events)
            events.extend(self._risk.flattened(account_id, now))

    def risk(self, account_id: str) -> RiskState | None:
        """The account's risk state; None for an account without rules."""
        return self._risk.state(account_id)

    def unlock(self, account_id: str, now: float) -> list[Event]:
        """Lift the account's lock (an admin's decision); a no-op when it has none."""
        return self._risk.unlock(account_id, now)

    def change_rules(
        self, account_id: str, rules: RuleSet, at_once: bool, now: float
    ) -> list[Event]:
        """Change the account's rules: now (`at_once`: an admin's change, and the account is
        judged by them in this same step), or from its next trading day (the owner's: they
        wait in the risk state's `pending_rules` until the roll). Time passes first, so a
        roll that is due happens under the old rules. A no-op for an account without rules,
        and for the owner's change while the account is locked."""
        events = self.advance(now)
        changed = self._risk.change_rules(account_id, rules, at_once, now)
        events.extend(changed)
        account = self._accounts.get(account_id)
        if at_once and changed and account is not None:
            self._check([account_id], events, now)
        return events

    def _guarded(self, events: list[Event], now: float, tick: Tick | None = None) -> None:
        """The risk rules after a step: count trades, roll, then check every guarded account
        whose P&L moved (a fill, the roll, or a mark that crossed one of its triggers)."""
        guard = self._risk
        produced, moved = guard.observe(events, now)
        events.extend(produced)
        if tick is not None and (crossed := self._crossed(tick)):
            moved |= crossed
        if moved:
            self._check(moved, events, now)

    def _crossed(self, tick: Tick) -> set[str] | None:
        if self._by_quote:
            return self._risk_crossed(tick.symbol, tick.bid, tick.ask)
        return self._risk_crossed(tick.symbol, tick.last, tick.last)

    def _check(self, moved: Iterable[str], events: list[Event], now: float) -> None:
        """A breach, in this same step: working orders canceled, positions closed at market,
        the lock set. An account found clear is armed again from its new figures."""
        guard = self._risk
        accounts, marks_of, evaluate = self._accounts, self._marks, guard.evaluate
        for account_id in moved:
            account = accounts.get(account_id)
            if account is None:
                continue
            marks = marks_of(account)
            found = evaluate(marks, now)
            if found is None:
                events.extend(guard.warnings(marks, now))
            if found is None or found.action is RiskAction.notify:
                guard.rearm(marks, self._marked_positions(account))
            if found is None:
                continue
            start = len(events)
            if found.action is not RiskAction.notify:
                self._entry.apply(account, CloseAllPositions(account_id), now, events)
            flattened, _ = guard.observe(events[start:], now)
            events.extend(flattened)
            events.extend(guard.breached(account_id, found, now))
            if found.action is not RiskAction.notify:
                guard.rearm(marks_of(account), self._marked_positions(account))

    def _marked_positions(self, account: AccountState) -> list[RiskPosition]:
        instruments, quote, mode = self._desk.instruments, self._desk.quote, self._mark_mode
        held = []
        for position in account.positions.values():
            if position.qty:
                last = quote(position.symbol)
                mark = None if last is None else mark_price(position.qty, last, mode)
                point_value = instruments[position.symbol].point_value
                held.append((position.symbol, position.qty, point_value, mark))
        return held
