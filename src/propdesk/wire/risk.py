"""An account's risk standing as the server answers it, over REST and the WebSocket alike."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from propdesk.domain.instruments import AssetClass
from propdesk.domain.risk.report import RiskReport
from propdesk.domain.risk.rules import DrawdownMode, RiskAction, RuleSet
from propdesk.domain.risk.state import Lock
from propdesk.domain.risk.tripwires import Tripwire, TripwireStatus
from propdesk.domain.risk.windows import Calendar, TradingWindow, zone
from propdesk.wire.numbers import Number

_FROZEN = ConfigDict(frozen=True)


def _time(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


class TradingWindowModel(BaseModel):
    """When new exposure in one instrument family is accepted, and when it is flattened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    asset_class: AssetClass = Field(description="The instrument family: futures, stock, crypto.")
    start: time = Field(
        description="Local time the window opens. Later than `end`: it spans midnight.",
        examples=["17:00"],
    )
    end: time = Field(
        description="Local time the window closes: new exposure in the family is refused "
        "from then (`OUTSIDE_TRADING_WINDOW`) until `start`; reducing never is.",
        examples=["15:10"],
    )
    timezone: str = Field(default="America/Chicago", description="IANA time zone of the times.")
    flatten: bool = Field(
        default=True,
        description="At `end`, cancel the family's working orders and close its positions.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)  # ValueError naming the zone: a 422
        return value

    @field_validator("start", "end")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        if value.tzinfo is not None or value.second or value.microsecond:
            raise ValueError("a local time in whole minutes, like 15:10")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self

    @classmethod
    def of(cls, window: TradingWindow) -> Self:
        return cls(
            asset_class=window.asset_class,
            start=window.start,
            end=window.end,
            timezone=window.timezone,
            flatten=window.flatten,
        )

    def to_domain(self) -> TradingWindow:
        return TradingWindow(self.asset_class, self.start, self.end, self.timezone, self.flatten)


class RiskRulesRead(BaseModel):
    """The rules enforced; a limit that is null is not enforced."""

    model_config = _FROZEN

    name: str
    daily_loss_limit: Number | None
    daily_loss_action: RiskAction
    max_loss: Number | None = Field(description="The maximum loss, trailing per `drawdown`.")
    drawdown: DrawdownMode
    locks_at_starting_balance: bool
    max_contracts: int | None
    max_contracts_per_symbol: int | None
    micro_weight: Number = Field(description="What one micro contract counts as (0.1: 10 = 1).")
    max_trades_per_day: int | None
    max_trades_per_week: int | None
    max_consecutive_red_days: int | None
    warning_ratio: Number = Field(description="A tripwire warns once this share of it is used.")
    profit_target: Number | None
    calendar: Calendar = Field(
        description="The trading day the rules are measured over: `cme` ends at 17:00 "
        "America/Chicago, `crypto` is the UTC day (ends at 00:00 UTC)."
    )
    windows: list[TradingWindowModel] = Field(
        description="Trading windows, at most one per asset class; a family without one "
        "trades whenever its market is open."
    )

    @classmethod
    def of(cls, rules: RuleSet) -> Self:
        return cls(
            name=rules.name,
            daily_loss_limit=rules.daily_loss_limit,
            daily_loss_action=rules.daily_loss_action,
            max_loss=rules.max_loss,
            drawdown=rules.drawdown,
            locks_at_starting_balance=rules.locks_at_starting_balance,
            max_contracts=rules.max_contracts,
            max_contracts_per_symbol=rules.max_contracts_per_symbol,
            micro_weight=rules.micro_weight,
            max_trades_per_day=rules.max_trades_per_day,
            max_trades_per_week=rules.max_trades_per_week,
            max_consecutive_red_days=rules.max_consecutive_red_days,
            warning_ratio=rules.warning_ratio,
            profit_target=rules.profit_target,
            calendar=rules.calendar,
            windows=[TradingWindowModel.of(window) for window in rules.windows],
        )


class TripwireRead(BaseModel):
    model_config = _FROZEN

    name: str = Field(examples=["daily_loss", "max_loss", "contracts", "trades_today"])
    status: TripwireStatus
    value: Number
    limit: Number
    remaining: Number

    @classmethod
    def of(cls, tripwire: Tripwire) -> Self:
        return cls(
            name=tripwire.name,
            status=tripwire.status,
            value=tripwire.value,
            limit=tripwire.limit,
            remaining=tripwire.remaining,
        )


class LockRead(BaseModel):
    model_config = _FROZEN

    code: str = Field(examples=["DAILY_LOSS_LIMIT"])
    reason: str
    at: datetime
    until: datetime | None = Field(description="When it lifts; null: for good (until an admin).")

    @classmethod
    def of(cls, lock: Lock) -> Self:
        return cls(code=lock.code, reason=lock.reason, at=_time(lock.at), until=_time(lock.until))


class ProfitTargetRead(BaseModel):
    model_config = _FROZEN

    target: Number
    progress: Number


class RiskBase(BaseModel):
    """Where an account stands against its prop-firm rules, at the current quotes."""

    model_config = _FROZEN

    account_id: uuid.UUID
    can_trade: bool
    reason: str | None = Field(description="Why trading is locked, when it is.")
    rules: RiskRulesRead = Field(description="The rules in force now.")
    pending_rules: RiskRulesRead | None = Field(
        description="Rules the owner changed to, in force from the next trading day (the "
        "roll of `rules.calendar`); null when no change waits."
    )
    trading_day: date = Field(description="The trading day the figures of today belong to.")
    day_ends_at: datetime = Field(
        description="When it rolls: 17:00 America/Chicago on the `cme` calendar, 00:00 UTC "
        "on the `crypto` one. Daily locks lift and the counters of the day start again then."
    )
    tripwires: list[TripwireRead]
    daily_pnl: Number = Field(description="P&L today: realized − commissions + unrealized.")
    max_loss_floor: Number | None = Field(description="Equity at or below this fails the account.")
    balance_high: Number = Field(description="The high the maximum loss trails.")
    trades_today: int
    trades_week: int
    consecutive_red_days: int
    lock: LockRead | None
    profit_target: ProfitTargetRead | None
    consistency: float | None = Field(description="Best day ÷ total profit; null without profit.")
    updated_at: datetime | None

    @classmethod
    def of(cls, report: RiskReport) -> Self:
        state = report.state
        pending = state.pending_rules
        ratio = report.consistency
        target = None
        if report.profit_target is not None:
            progress, goal = report.profit_target
            target = ProfitTargetRead(target=goal, progress=progress)
        return cls(
            account_id=uuid.UUID(report.account_id),
            can_trade=report.can_trade,
            reason=report.reason,
            rules=RiskRulesRead.of(report.rules),
            pending_rules=None if pending is None else RiskRulesRead.of(pending),
            trading_day=state.trading_day,
            day_ends_at=datetime.fromtimestamp(
                report.rules.calendar.boundary.end_of(state.trading_day), UTC
            ),
            tripwires=[TripwireRead.of(t) for t in report.tripwires],
            daily_pnl=report.daily_pnl,
            max_loss_floor=report.max_loss_floor,
            balance_high=state.balance_high,
            trades_today=state.trades_today,
            trades_week=state.trades_week,
            consecutive_red_days=state.consecutive_red_days,
            lock=None if state.lock is None else LockRead.of(state.lock),
            profit_target=target,
            consistency=None if ratio is None else float(ratio),
            updated_at=_time(state.updated_at),
        )
