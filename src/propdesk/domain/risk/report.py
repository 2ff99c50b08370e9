"""An account's standing against its rules at one moment: what REST and the WebSocket show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from propdesk.domain.instruments import Instrument
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import Order
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.risk.state import Lock, RiskState
from propdesk.domain.risk.tripwires import (
    Tripwire,
    consistency,
    max_loss_floor,
    profit_target_progress,
    tripwires,
)


@dataclass(frozen=True, slots=True)
class RiskReport:
    rules: RuleSet
    state: RiskState
    tripwires: tuple[Tripwire, ...]
    daily_pnl: Decimal
    max_loss_floor: Decimal | None
    profit_target: tuple[Decimal, Decimal] | None
    """(progress so far, the target), as `tripwires.profit_target_progress` gives it."""
    consistency: Decimal | None

    @property
    def account_id(self) -> str:
        return self.state.account_id

    @property
    def can_trade(self) -> bool:
        return self.state.lock is None

    @property
    def lock(self) -> Lock | None:
        return self.state.lock

    @property
    def reason(self) -> str | None:
        return None if self.state.lock is None else self.state.lock.reason


def risk_report(
    rules: RuleSet,
    state: RiskState,
    valuation: AccountSnapshot,
    instruments: Mapping[str, Instrument],
    working: Iterable[Order],
) -> RiskReport:
    found = tripwires(rules, state, valuation, instruments=instruments, working=working)
    return RiskReport(
        rules=rules,
        state=state,
        tripwires=tuple(found),
        daily_pnl=valuation.pnl_today,
        max_loss_floor=max_loss_floor(rules, state),
        profit_target=profit_target_progress(rules, state, valuation.balance),
        consistency=consistency(state),
    )


DEFAULT_RISK_PER_TRADE = Decimal("0.01")
"""R, the money one trade risks, as a share of the starting balance, for an account that
sets no R of its own."""
_R_PLACES = Decimal("0.01")


def default_risk_per_trade(starting_balance: Decimal) -> Decimal:
    """R for an account that started at `starting_balance`: 1% of it."""
    return starting_balance * DEFAULT_RISK_PER_TRADE


def risk_per_trade(starting_balance: Decimal, own: Decimal | None) -> Decimal:
    """An account's R: its own (`own`, in money) when it set one, else the default."""
    return default_risk_per_trade(starting_balance) if own is None else own


def in_r(amount: Decimal, r: Decimal) -> Decimal:
    """`amount` in multiples of R, to two places (half to even)."""
    return (amount / r).quantize(_R_PLACES, rounding=ROUND_HALF_EVEN)
