"""Verified credentials, remembered for a few seconds.

Checking a bearer token costs two queries (the user, the token family's revocation) and an
API key one more; on the order path that is most of a request's cost. A credential verified
once is trusted again for `ttl` seconds (never past the token's own expiry). Everything that
revokes in this process (sign-out, refresh-token reuse, a user disabled or changed, a key
revoked) clears the cache at once; another process (the CLI, a second server) is seen within
`ttl`. `ttl = 0` turns the cache off.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from propdesk.auth.principal import Principal


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    valid_until: float


class CredentialCache:
    def __init__(self, ttl: float, *, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    @staticmethod
    def key(kind: str, credential: str) -> str:
        """The credential is never kept: only its digest."""
        return kind + hashlib.sha256(credential.encode()).hexdigest()

    def get(self, key: str, now: float) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if now >= entry.valid_until:
            del self._entries[key]
            return None
        return entry.principal

    def put(self, key: str, principal: Principal, now: float, expires_at: float | None) -> None:
        if self.ttl <= 0:
            return
        valid_until = now + self.ttl
        if expires_at is not None:
            valid_until = min(valid_until, expires_at)
        self._entries[key] = _Entry(principal, valid_until)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Something was revoked: verify every credential afresh."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
