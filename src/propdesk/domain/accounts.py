"""Who may do what, and the states an account is in (its rules live in `domain.risk`)."""

from __future__ import annotations

import re
from enum import StrEnum


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


CURRENCY = re.compile(r"^[A-Z]{3}$")
