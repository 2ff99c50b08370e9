"""Sign-in, token rotation, API keys and turning a credential into a Principal.

Every function takes the request's session and never commits: the caller owns the unit of
work. `now` comes from the caller too, so that expiry is tested with a clock, not a sleep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.auth import tokens
from propdesk.auth.passwords import PasswordHasher
from propdesk.auth.principal import Principal
from propdesk.config import Settings
from propdesk.domain.accounts import Role, Scope
from propdesk.errors import NotAuthenticatedError, NotFoundError, PermissionDeniedError
from propdesk.store.models import ApiKey, User
from propdesk.store.repositories import api_keys as api_key_rows
from propdesk.store.repositories import tokens as token_rows
from propdesk.store.repositories import users as user_rows

log = structlog.get_logger(__name__)

# An API key's last use is recorded at most this often, so that a busy bot does not turn
# every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)

BAD_CREDENTIALS = "incorrect username or password"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    """Seconds until the access token expires."""


class RefreshTokenReusedError(NotAuthenticatedError):
    """A used refresh token came back: it was stolen or replayed. Its family has been revoked
    in the session; the caller must commit before answering 401."""

    code = "REFRESH_TOKEN_REUSED"


async def authenticate_password(
    session: AsyncSession, hasher: PasswordHasher, username: str, password: str
) -> User:
    user = await user_rows.get_by_username(session, username.lower())
    if user is None:
        await hasher.burn(password)
        raise NotAuthenticatedError(BAD_CREDENTIALS, code="INVALID_CREDENTIALS")
    matches, new_hash = await hasher.verify(password, user.password_hash)
    if not matches or not user.is_active:
        # A deactivated user gets the same answer as a wrong password.
        raise NotAuthenticatedError(BAD_CREDENTIALS, code="INVALID_CREDENTIALS")
    if new_hash is not None:  # the hashing cost changed since this hash was made
        user.password_hash = new_hash
    return user


async def issue_tokens(
    session: AsyncSession,
    settings: Settings,
    user: User,
    now: datetime,
    *,
    family_id: str | None = None,
) -> TokenPair:
    """A new access + refresh pair; a new sign-in starts a family, a rotation continues one."""
    family_id = family_id or tokens.new_family_id()
    refresh = tokens.new_refresh_token()
    await token_rows.delete_expired(session, user.id, now)
    await token_rows.add(
        session,
        user_id=user.id,
        family_id=family_id,
        token_hash=tokens.sha256(refresh),
        now=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
    )
    ttl = timedelta(minutes=settings.access_token_minutes)
    access = tokens.encode_access_token(
        user_id=user.id, session_id=family_id, now=now, ttl=ttl, secret_key=settings.secret_key
    )
    return TokenPair(access, refresh, int(ttl.total_seconds()))


async def rotate_refresh_token(
    session: AsyncSession, settings: Settings, refresh_token: str, now: datetime
) -> TokenPair:
    stored = await token_rows.get_by_hash(session, tokens.sha256(refresh_token))
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise NotAuthenticatedError("the refresh token is invalid, expired or revoked")
    if stored.used_at is not None or not await token_rows.mark_used(session, stored.id, now):
        await token_rows.revoke_family(session, stored.family_id, now)
        log.warning("refresh token reused: family revoked", user_id=stored.user_id)
        raise RefreshTokenReusedError(
            "this refresh token was already used; every token of its sign-in is now revoked"
        )
    user = await user_rows.get(session, stored.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticatedError("the refresh token is invalid, expired or revoked")
    return await issue_tokens(session, settings, user, now, family_id=stored.family_id)


async def revoke_refresh_token(session: AsyncSession, refresh_token: str, now: datetime) -> None:
    """Sign out: revoke the token's whole family. Unknown tokens are ignored (idempotent)."""
    stored = await token_rows.get_by_hash(session, tokens.sha256(refresh_token))
    if stored is not None:
        await token_rows.revoke_family(session, stored.family_id, now)


