"""The prop-firm rule sets a paper account is opened under, and the firms' presets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from propdesk.domain.instruments import AssetClass, Instrument
from propdesk.domain.orders import ZERO
from propdesk.domain.risk.windows import Calendar, TradingWindow, futures_until

CUSTOM = "custom"
ONE = Decimal(1)


class DrawdownMode(StrEnum):
    """What the maximum loss trails."""

    end_of_day = "end_of_day"
    """The highest end-of-day balance (Topstep's rule)."""
    intraday = "intraday"
    """The highest balance reached at any moment, open profit included."""
    static = "static"
    """Nothing: the floor stays at the starting balance minus the maximum loss."""


class RiskAction(StrEnum):
    """What a breached daily loss limit does to the account."""

    notify = "notify"
    """Tell the trader; the account keeps trading."""
    liquidate = "liquidate"
    """Flatten the positions and cancel the working orders; the account keeps trading."""
    liquidate_and_lock = "liquidate_and_lock"
    """Flatten, cancel, and refuse new exposure until the lock lifts (Topstep's rule)."""


_MONEY = ("daily_loss_limit", "max_loss", "profit_target")
_COUNTS = (
    "max_contracts",
    "max_contracts_per_symbol",
    "max_trades_per_day",
    "max_trades_per_week",
    "max_consecutive_red_days",
)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The parameters of a prop-firm evaluation; `domain.risk.checks` and `tripwires`
    enforce them.

    A limit that is None is not enforced: `RuleSet(CUSTOM)` has none at all. Contract caps
    count futures only, a micro as `micro_weight` of a contract (Topstep: ten micros are one
    mini); stocks and crypto count nothing toward them (see `contracts`).
    """

    name: str
    daily_loss_limit: Decimal | None = None
    max_loss: Decimal | None = None
    drawdown: DrawdownMode = DrawdownMode.end_of_day
    """What `max_loss` trails."""
    locks_at_starting_balance: bool = True
    """The trailing floor stops rising once it reaches the starting balance."""
    max_contracts: int | None = None
    """Weighted contracts across every symbol, working orders worst-cased."""
    daily_loss_action: RiskAction = RiskAction.liquidate_and_lock
    max_contracts_per_symbol: int | None = None
    micro_weight: Decimal = Decimal("0.1")
    max_trades_per_day: int | None = None
    max_trades_per_week: int | None = None
    """Trades in the ISO week of the trading day."""
    max_consecutive_red_days: int | None = None
    warning_ratio: Decimal = Decimal("0.8")
    """The share of a limit used at which its tripwire warns."""
    profit_target: Decimal | None = None
    """Profit over the starting balance that passes the evaluation; never enforced."""
    calendar: Calendar = Calendar.cme
    """The trading day the rules are measured over, and when it rolls (`risk.windows`)."""
    windows: tuple[TradingWindow, ...] = ()
    """At most one per asset class: when new exposure in it is accepted, and when it is
    flattened. A family without one trades whenever its market is open."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a rule set needs a name")
        for field in _MONEY:
            value = getattr(self, field)
            if value is None:
                continue
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise ValueError(f"{field} must be a positive finite Decimal, not {value!r}")
        for field in _COUNTS:
            count = getattr(self, field)
            if count is not None and (
                isinstance(count, bool) or not isinstance(count, int) or count < 1
            ):
                raise ValueError(f"{field} must be at least 1, not {count!r}")
        for field in ("micro_weight", "warning_ratio"):
            ratio = getattr(self, field)
            if not isinstance(ratio, Decimal) or not ratio.is_finite() or not ZERO < ratio <= ONE:
                raise ValueError(f"{field} must be a Decimal in (0, 1], not {ratio!r}")
        if not isinstance(self.daily_loss_action, RiskAction):
            raise ValueError(
                f"daily_loss_action must be a RiskAction, not {self.daily_loss_action!r}"
            )
        if not isinstance(self.calendar, Calendar):
            raise ValueError(f"calendar must be a Calendar, not {self.calendar!r}")
        families = [window.asset_class for window in self.windows]
        if len(set(families)) != len(families):
            raise ValueError("at most one trading window per asset class")

    def window(self, asset_class: AssetClass) -> TradingWindow | None:
        """The trading window of `asset_class`, if the rules set one."""
        for window in self.windows:
            if window.asset_class is asset_class:
                return window
        return None

    def loss_floor(self, starting_balance: Decimal, balance_high: Decimal) -> Decimal | None:
        """The balance at or below which the account fails, given the high it trails; None
        without a maximum loss (no balance fails the account)."""
        if self.max_loss is None:
            return None
        if self.drawdown is DrawdownMode.static:
            return starting_balance - self.max_loss
        floor = max(balance_high, starting_balance) - self.max_loss
        if self.locks_at_starting_balance:
            return min(floor, starting_balance)
        return floor

    def contracts(self, instrument: Instrument, qty: Decimal) -> Decimal:
        """`qty` of `instrument` in contracts toward the caps: |qty| for futures, × the
        micro weight for a micro, and 0 for anything but futures (stocks, crypto)."""
        if instrument.asset_class is not AssetClass.futures:
            return ZERO
        weight = self.micro_weight if instrument.micro else ONE
        return abs(qty) * weight

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict: money and ratios as strings, so that no float ever touches
        them; a limit that is not enforced is null (every key is always there)."""
        return {
            "name": self.name,
            "daily_loss_limit": _decimal_json(self.daily_loss_limit),
            "max_loss": _decimal_json(self.max_loss),
            "drawdown": self.drawdown.value,
            "locks_at_starting_balance": self.locks_at_starting_balance,
            "max_contracts": self.max_contracts,
            "daily_loss_action": self.daily_loss_action.value,
            "max_contracts_per_symbol": self.max_contracts_per_symbol,
            "micro_weight": str(self.micro_weight),
            "max_trades_per_day": self.max_trades_per_day,
            "max_trades_per_week": self.max_trades_per_week,
            "max_consecutive_red_days": self.max_consecutive_red_days,
            "warning_ratio": str(self.warning_ratio),
            "profit_target": _decimal_json(self.profit_target),
            "calendar": self.calendar.value,
            "windows": [window.to_json() for window in self.windows],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleSet:
        """What `to_json` wrote, also before limits were optional (every limit a value),
        before the rules after `max_contracts` existed (a missing one takes its default), and
        before trading windows (a `flatten_at` is the futures window that ends then)."""
        defaults = _DEFAULTS
        windows = tuple(TradingWindow.from_json(w) for w in data.get("windows") or ())
        if not windows and data.get("flatten_at") is not None:
            windows = (futures_until(time.fromisoformat(str(data["flatten_at"]))),)
        return cls(
            name=str(data["name"]),
            daily_loss_limit=_decimal(data.get("daily_loss_limit")),
            max_loss=_decimal(data.get("max_loss")),
            drawdown=DrawdownMode(data.get("drawdown", DrawdownMode.end_of_day)),
            locks_at_starting_balance=bool(data.get("locks_at_starting_balance", True)),
            max_contracts=_count(data.get("max_contracts")),
            daily_loss_action=RiskAction(data.get("daily_loss_action", defaults.daily_loss_action)),
            max_contracts_per_symbol=_count(data.get("max_contracts_per_symbol")),
            micro_weight=_ratio(data.get("micro_weight"), defaults.micro_weight),
            max_trades_per_day=_count(data.get("max_trades_per_day")),
            max_trades_per_week=_count(data.get("max_trades_per_week")),
            max_consecutive_red_days=_count(data.get("max_consecutive_red_days")),
            warning_ratio=_ratio(data.get("warning_ratio"), defaults.warning_ratio),
            profit_target=_decimal(data.get("profit_target")),
            calendar=Calendar(data.get("calendar", Calendar.cme)),
            windows=windows,
        )


_DEFAULTS = RuleSet(CUSTOM)


def _decimal_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _ratio(value: Any, default: Decimal) -> Decimal:
    return default if value is None else Decimal(str(value))


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class Preset:
    """A named rule set with the account size and currency it is sold with."""

    rule_set: RuleSet
    starting_balance: Decimal
    currency: str = "USD"

    @property
    def name(self) -> str:
        return self.rule_set.name


def _topstep(size: int, daily: int, trailing: int, contracts: int, target: int) -> Preset:
    """Topstep's Trading Combine as published: end-of-day trailing maximum loss that locks
    at the starting balance, a daily loss limit that flattens and locks until the next
    session, a cap in minis (ten micros count as one), futures from the 17:00 open and flat
    by 15:10 in Chicago."""
    return Preset(
        rule_set=RuleSet(
            name=f"topstep-{size // 1000}k",
            daily_loss_limit=Decimal(daily),
            max_loss=Decimal(trailing),
            drawdown=DrawdownMode.end_of_day,
            locks_at_starting_balance=True,
            max_contracts=contracts,
            daily_loss_action=RiskAction.liquidate_and_lock,
            micro_weight=Decimal("0.1"),
            profit_target=Decimal(target),
            calendar=Calendar.cme,
            windows=(futures_until(time(15, 10)),),
        ),
        starting_balance=Decimal(size),
    )


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            _topstep(50_000, 1_000, 2_000, 5, 3_000),
            _topstep(100_000, 2_000, 3_000, 10, 6_000),
            _topstep(150_000, 3_000, 4_500, 15, 9_000),
        )
    }
)


def preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown rule-set preset {name!r}") from None
