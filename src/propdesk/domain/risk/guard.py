"""The broker's risk side: each account's rules and risk state, consulted at four points
(pre-trade, after a fill, on a mark, at the day roll). It decides; the broker carries out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from math import inf

from propdesk.domain.events import (
    AccountChanged,
    Event,
    OrderFilled,
    PositionChanged,
    RiskBreached,
    RiskChanged,
)
from propdesk.domain.instruments import AssetClass, Instrument
from propdesk.domain.ledger import AccountSnapshot, DayBoundary, Marked
from propdesk.domain.orders import Order
from propdesk.domain.risk.checks import might_refuse, pre_trade_reason, reduces
from propdesk.domain.risk.rules import DrawdownMode, RiskAction, RuleSet
from propdesk.domain.risk.state import RiskCode, RiskState
from propdesk.domain.risk.triggers import Position, Triggers
from propdesk.domain.risk.tripwires import Breach, breach, intraday_high, locked, rolled, traded

RULES_CHANGED = "RULES_CHANGED"
"""The audit log's code for a change of an account's rules."""

DAILY_LOSS_WARNING = "DAILY_LOSS_WARNING"
MAX_LOSS_WARNING = "MAX_LOSS_WARNING"

Working = Callable[[str], Iterable[Order]]
"""An account's working orders."""


