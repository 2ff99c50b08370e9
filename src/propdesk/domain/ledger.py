"""The money of one paper account: balance, P&L today and in total, commissions, margin."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from propdesk.domain.orders import ZERO
from propdesk.domain.positions import Position


@dataclass(frozen=True, slots=True)
class DayBoundary:
    """When the account's trading day rolls over, for the "today" figures.

    One boundary per broker, whatever the instruments: by default the CME's, 17:00 in Chicago
    (Sunday 18:00 belongs to Monday). A trading day named D ends at `roll` on date D; with a
    roll at midnight it is simply the calendar day D.
    """

    timezone: str = "America/Chicago"
    roll: time = time(17)

    def trading_day(self, ts: float) -> date:
        local = datetime.fromtimestamp(ts, ZoneInfo(self.timezone))
        if self.roll != time(0) and local.time() >= self.roll:
            return local.date() + timedelta(days=1)
        return local.date()

    def end_of(self, day: date) -> float:
        """UNIX seconds at which trading day `day` rolls over into the next."""
        end_date = day + timedelta(days=1) if self.roll == time(0) else day
        return datetime.combine(end_date, self.roll, ZoneInfo(self.timezone)).timestamp()


@dataclass(frozen=True, slots=True)
class Ledger:
    """What an account has realized and paid; the state a repository stores per account."""

    account_id: str
    starting_balance: Decimal
    trading_day: date
    realized_pnl: Decimal = ZERO
    commissions: Decimal = ZERO
    realized_pnl_today: Decimal = ZERO
    commissions_today: Decimal = ZERO
    updated_at: float | None = None

    @property
    def balance(self) -> Decimal:
        return self.starting_balance + self.realized_pnl - self.commissions

    def with_fill(self, realized: Decimal, commission: Decimal, ts: float) -> Ledger:
        return replace(
            self,
            realized_pnl=self.realized_pnl + realized,
            commissions=self.commissions + commission,
            realized_pnl_today=self.realized_pnl_today + realized,
            commissions_today=self.commissions_today + commission,
            updated_at=ts,
        )

    def rolled(self, day: date, ts: float) -> Ledger:
        """The same ledger on trading day `day`: today's figures start again from zero."""
        return replace(
            self, trading_day=day, realized_pnl_today=ZERO, commissions_today=ZERO, updated_at=ts
        )


def symbol_margin(
    margin_per_contract: Decimal, position_qty: Decimal, buy_open: Decimal, sell_open: Decimal
) -> Decimal:
    """Margin one symbol ties up: for the position, or more if its working orders all fill.

    Working buys (`buy_open`) and sells (`sell_open`) are worst-cased one side at a time, so an
    exit order never adds margin and an order that would increase exposure does.
    """
    exposure = max(abs(position_qty + buy_open), abs(position_qty - sell_open))
    return margin_per_contract * exposure


class Marked(Protocol):
    """What the risk tripwires read of an account at the current marks: an AccountSnapshot,
    or the lighter AccountMarks the broker builds on every mark."""

    @property
    def account_id(self) -> str: ...

    @property
    def equity(self) -> Decimal: ...

    @property
    def pnl_today(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class AccountMarks:
    """An account's equity and P&L today at the current marks, without the margin and the
    positions an AccountSnapshot adds: the margin is a sum over every symbol the account
    works or holds, and a tick re-checks each guarded holder of its symbol, so the tick path
    must not pay for it."""

    ledger: Ledger
    unrealized_pnl: Decimal

    @property
    def account_id(self) -> str:
        return self.ledger.account_id

    @property
    def equity(self) -> Decimal:
        return self.ledger.balance + self.unrealized_pnl

    @property
    def pnl_today(self) -> Decimal:
        ledger = self.ledger
        return ledger.realized_pnl_today - ledger.commissions_today + self.unrealized_pnl


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An account valued at the current marks: what risk checks and the account API read.

    Unrealized P&L is measured from each position's entry (no daily settlement), so
    `pnl_today` = realized today − commissions today + unrealized.
    """

    ledger: Ledger
    unrealized_pnl: Decimal
    margin_used: Decimal
    positions: tuple[Position, ...]

    @property
    def account_id(self) -> str:
        return self.ledger.account_id

    @property
    def balance(self) -> Decimal:
        return self.ledger.balance

    @property
    def equity(self) -> Decimal:
        return self.ledger.balance + self.unrealized_pnl

    @property
    def buying_power(self) -> Decimal:
        """Equity not tied up as margin; an order needing more margin than this is rejected."""
        return self.equity - self.margin_used

    @property
    def realized_pnl(self) -> Decimal:
        return self.ledger.realized_pnl

    @property
    def commissions(self) -> Decimal:
        return self.ledger.commissions

    @property
    def pnl_today(self) -> Decimal:
        ledger = self.ledger
        return ledger.realized_pnl_today - ledger.commissions_today + self.unrealized_pnl

    @property
    def total_pnl(self) -> Decimal:
        return self.ledger.realized_pnl - self.ledger.commissions + self.unrealized_pnl
