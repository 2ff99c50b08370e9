"""Tripwires: how close an account is to each limit, the breach that flattens or locks it,
and the state changes a breach, a trade and a session roll make."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from propdesk.domain.instruments import Instrument
from propdesk.domain.ledger import AccountSnapshot, Marked
from propdesk.domain.orders import ZERO, Order
from propdesk.domain.risk.checks import exposure
from propdesk.domain.risk.rules import DrawdownMode, RiskAction, RuleSet
from propdesk.domain.risk.state import Lock, RiskCode, RiskState, iso_week


class TripwireStatus(StrEnum):
    ok = "ok"
    warning = "warning"
    """At least `warning_ratio` of the limit used."""
    breached = "breached"


@dataclass(frozen=True, slots=True)
class Tripwire:
    name: str
    status: TripwireStatus
    value: Decimal
    limit: Decimal
    remaining: Decimal
    """How much more the value may move before the limit (negative: past it)."""


@dataclass(frozen=True, slots=True)
class Breach:
    """A limit reached: what the engine must do (flatten, lock) and until when."""

    code: RiskCode
    reason: str
    action: RiskAction
    until: float | None
    """When a lock it makes lifts; None: for good."""


def max_loss_floor(rules: RuleSet, state: RiskState) -> Decimal | None:
    """The equity at or below which the account fails; None without a maximum loss."""
    return rules.loss_floor(state.starting_balance, state.balance_high)


def _status(used: Decimal, limit: Decimal, ratio: Decimal, *, reached: bool) -> TripwireStatus:
    if used > limit or (reached and used >= limit):
        return TripwireStatus.breached
    return TripwireStatus.warning if used >= ratio * limit else TripwireStatus.ok


def tripwires(
    rules: RuleSet,
    state: RiskState,
    valuation: AccountSnapshot,
    *,
    instruments: Mapping[str, Instrument] | None = None,
    working: Iterable[Order] = (),
) -> list[Tripwire]:
    """Every enforced limit and how much of it is used, in a fixed order: daily_loss,
    max_loss, contracts, trades_today, trades_week, consecutive_red_days.

    Losses and counts are breached when they reach their limit (that is what trips them);
    contracts when they pass it (holding exactly the cap is allowed). `contracts` needs the
    instruments (the weights) and is left out without them; it is the worst case of the
    positions and `working` orders, as the pre-trade check counts it.
    """
    ratio = rules.warning_ratio
    found: list[Tripwire] = []
    if (daily := rules.daily_loss_limit) is not None:
        lost = max(ZERO, -valuation.pnl_today)
        status = _status(lost, daily, ratio, reached=True)
        found.append(Tripwire("daily_loss", status, lost, daily, daily - lost))
    floor = max_loss_floor(rules, state)
    if floor is not None and rules.max_loss is not None:
        room = valuation.equity - floor
        status = _status(rules.max_loss - room, rules.max_loss, ratio, reached=True)
        found.append(Tripwire("max_loss", status, valuation.equity, floor, room))
    if rules.max_contracts is not None and instruments is not None:
        held = sum(exposure(rules, valuation.positions, working, instruments).values(), ZERO)
        cap = Decimal(rules.max_contracts)
        status = _status(held, cap, ratio, reached=False)
        found.append(Tripwire("contracts", status, held, cap, cap - held))
    counts = (
        ("trades_today", state.trades_today, rules.max_trades_per_day),
        ("trades_week", state.trades_week, rules.max_trades_per_week),
        ("consecutive_red_days", state.consecutive_red_days, rules.max_consecutive_red_days),
    )
    for name, count, most in counts:
        if most is not None:
            used, cap = Decimal(count), Decimal(most)
            status = _status(used, cap, ratio, reached=True)
            found.append(Tripwire(name, status, used, cap, cap - used))
    return found


def money(amount: Decimal, currency: str = "USD") -> str:
    """`$1,012.40`, `-$5.00`; another currency as `1,012.40 EUR`."""
    figure = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}${figure}" if currency == "USD" else f"{sign}{figure} {currency}"


def utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CONSEQUENCE = {
    RiskAction.notify: "a warning only: trading continues",
    RiskAction.liquidate: "positions closed and orders canceled; new positions are refused "
    "until the next session",
    RiskAction.liquidate_and_lock: "positions closed and orders canceled; locked until the "
    "next session",
}


def breach(
    rules: RuleSet,
    state: RiskState,
    valuation: Marked,
    *,
    now: float,
    next_roll: float,
    currency: str = "USD",
) -> Breach | None:
    """The limit this valuation breaches, the maximum loss first, or None.

    Maximum loss: equity ≤ the floor → liquidate and lock for good (until None). Daily loss:
    P&L today ≤ −limit → the rule set's `daily_loss_action`, until `next_roll` (the session
    roll, UNIX seconds). A breach is reported on every valuation that shows it; `now` is
    the valuation's time (a breach seen at or after `next_roll` belongs to the next day).
    """
    floor = max_loss_floor(rules, state)
    if floor is not None and valuation.equity <= floor:
        static, start = rules.drawdown is DrawdownMode.static, state.starting_balance
        base = start if static else state.balance_high
        reason = (
            f"maximum loss: equity {money(valuation.equity, currency)} is at or below the "
            f"floor of {money(floor, currency)} (maximum loss "
            f"{money(rules.max_loss or ZERO, currency)} from "
            f"{'the starting balance' if static else 'a high'} of {money(base, currency)}"
            f"{', stopped at the starting balance' if not static and floor == start else ''}"
            "); positions closed, locked for good"
        )
        return Breach(RiskCode.MAX_LOSS_LIMIT, reason, RiskAction.liquidate_and_lock, None)
    limit = rules.daily_loss_limit
    if limit is not None and valuation.pnl_today <= -limit and now < next_roll:
        action = rules.daily_loss_action
        reason = (
            f"daily loss limit: lost {money(-valuation.pnl_today, currency)} today, limit "
            f"{money(limit, currency)}; {_CONSEQUENCE[action]} ({utc(next_roll)})"
        )
        return Breach(RiskCode.DAILY_LOSS_LIMIT, reason, action, next_roll)
    return None


def locked(state: RiskState, breach: Breach, now: float) -> RiskState:
    """`state` with the lock `breach` makes: only `liquidate_and_lock` locks. A lock for
    good is never shortened; of two that lift, the later one stays."""
    if breach.action is not RiskAction.liquidate_and_lock:
        return state
    current = state.lock
    if current is not None and (
        current.until is None or (breach.until is not None and current.until >= breach.until)
    ):
        return state
    lock = Lock(breach.code.value, breach.reason, now, breach.until)
    return replace(state, lock=lock, updated_at=now)


def traded(state: RiskState, now: float) -> RiskState:
    """One more trade today and this week (the engine counts an order that opened or added
    to a position when it first fills)."""
    return replace(
        state,
        trades_today=state.trades_today + 1,
        trades_week=state.trades_week + 1,
        updated_at=now,
    )


def intraday_high(rules: RuleSet, state: RiskState, equity: Decimal) -> RiskState:
    """For `DrawdownMode.intraday` only: the high is the highest equity seen."""
    if rules.drawdown is not DrawdownMode.intraday or equity <= state.balance_high:
        return state
    return replace(state, balance_high=equity)


def rolled(
    rules: RuleSet, state: RiskState, *, end_balance: Decimal, day: date, now: float
) -> RiskState:
    """The state on trading day `day`, after the session that closed at `end_balance`.

    The day's P&L (end balance − day-start balance) counts a red day when negative, resets
    the count on a green day and leaves it on a flat one. End-of-day mode trails the high
    (the floor then stops at the start through `loss_floor`). The day's trade count starts
    again, the week's when the ISO week changes. A lock that lifts by `now` lifts; one for
    good stays. Reaching `max_consecutive_red_days` locks for good, until an admin resets
    the account: a streak of losing days is a judgement a person makes, not a clock.
    """
    pnl = end_balance - state.day_start_balance
    red = state.consecutive_red_days
    red = red + 1 if pnl < 0 else (0 if pnl > 0 else red)
    high = state.balance_high
    if rules.drawdown is DrawdownMode.end_of_day:
        high = max(high, end_balance)
    week = iso_week(day)
    lock = state.lock
    if lock is not None and lock.lifted(now):
        lock = None
    most = rules.max_consecutive_red_days
    if most is not None and pnl < 0 and red >= most and (lock is None or lock.until is not None):
        reason = (
            f"{red} red days in a row (the limit is {most}); locked until an admin resets "
            "the account"
        )
        lock = Lock(RiskCode.CONSECUTIVE_RED_DAYS.value, reason, now, None)
    return replace(
        state,
        trading_day=day,
        balance_high=high,
        day_start_balance=end_balance,
        trades_today=0,
        week=week,
        trades_week=state.trades_week if week == state.week else 0,
        week_start_balance=state.week_start_balance if week == state.week else end_balance,
        consecutive_red_days=red,
        best_day=max(state.best_day, pnl),
        total_profit=state.total_profit + pnl,
        lock=lock,
        updated_at=now,
    )


def profit_target_progress(
    rules: RuleSet, state: RiskState, balance: Decimal
) -> tuple[Decimal, Decimal] | None:
    """(profit over the starting balance, the target); None without a target."""
    if rules.profit_target is None:
        return None
    return balance - state.starting_balance, rules.profit_target


def consistency(state: RiskState) -> Decimal | None:
    """The best day's share of the total profit (0.5: half of it made in one day); None
    while the total profit is not positive."""
    if state.total_profit <= 0:
        return None
    return state.best_day / state.total_profit
