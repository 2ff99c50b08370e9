"""What the risk rules remember of an account between valuations: its high, its counters,
its lock. The engine stores one per account; every change makes a new value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from propdesk.domain.orders import ZERO
from propdesk.domain.risk.rules import RuleSet


class RiskCode(StrEnum):
    """Why a risk rule refused an order or tripped: the `code` a rejection carries."""

    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    MAX_CONTRACTS = "MAX_CONTRACTS"
    DAILY_LOSS_LIMIT = "DAILY_LOSS_LIMIT"
    MAX_LOSS_LIMIT = "MAX_LOSS_LIMIT"
    MAX_TRADES = "MAX_TRADES"
    OUTSIDE_TRADING_WINDOW = "OUTSIDE_TRADING_WINDOW"
    """The instrument's family is outside its trading window (`RuleSet.windows`)."""
    CONSECUTIVE_RED_DAYS = "CONSECUTIVE_RED_DAYS"


@dataclass(frozen=True, slots=True)
class Lock:
    """Why and until when the account may not add exposure (reducing is always allowed)."""

    code: str
    """A RiskCode value, e.g. DAILY_LOSS_LIMIT."""
    reason: str
    """Plain words for a trader, with the figures."""
    at: float
    """UNIX seconds."""
    until: float | None
    """When it lifts (the next session roll); None: for good, until an admin resets it."""

    def lifted(self, now: float) -> bool:
        return self.until is not None and self.until <= now


def iso_week(day: date) -> str:
    """`2026-W49`: the ISO year and week of `day` (weeks start on Monday)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class RiskState:
    account_id: str
    trading_day: date
    starting_balance: Decimal
    balance_high: Decimal
    """End-of-day balance high (intraday mode: the highest equity seen)."""
    day_start_balance: Decimal
    """The balance when the trading day began."""
    trades_today: int = 0
    week: str = ""
    """ISO year-week of `trading_day`, e.g. "2026-W49"."""
    trades_week: int = 0
    week_start_balance: Decimal | None = None
    """The balance when the ISO week of `trading_day` began (its first roll, or the account's
    opening); None in a state stored before it was kept, until the next week starts."""
    consecutive_red_days: int = 0
    best_day: Decimal = ZERO
    """The best closed day's P&L (for consistency)."""
    total_profit: Decimal = ZERO
    """The sum of the closed days' P&L."""
    lock: Lock | None = None
    updated_at: float | None = None
    flattened_at: float | None = None
    """UNIX seconds up to which the trading windows' ends have been carried out (their
    positions flattened): the next end after it is the next to do. None (a state stored
    before windows had ends): from `updated_at`."""
    pending_rules: RuleSet | None = None
    """Rules the owner chose, enforced from the next trading day (the roll puts them in
    force); None when no change waits."""

    @classmethod
    def new(cls, account_id: str, starting_balance: Decimal, day: date, now: float) -> RiskState:
        """An account just opened (or reset) on trading day `day`."""
        return cls(
            account_id=account_id,
            trading_day=day,
            starting_balance=starting_balance,
            balance_high=starting_balance,
            day_start_balance=starting_balance,
            week=iso_week(day),
            week_start_balance=starting_balance,
            updated_at=now,
            flattened_at=now,
        )

    @property
    def can_trade(self) -> bool:
        """May add exposure; a locked account may still reduce and close."""
        return self.lock is None
