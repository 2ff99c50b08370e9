"""Typed dependencies: the process's services, reached through the request, never globals."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.accounts import service as accounts_service
from propdesk.accounts.owners import AccountRef
from propdesk.auth import service as auth_service
from propdesk.auth.passwords import PasswordHasher
from propdesk.auth.principal import Principal
from propdesk.auth.ratelimit import Bucket, RateLimiter
from propdesk.config import Settings
from propdesk.errors import NotAuthenticatedError, NotFoundError, PermissionDeniedError
from propdesk.marketdata.catalogue import Catalogue
from propdesk.services import Services
from propdesk.store.db import Database
from propdesk.store.models import Account


async def get_services(request: Request) -> Services:
    return services_of(request)


def services_of(request: Request) -> Services:
    """Dependencies on the request path read the services straight off the request: every
    `Depends` layer costs FastAPI a walk of its subtree per request, and these run on every
    authenticated call (the order route among them). Read from the scope's lifespan state
    itself: `request.state` wraps it in a new object per request."""
    services: Services = request.scope["state"]["services"]
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


async def get_database(services: ServicesDep) -> Database:
    return services.database


async def get_catalogue(services: ServicesDep) -> Catalogue:
    return services.catalogue


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


# --- Identity and access -------------------------------------------------------------------


async def get_now() -> datetime:
    """The request's clock; tests override this dependency instead of sleeping."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(get_now)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the route returns (before the response
    is sent, hence scope="function"), rolled back when it raises.

    A route may commit early (the trading service does, before it waits for the engine, so
    that no lock of the request's stays held meanwhile); what follows is a new transaction.
    """
    async with services_of(request).database.sessions() as session:
        yield session  # an exception closes the session, which rolls the transaction back
        if session.in_transaction():  # most trading requests never touch it
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_hasher(services: ServicesDep) -> PasswordHasher:
    return services.hasher


async def get_rate_limiter(services: ServicesDep) -> RateLimiter:
    return services.limiter


HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


def client_ip(request: Request) -> str:
    """The peer's address (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


async def limit_by_ip(request: Request) -> None:
    await services_of(request).limiter.hit(Bucket.ip, client_ip(request))


RateLimitByIP = Depends(limit_by_ip)
"""For a router's `dependencies=[...]`: every request counts against its client IP."""

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    scheme_name="OAuth2Password",
    description="Sign in with a username and password; send `Authorization: Bearer <token>`.",
    auto_error=False,
)
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    scheme_name="APIKey",
    description="A key from `POST /api/v1/api-keys`, for bots: `X-API-Key: pd_…`.",
    auto_error=False,
)


PRINCIPAL_KEY = "propdesk.principal"
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]
ApiKeyDep = Annotated[str | None, Depends(api_key_scheme)]


async def _resolve_principal(
    request: Request, now: datetime, token: str | None, api_key: str | None
) -> Principal:
    """Who is calling, once per request (kept in the request's scope; not `request.state`,
    which can be the lifespan's own dict, shared by every request).

    A credential verified in the last few seconds is taken from the cache; otherwise it is
    checked in a short session of its own (an API key's last use is written there), so
    that the request's own session stays free of it.
    """
    known: Principal | None = request.scope.get(PRINCIPAL_KEY)
    if known is not None:
        return known
    services = services_of(request)
    credentials = services.credentials
    ts = now.timestamp()
    if token:
        key = credentials.key("token:", token)
        principal = credentials.get(key, ts)
        if principal is None:
            async with services.database.session() as session:
                principal, expires_at = await auth_service.principal_from_access_token(
                    session, services.settings, token, now
                )
            credentials.put(key, principal, ts, expires_at)
    elif api_key:
        key = credentials.key("key:", api_key)
        principal = credentials.get(key, ts)
        if principal is None:
            async with services.database.session() as session:
                principal = await auth_service.principal_from_api_key(session, api_key, now)
            credentials.put(key, principal, ts, None)
    else:
        raise NotAuthenticatedError(
            "authentication required: send `Authorization: Bearer <token>` or `X-API-Key`"
        )
    # One budget per user, however many keys and sign-ins share it.
    await services.limiter.hit(Bucket.user, str(principal.user_id))
    request.scope[PRINCIPAL_KEY] = principal
    return principal