async def principal_from_access_token(
    session: AsyncSession, settings: Settings, token: str, now: datetime
) -> tuple[Principal, float]:
    """The caller, and when its token expires (UNIX seconds)."""
    try:
        claims = tokens.decode_access_token(token, secret_key=settings.secret_key, now=now)
    except tokens.ExpiredTokenError as error:
        raise NotAuthenticatedError("the access token has expired", code="TOKEN_EXPIRED") from error
    except tokens.InvalidTokenError as error:
        raise NotAuthenticatedError("the access token is invalid") from error
    user = await user_rows.get(session, claims.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticatedError("the access token is invalid")
    if await token_rows.family_revoked(session, claims.session_id):
        raise NotAuthenticatedError("the access token has been revoked", code="TOKEN_REVOKED")
    return Principal(user=user, credential="token"), float(claims.expires_at)


async def principal_from_api_key(session: AsyncSession, key: str, now: datetime) -> Principal:
    parsed = tokens.parse_api_key(key)
    if parsed is None:
        raise NotAuthenticatedError("the API key is invalid")
    prefix, secret = parsed
    stored = await api_key_rows.get_by_prefix(session, prefix)
    # Compare even when the prefix is unknown, so that timing says nothing about it.
    matches = tokens.secret_matches(secret, stored.secret_hash if stored else "0" * 64)
    if stored is None or not matches:
        raise NotAuthenticatedError("the API key is invalid")
    if stored.revoked_at is not None:
        raise NotAuthenticatedError("the API key has been revoked", code="API_KEY_REVOKED")
    user = await user_rows.get(session, stored.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticatedError("the API key is invalid")
    if stored.last_used_at is None or now - stored.last_used_at >= LAST_USED_RESOLUTION:
        stored.last_used_at = now
    return Principal(
        user=user,
        credential="api_key",
        scopes=frozenset(Scope(scope) for scope in stored.scopes),
        api_key_id=stored.id,
    )


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    row: ApiKey
    key: str
    """The full key, returned once and never stored."""


async def create_api_key(
    session: AsyncSession, principal: Principal, name: str, scopes: set[Scope], now: datetime
) -> CreatedApiKey:
    if principal.credential == "api_key":
        raise PermissionDeniedError(
            "API keys cannot manage API keys: sign in with a password", code="API_KEY_FORBIDDEN"
        )
    if Scope.trade in scopes and not principal.role.at_least(Role.trader):
        raise PermissionDeniedError("a viewer can only create read-only keys", code="ROLE_TOO_LOW")
    new = tokens.new_api_key()
    # `trade` implies `read`: store both, so that a key's scopes say exactly what it may do.
    stored_scopes = sorted({Scope.read, *scopes})
    row = await api_key_rows.add(
        session,
        user_id=principal.user_id,
        name=name,
        prefix=new.prefix,
        secret_hash=tokens.sha256(new.secret),
        scopes=[scope.value for scope in stored_scopes],
        now=now,
    )
    log.info("api key created", user_id=principal.user_id, key_id=row.id, prefix=new.prefix)
    return CreatedApiKey(row=row, key=new.key)


async def list_api_keys(session: AsyncSession, principal: Principal) -> Sequence[ApiKey]:
    return await api_key_rows.list_active(session, principal.user_id)


async def revoke_api_key(
    session: AsyncSession, principal: Principal, key_id: int, now: datetime
) -> None:
    if principal.credential == "api_key":
        raise PermissionDeniedError(
            "API keys cannot manage API keys: sign in with a password", code="API_KEY_FORBIDDEN"
        )
    row = await api_key_rows.get_active(session, key_id)
    if row is None or (row.user_id != principal.user_id and not principal.is_admin):
        raise NotFoundError(f"no API key {key_id}")
    row.revoked_at = now
    log.info("api key revoked", user_id=principal.user_id, key_id=row.id)