class RiskGuard:
    """Mutable, owned by the broker. An account without rules is not guarded at all."""

    __slots__ = (
        "_boundary",
        "_held",
        "_instruments",
        "_next_roll",
        "_notified",
        "_retrack",
        "_rules",
        "_states",
        "_warned",
        "_working",
        "next_flatten",
        "triggers",
    )

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        working: Working,
        next_roll: Callable[[], float],
        boundary: DayBoundary | None = None,
        retrack: Callable[[str, date], None] | None = None,
    ) -> None:
        self._boundary = boundary or DayBoundary()
        self._retrack = retrack or (lambda account_id, day: None)
        """Told of an account whose rules changed: its day may now roll at another boundary."""
        self.next_flatten = inf
        """The earliest end of a flattening trading window not yet carried out."""
        self._instruments = instruments
        self._working = working
        self._next_roll = next_roll
        self._rules: dict[str, RuleSet] = {}
        self._states: dict[str, RiskState] = {}
        self._held: dict[str, set[str]] = {}
        """By symbol, the guarded accounts with an open position in it: whether a fill
        opened a position or added to one (a trade) or only reduced it."""
        self._notified: set[tuple[str, str, object]] = set()
        """(account, code, trading day) of `notify` breaches already reported."""
        self._warned: set[tuple[str, str, object]] = set()
        """(account, warning code, trading day) of the warnings already given."""
        self.triggers = Triggers()
        """Which marks bring which accounts near a limit (see `risk.triggers`)."""

    # ------------------------------------------------------------------ accounts

    def track(self, rules: RuleSet, state: RiskState) -> None:
        self._rules[state.account_id] = rules
        self._states[state.account_id] = state
        self.next_flatten = min(self.next_flatten, self._flatten_time(rules, state))

    # ------------------------------------------------------------------ calendar and windows

    def boundary(self, rules: RuleSet | None) -> DayBoundary:
        """When the trading day of an account under `rules` rolls (`RuleSet.calendar`); the
        broker's own boundary for an account without rules."""
        return self._boundary if rules is None else rules.calendar.boundary

    def boundary_of(self, account_id: str) -> DayBoundary:
        return self.boundary(self._rules.get(account_id))

    def _flatten_time(self, rules: RuleSet, state: RiskState) -> float:
        """The first end of a flattening window after the last one carried out."""
        after = _carried_out(state)
        return min((w.next_end(after) for w in rules.windows if w.flatten), default=inf)

    def outside_window(self, account_id: str, asset_class: AssetClass, at: float) -> bool:
        """The account's window for `asset_class` is closed at `at`: no new exposure in it."""
        rules = self._rules.get(account_id)
        window = None if rules is None else rules.window(asset_class)
        return window is not None and not window.contains(at)

    def flatten_due(self, now: float) -> list[tuple[str, frozenset[AssetClass]]]:
        """The accounts one of whose windows has ended since the last flattening, with the
        families to flatten (each end once); marks them carried out up to `now`."""
        due = []
        upcoming = inf
        for account_id, state in self._states.items():
            rules = self._rules[account_id]
            if not rules.windows:
                continue
            after = _carried_out(state)
            ended = frozenset(
                w.asset_class for w in rules.windows if w.flatten and w.next_end(after) <= now
            )
            if ended:
                due.append((account_id, ended))
                state = self._states[account_id] = replace(state, flattened_at=now)
            upcoming = min(upcoming, self._flatten_time(rules, state))
        self.next_flatten = upcoming
        return due

    def flattened(self, account_id: str, now: float) -> list[Event]:
        state = self._states[account_id]
        events: list[Event] = []
        self._put(replace(state, updated_at=now), now, events)
        return events

    def forget(self, account_id: str) -> None:
        self.triggers.disarm(account_id)
        self._rules.pop(account_id, None)
        self._states.pop(account_id, None)
        for holders in self._held.values():
            holders.discard(account_id)

    def hold(self, account_id: str, symbol: str, qty: Decimal) -> None:
        if account_id not in self._rules:
            return
        holders = self._held.setdefault(symbol, set())
        if qty:
            holders.add(account_id)
        else:
            holders.discard(account_id)

    def state(self, account_id: str) -> RiskState | None:
        return self._states.get(account_id)

    def rules(self, account_id: str) -> RuleSet | None:
        return self._rules.get(account_id)

    def states(self) -> tuple[RiskState, ...]:
        return tuple(self._states.values())

    def all_rules(self) -> tuple[tuple[str, RuleSet], ...]:
        return tuple(self._rules.items())

    # ------------------------------------------------------------------ the four points

    def check(self, valuation: AccountSnapshot, order: Order) -> str | None:
        """Pre-trade (`PreTradeCheck`): the reason the rules refuse `order`, or None."""
        account_id = order.account_id
        rules = self._rules.get(account_id)
        if rules is None:
            return None
        state = self._states[account_id]
        instrument = self._instruments.get(order.symbol)
        window = None if instrument is None else rules.window(instrument.asset_class)
        closed = window is not None and not window.contains(order.updated_at)
        if not closed and not might_refuse(rules, state, valuation, order, self._instruments):
            return None  # the common order: no rule near, no working orders walked
        working = list(self._working(account_id))
        reason = pre_trade_reason(rules, state, valuation, order, working, self._instruments)
        if reason is None and closed and not reduces(order, valuation.positions, working):
            return RiskCode.OUTSIDE_TRADING_WINDOW
        return reason

    def observe(self, events: Iterable[Event], now: float) -> tuple[list[Event], set[str]]:
        """What the broker's events mean for risk: trades counted (a fill that opened or
        added to a position, once per order), holders kept, days rolled. Returns the risk
        events this produced and the accounts whose P&L moved (to evaluate)."""
        produced: list[Event] = []
        moved: set[str] = set()
        opening: dict[tuple[str, str], OrderFilled] = {}
        for event in events:
            if isinstance(event, OrderFilled):
                if event.order.account_id in self._rules:
                    opening[event.order.account_id, event.order.symbol] = event
            elif isinstance(event, PositionChanged):
                position = event.position
                account_id = position.account_id
                if account_id not in self._rules:
                    continue
                moved.add(account_id)
                before = account_id in self._held.get(position.symbol, ())
                self.hold(account_id, position.symbol, position.qty)
                filled = opening.pop((account_id, position.symbol), None)
                if filled is not None and _opens(filled, before, position.qty):
                    self._put(traded(self._states[account_id], now), now, produced)
            elif isinstance(event, AccountChanged):
                state = self._states.get(event.ledger.account_id)
                if state is not None:
                    moved.add(state.account_id)  # a fill's money, or the roll's new day
                if state is not None and event.ledger.trading_day > state.trading_day:
                    rules = self._rules[state.account_id]
                    end = event.ledger.balance
                    # The day that closed is judged by the rules it was traded under; a
                    # change the owner made waits for this roll and applies from here on.
                    fresh = rolled(
                        rules, state, end_balance=end, day=event.ledger.trading_day, now=now
                    )
                    if fresh.pending_rules is not None:
                        # Windows ended before are not the new rules' to carry out.
                        self._rules[state.account_id] = fresh.pending_rules
                        fresh = replace(fresh, pending_rules=None, flattened_at=now)
                        self._retrack(state.account_id, fresh.trading_day)
                    self._put(fresh, now, produced)
                    flatten = self._flatten_time(self._rules[state.account_id], fresh)
                    self.next_flatten = min(self.next_flatten, flatten)
        return produced, moved

    def evaluate(self, valuation: Marked, now: float) -> Breach | None:
        """On a fill or a mark: the breach the account's figures make now, if any (None for
        an account already locked: it was flattened when the lock was set)."""
        account_id = valuation.account_id
        rules = self._rules.get(account_id)
        if rules is None:
            return None
        state = self._states[account_id]
        high = intraday_high(rules, state, valuation.equity)
        if high is not state:
            self._states[account_id] = state = high
        if state.lock is not None:
            return None
        found = breach(rules, state, valuation, now=now, next_roll=self._next_roll())
        if found is not None and found.action is RiskAction.notify:
            # Nothing is done about it, so it would go off on every tick: say it once a day.
            key = (account_id, found.code, state.trading_day)
            if key in self._notified:
                return None
            self._notified.add(key)
        return found

    def rearm(self, marks: Marked, positions: Iterable[Position]) -> None:
        """After a check that found nothing to do: watch the account again from here."""
        account_id = marks.account_id
        rules = self._rules.get(account_id)
        state = self._states.get(account_id)
        if rules is None or state is None or state.lock is not None:
            self.triggers.disarm(account_id)
            return
        slacks = []
        limit = rules.daily_loss_limit
        notified = (account_id, RiskCode.DAILY_LOSS_LIMIT, state.trading_day) in self._notified
        if limit is not None and not notified:
            slacks.append(marks.pnl_today + limit)
        floor = rules.loss_floor(state.starting_balance, state.balance_high)
        if floor is not None:
            slacks.append(marks.equity - floor)
        for code, slack in self._warning_slacks(rules, state, marks):
            if (account_id, code, state.trading_day) not in self._warned and slack > 0:
                slacks.append(slack)
        trails = rules.max_loss is not None and rules.drawdown is DrawdownMode.intraday
        self.triggers.arm(account_id, min(slacks) if slacks else None, positions, trails)

    def _warning_slacks(
        self, rules: RuleSet, state: RiskState, marks: Marked
    ) -> list[tuple[str, Decimal]]:
        """How far each loss limit's warning is (`warning_ratio` of it used), in money."""
        ratio = rules.warning_ratio
        found = []
        if rules.daily_loss_limit is not None:
            found.append((DAILY_LOSS_WARNING, marks.pnl_today + ratio * rules.daily_loss_limit))
        floor = rules.loss_floor(state.starting_balance, state.balance_high)
        if floor is not None and rules.max_loss is not None:
            room = marks.equity - floor
            found.append((MAX_LOSS_WARNING, room - (1 - ratio) * rules.max_loss))
        return found

    def warnings(self, marks: Marked, now: float) -> list[Event]:
        """The warnings the account's figures reach now, each once a trading day: recorded
        in the audit log, and a `RiskChanged` so that the account's risk topic says so."""
        account_id = marks.account_id
        rules, state = self._rules.get(account_id), self._states.get(account_id)
        if rules is None or state is None or state.lock is not None:
            return []
        events: list[Event] = []
        for code, slack in self._warning_slacks(rules, state, marks):
            key = (account_id, code, state.trading_day)
            if slack <= 0 and key not in self._warned:
                self._warned.add(key)
                used = int(rules.warning_ratio * 100)
                what = "daily loss limit" if code == DAILY_LOSS_WARNING else "maximum loss"
                reason = f"{used}% of the {what} is used"
                events.append(RiskBreached(account_id, code, reason, RiskAction.notify, now))
        if events:
            self._put(replace(state, updated_at=now), now, events)
        return events

    def breached(self, account_id: str, found: Breach, now: float) -> list[Event]:
        """Record the breach, and the lock its action sets."""
        events: list[Event] = [
            RiskBreached(account_id, found.code, found.reason, found.action, now)
        ]
        state = self._states[account_id]
        after = locked(state, found, now)
        self._put(after, now, events)
        return events

    def unlock(self, account_id: str, now: float) -> list[Event]:
        state = self._states.get(account_id)
        if state is None or state.lock is None:
            return []
        events: list[Event] = [
            RiskBreached(account_id, "UNLOCKED", "unlocked by an admin", RiskAction.notify, now)
        ]
        self._put(replace(state, lock=None, updated_at=now), now, events)
        return events

    def change_rules(
        self, account_id: str, rules: RuleSet, at_once: bool, now: float
    ) -> list[Event]:
        """New rules for the account: in force now (`at_once`, an admin's change, which drops
        any change waiting), or waiting in the state's `pending_rules` for the next roll (the
        owner's, which replaces any change waiting). The owner may not change the rules of a
        locked account: nothing happens then. A no-op for an account without rules."""
        state = self._states.get(account_id)
        if state is None:
            return []
        if at_once:
            self._rules[account_id] = rules
            after = replace(state, pending_rules=None, updated_at=now, flattened_at=now)
            reason = "rules changed by an admin; in force now"
        elif state.lock is not None:
            return []
        else:
            after = replace(state, pending_rules=rules, updated_at=now)
            reason = "rules changed by the owner; in force from the next trading day"
        events: list[Event] = [
            RiskBreached(account_id, RULES_CHANGED, reason, RiskAction.notify, now)
        ]
        self._put(after, now, events)
        flatten = self._flatten_time(self._rules[account_id], after)
        self.next_flatten = min(self.next_flatten, flatten)
        if at_once:
            self._retrack(account_id, after.trading_day)
        return events

    def _put(self, state: RiskState, now: float, events: list[Event]) -> None:
        self._states[state.account_id] = state
        events.append(RiskChanged(state, self._rules[state.account_id], now))


def _carried_out(state: RiskState) -> float:
    return state.flattened_at if state.flattened_at is not None else state.updated_at or 0.0


def _opens(filled: OrderFilled, held_before: bool, qty_after: Decimal) -> bool:
    """A fill opened, added to or reversed the position (not a close or a reduction):
    counted once per order, on its first fill."""
    if filled.order.filled_qty != filled.fill.qty or not qty_after:
        return False
    return not held_before or (qty_after > 0) == (filled.order.side.sign > 0)
