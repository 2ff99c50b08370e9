"""Who is on a WebSocket, and whether they may read an account: the REST API's rules, through
the same services (auth.service verifies the credential, accounts.service finds the account).

Each check is its own short unit of work; nothing holds a database session while a
connection stays open. A private subscription verifies the credential again, so a revoked key,
a signed-out token or a disabled user cannot open new account topics on an old connection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.accounts import service as accounts_service
from propdesk.auth import service as auth_service
from propdesk.auth import tokens
from propdesk.auth.principal import Principal
from propdesk.config import Settings
from propdesk.domain.risk.report import risk_per_trade
from propdesk.errors import NotFoundError
from propdesk.store.db import Database
from propdesk.ws.topics import AccountGrant


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: int
    username: str
    role: str
    credential: str
    """`token` or `api_key`."""
    secret: str = field(repr=False)
    """What the client authenticated with, to verify it again for each account topic."""


class Access:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    async def authenticate(self, secret: str) -> Identity:
        """An access token or an API key; raises NotAuthenticatedError."""
        async with self.database.session() as session:
            principal = await _principal(session, self.settings, secret)
        return Identity(
            user_id=principal.user_id,
            username=principal.user.username,
            role=principal.role.value,
            credential=principal.credential,
            secret=secret,
        )

    async def authorize_account(self, identity: Identity, account_id: uuid.UUID) -> AccountGrant:
        """What the topics need of the account, read by the same look-up. Raises
        NotAuthenticatedError when the credential no longer holds, NotFoundError when the
        account is missing or someone else's (the same answer, as in REST)."""
        async with self.database.session() as session:
            principal = await _principal(session, self.settings, identity.secret)
            account = await accounts_service.get_account(session, account_id)
            if account.owner_id != principal.user_id and not principal.is_admin:
                raise NotFoundError(f"no account {account_id}")
            return AccountGrant(
                str(account.id), risk_per_trade(account.starting_balance, account.risk_per_trade)
            )


async def _principal(session: AsyncSession, settings: Settings, secret: str) -> Principal:
    now = datetime.now(UTC)
    if tokens.parse_api_key(secret) is not None:
        return await auth_service.principal_from_api_key(session, secret, now)
    principal, _ = await auth_service.principal_from_access_token(session, settings, secret, now)
    return principal
