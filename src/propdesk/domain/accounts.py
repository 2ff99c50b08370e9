"""Who may do what, and the prop-firm rule sets a paper account is opened under."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Role(StrEnum):
    """Ordered: an admin may do what a trader may, a trader what a viewer may."""

    viewer = "viewer"
    trader = "trader"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.viewer: 0, Role.trader: 1, Role.admin: 2}


class Scope(StrEnum):
    """What a credential may do: `read` only reads, `trade` also writes (and implies read)."""

    read = "read"
    trade = "trade"


ALL_SCOPES = frozenset(Scope)


def may_write(role: Role, scopes: frozenset[Scope]) -> bool:
    """Writes need both a role above viewer and a credential scoped for trading."""
    return role.at_least(Role.trader) and Scope.trade in scopes


class AccountStatus(StrEnum):
    active = "active"
    locked = "locked"
    """Locked by a risk tripwire (the risk issue); a reset makes the account active again."""


class DrawdownMode(StrEnum):
    """What the maximum loss trails."""

    end_of_day = "end_of_day"
    """The highest end-of-day balance (Topstep's rule)."""
    intraday = "intraday"
    """The highest balance reached at any moment, open profit included."""
    static = "static"
    """Nothing: the floor stays at the starting balance minus the maximum loss."""


CURRENCY = re.compile(r"^[A-Z]{3}$")
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The parameters of a prop-firm evaluation; enforcing them belongs to the risk rules.

    A limit that is None is not enforced: `RuleSet(CUSTOM)` has none at all.
    """

    name: str
    daily_loss_limit: Decimal | None = None
    max_loss: Decimal | None = None
    drawdown: DrawdownMode = DrawdownMode.end_of_day
    """What `max_loss` trails."""
    locks_at_starting_balance: bool = True
    """The trailing floor stops rising once it reaches the starting balance."""
    max_contracts: int | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a rule set needs a name")
        for field in ("daily_loss_limit", "max_loss"):
            value = getattr(self, field)
            if value is None:
                continue
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise ValueError(f"{field} must be a positive finite Decimal, not {value!r}")
        contracts = self.max_contracts
        if contracts is not None and (isinstance(contracts, bool) or contracts < 1):
            raise ValueError(f"max_contracts must be at least 1, not {contracts!r}")

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

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict: money as strings, so that no float ever touches it; a limit
        that is not enforced is null (every key is always there)."""
        return {
            "name": self.name,
            "daily_loss_limit": _money_json(self.daily_loss_limit),
            "max_loss": _money_json(self.max_loss),
            "drawdown": self.drawdown.value,
            "locks_at_starting_balance": self.locks_at_starting_balance,
            "max_contracts": self.max_contracts,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleSet:
        """What `to_json` wrote, before limits were optional too (every limit a value)."""
        contracts = data.get("max_contracts")
        return cls(
            name=str(data["name"]),
            daily_loss_limit=_money(data.get("daily_loss_limit")),
            max_loss=_money(data.get("max_loss")),
            drawdown=DrawdownMode(data.get("drawdown", DrawdownMode.end_of_day)),
            locks_at_starting_balance=bool(data.get("locks_at_starting_balance", True)),
            max_contracts=None if contracts is None else int(contracts),
        )


def _money_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _money(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True, slots=True)
class Preset:
    """A named rule set with the account size and currency it is sold with."""

    rule_set: RuleSet
    starting_balance: Decimal
    currency: str = "USD"

    @property
    def name(self) -> str:
        return self.rule_set.name


def _topstep(size: int, daily: int, trailing: int, contracts: int) -> Preset:
    return Preset(
        rule_set=RuleSet(
            name=f"topstep-{size // 1000}k",
            daily_loss_limit=Decimal(daily),
            max_loss=Decimal(trailing),
            drawdown=DrawdownMode.end_of_day,
            locks_at_starting_balance=True,
            max_contracts=contracts,
        ),
        starting_balance=Decimal(size),
    )


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            _topstep(50_000, 1_000, 2_000, 5),
            _topstep(100_000, 2_000, 3_000, 10),
            _topstep(150_000, 3_000, 4_500, 15),
        )
    }
)


def preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown rule-set preset {name!r}") from None