async def get_principal(
    request: Request, now: Now, token: TokenDep, api_key: ApiKeyDep
) -> Principal:
    return await _resolve_principal(request, now, token, api_key)


CurrentUser = Annotated[Principal, Depends(get_principal)]


def check_writer(principal: Principal) -> Principal:
    if not principal.can_write:
        raise PermissionDeniedError(
            "read-only: writing needs the trader role and a credential with the `trade` scope",
            code="READ_ONLY",
        )
    return principal


async def require_writer(principal: CurrentUser) -> Principal:
    """(Cheap dependencies are `async def`: FastAPI runs plain `def` ones in a thread.)"""
    return check_writer(principal)


async def require_admin(principal: CurrentUser) -> Principal:
    if not principal.is_admin:
        raise PermissionDeniedError("this needs the admin role", code="ROLE_TOO_LOW")
    return principal


async def require_admin_writer(
    principal: Annotated[Principal, Depends(require_admin)],
) -> Principal:
    return check_writer(principal)


CurrentTrader = Annotated[Principal, Depends(require_writer)]
"""A caller who may write: trader or admin, by token or by a `trade`-scoped key."""
CurrentAdmin = Annotated[Principal, Depends(require_admin)]
CurrentAdminWriter = Annotated[Principal, Depends(require_admin_writer)]


async def get_owned_account_ref(
    account_id: Annotated[uuid.UUID, Path(description="The account's id.")],
    request: Request,
    now: Now,
    token: TokenDep,
    api_key: ApiKeyDep,
) -> AccountRef:
    """The one place account ownership is checked. Someone else's account answers exactly
    as a missing one does (404), so that ids reveal nothing.

    An account's owner never changes, so it is remembered after the first look: the order
    path pays no query for it. (Flat on purpose: FastAPI walks each `Depends` layer's
    subtree per request, and every account route comes through here.)
    """
    principal = await _resolve_principal(request, now, token, api_key)
    services = services_of(request)
    owner_id = services.account_owners.get(account_id)
    if owner_id is None:
        async with services.database.session() as session:
            account = await accounts_service.get_account(session, account_id)
        owner_id = services.account_owners.remember(account_id, account.owner_id)
    if owner_id != principal.user_id and not principal.is_admin:
        raise NotFoundError(f"no account {account_id}")
    return AccountRef(account_id, owner_id)


OwnedAccountRef = Annotated[AccountRef, Depends(get_owned_account_ref)]
"""The id of an account the caller may read (what the trading routes need)."""


async def get_writable_account_ref(account: OwnedAccountRef, request: Request) -> AccountRef:
    """Ownership first (404), then the right to write (403)."""
    check_writer(request.scope[PRINCIPAL_KEY])
    return account


WritableAccountRef = Annotated[AccountRef, Depends(get_writable_account_ref)]


async def get_owned_account(account: OwnedAccountRef, session: SessionDep) -> Account:
    """The account's row, once ownership is proven."""
    return await accounts_service.get_account(session, account.id)


OwnedAccount = Annotated[Account, Depends(get_owned_account)]


async def get_writable_account(account: OwnedAccount, request: Request) -> Account:
    """Ownership first (404), then the right to write (403)."""
    check_writer(request.scope[PRINCIPAL_KEY])
    return account


WritableAccount = Annotated[Account, Depends(get_writable_account)]


async def limit_orders(principal: CurrentUser, request: Request) -> None:
    await services_of(request).limiter.hit(Bucket.orders, str(principal.user_id))


OrderRateLimit = Annotated[None, Depends(limit_orders)]
"""Order placement's own bucket, per user: add it to the order routes."""
