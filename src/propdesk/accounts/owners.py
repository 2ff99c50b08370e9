"""Who owns which account: asked on every account-scoped request, and it never changes."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AccountRef:
    """An account the caller has been proven to own (or, as an admin, to reach)."""

    id: uuid.UUID
    owner_id: int


class AccountOwners:
    """A bounded memory of account → owner. Safe to keep without expiry: an account's owner
    is fixed when it is opened, and accounts are never handed over."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._max_entries = max_entries
        self._owners: OrderedDict[uuid.UUID, int] = OrderedDict()

    def get(self, account_id: uuid.UUID) -> int | None:
        return self._owners.get(account_id)

    def remember(self, account_id: uuid.UUID, owner_id: int) -> int:
        self._owners[account_id] = owner_id
        if len(self._owners) > self._max_entries:
            self._owners.popitem(last=False)
        return owner_id
