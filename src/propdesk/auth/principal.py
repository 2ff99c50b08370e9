"""Who is calling, with what credential, and what that allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from propdesk.domain.accounts import ALL_SCOPES, Role, Scope, may_write
from propdesk.store.models import User


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    """The user's row, loaded in the request's session (its role is always current)."""
    credential: Literal["token", "api_key"]
    scopes: frozenset[Scope] = ALL_SCOPES
    api_key_id: int | None = None

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.admin

    @property
    def can_write(self) -> bool:
        return may_write(self.user.role, self.scopes)
