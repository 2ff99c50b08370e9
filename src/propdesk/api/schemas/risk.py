"""Risk: an account's standing against its rules, a change of its rules, its audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from propdesk.api.schemas.accounts import CustomRuleSetCreate, MoneyIn
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.risk import CUSTOM, RiskAction, RuleSet
from propdesk.domain.risk.report import RiskReport, in_r
from propdesk.wire.numbers import Number
from propdesk.wire.risk import RiskBase

Ratio = Annotated[Decimal, Field(gt=0, le=1, max_digits=5, decimal_places=4, allow_inf_nan=False)]
"""A share in (0, 1], to four decimal places."""


def _count(most: int, description: str) -> Any:
    return Field(default=None, ge=1, le=most, description=description)


class RiskRulesUpdate(CustomRuleSetCreate):
    """The account's rules, all of them (a PUT replaces them): the custom rule set of account
    creation with every rule the broker enforces. Each limit is optional: one left out (or
    null) is not enforced. The account's rule set is `custom` from then on."""

    model_config = ConfigDict(extra="forbid")

    name: Literal["custom"] = "custom"
    daily_loss_action: RiskAction = Field(
        default=RiskAction.liquidate_and_lock,
        description="What reaching the daily loss limit does.",
    )
    max_contracts_per_symbol: int | None = _count(10_000, "Omitted or null: no limit per symbol.")
    micro_weight: Ratio = Field(
        default=Decimal("0.1"), description="What one micro contract counts as (0.1: 10 = 1)."
    )
    max_trades_per_day: int | None = _count(
        10_000, "Omitted or null: no limit on the trades of a day."
    )
    max_trades_per_week: int | None = _count(
        50_000, "Omitted or null: no limit on the trades of an ISO week."
    )
    max_consecutive_red_days: int | None = _count(
        365, "Omitted or null: no limit on losing days in a row."
    )
    warning_ratio: Ratio = Field(
        default=Decimal("0.8"), description="A tripwire warns once this share of it is used."
    )
    profit_target: MoneyIn | None = Field(
        default=None, description="Reported, never enforced. Omitted or null: none."
    )

    def to_domain(self) -> RuleSet:
        return RuleSet(
            name=CUSTOM,
            daily_loss_limit=self.daily_loss_limit,
            daily_loss_action=self.daily_loss_action,
            max_loss=self.max_loss,
            drawdown=self.drawdown,
            locks_at_starting_balance=self.locks_at_starting_balance,
            max_contracts=self.max_contracts,
            max_contracts_per_symbol=self.max_contracts_per_symbol,
            micro_weight=self.micro_weight,
            max_trades_per_day=self.max_trades_per_day,
            max_trades_per_week=self.max_trades_per_week,
            max_consecutive_red_days=self.max_consecutive_red_days,
            warning_ratio=self.warning_ratio,
            profit_target=self.profit_target,
            calendar=self.calendar,
            windows=tuple(window.to_domain() for window in self.windows),
        )


class RiskRead(RiskBase):
    """Where the account stands against its prop-firm rules, at the current quotes."""


class RiskEventRead(BaseModel):
    """One entry of the audit log: a breach and what was done, a warning, an unlock."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    code: str = Field(examples=["DAILY_LOSS_LIMIT", "MAX_LOSS_LIMIT", "UNLOCKED"])
    action: str = Field(examples=["liquidate_and_lock", "liquidate", "notify"])
    reason: str


class AccountStatusRead(BaseModel):
    """The account at a glance: may it trade, and how its day stands in R."""

    model_config = ConfigDict(frozen=True)

    account_id: uuid.UUID
    system_state: Literal["active", "locked"] = Field(
        description="`locked`: a risk rule locked the account (`risk_reason` says why)."
    )
    can_trade: bool
    risk_reason: str | None = Field(description="Why trading is locked, when it is.")
    current_regime: str | None = Field(
        description="The market regime (`trend_up`, `trend_down`, `range`, `volatile`) of the "
        "symbol the account trades: its newest open trade's, else the first it auto-trades; "
        "null when it trades none, or while no classifier reads that symbol."
    )
    active_strategy: str | None = Field(
        description="The strategy trading the account: its newest open trade's, else, while "
        "it auto-trades, the first strategy it auto-trades; null otherwise (a trade placed "
        "by hand has none)."
    )
    risk_per_trade: Number = Field(
        description="R, the money one trade risks: the account's own `risk_per_trade` (set "
        "when it is opened or by `PATCH /accounts/{account_id}`), else 1% of the starting "
        "balance. Every `_r` figure here is in it."
    )
    daily_pnl_r: Number = Field(
        description="P&L today (realized − commissions + unrealized) ÷ R (`risk_per_trade`), "
        "to two places."
    )
    weekly_pnl_r: Number | None = Field(
        description="P&L this ISO week of trading days (equity − the balance when the week's "
        "first trading day began) ÷ R (`risk_per_trade`), to two places; null for an account "
        "without rules (no risk state keeps the week)."
    )
    current_r: Number = Field(
        description="The open positions' unrealized P&L ÷ R (`risk_per_trade`), to two places "
        "(0 when flat)."
    )
    consecutive_red_days: int = Field(description="Closed trading days in a row with a loss.")

    @classmethod
    def of(
        cls,
        report: RiskReport,
        valuation: AccountSnapshot,
        r: Decimal,
        *,
        current_regime: str | None = None,
        active_strategy: str | None = None,
    ) -> AccountStatusRead:
        """`r`: the account's R in money (`schemas.accounts.account_risk_per_trade`)."""
        return cls(
            account_id=uuid.UUID(report.account_id),
            system_state="active" if report.can_trade else "locked",
            can_trade=report.can_trade,
            risk_reason=report.reason,
            current_regime=current_regime,
            active_strategy=active_strategy,
            risk_per_trade=r,
            daily_pnl_r=in_r(report.daily_pnl, r),
            weekly_pnl_r=(
                None
                if report.state.week_start_balance is None
                else in_r(valuation.equity - report.state.week_start_balance, r)
            ),
            current_r=in_r(valuation.unrealized_pnl, r),
            consecutive_red_days=report.state.consecutive_red_days,
        )
