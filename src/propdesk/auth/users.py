"""User management: sign-up, admin changes, and the first admin at start-up."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.auth.passwords import PasswordHasher
from propdesk.config import Settings
from propdesk.domain.accounts import Role
from propdesk.errors import ConflictError, NotFoundError
from propdesk.store.db import Database
from propdesk.store.models import User
from propdesk.store.repositories import api_keys as api_key_rows
from propdesk.store.repositories import tokens as token_rows
from propdesk.store.repositories import users as user_rows

log = structlog.get_logger(__name__)

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"
"""3–64 letters, digits, `_`, `.` or `-`; usernames are case-insensitive (stored lowercase)."""
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


async def create_user(
    session: AsyncSession,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
) -> User:
    username = username.lower()
    if await user_rows.username_taken(session, username):
        raise ConflictError(f"the username {username!r} is taken", code="USERNAME_TAKEN")
    password_hash = await hasher.hash(password)
    user = await user_rows.add(
        session, username=username, password_hash=password_hash, role=role, now=now
    )
    log.info("user created", user_id=user.id, username=username, role=role.value)
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await user_rows.get(session, user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}")
    return user


async def get_user_by_username(session: AsyncSession, username: str) -> User:
    user = await user_rows.get_by_username(session, username.lower())
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


async def list_users(session: AsyncSession, *, limit: int, offset: int) -> Sequence[User]:
    return await user_rows.list_users(session, limit=limit, offset=offset)


async def update_user(
    session: AsyncSession,
    hasher: PasswordHasher,
    user: User,
    *,
    now: datetime,
    role: Role | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, active flag or password. Deactivating revokes every key and
    sign-in at once; a new password signs every session out."""
    demotes = role is not None and role is not Role.admin
    if (
        user.role is Role.admin
        and user.is_active
        and (demotes or is_active is False)
        and await user_rows.count_active_admins(session) <= 1
    ):
        raise ConflictError(
            "the last active admin cannot be demoted or deactivated", code="LAST_ADMIN"
        )
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            await api_key_rows.revoke_user(session, user.id, now)
            await token_rows.revoke_user(session, user.id, now)
    if password is not None:
        user.password_hash = await hasher.hash(password)
        await token_rows.revoke_user(session, user.id, now)
    user.updated_at = now
    log.info(
        "user updated",
        user_id=user.id,
        role=user.role.value,
        is_active=user.is_active,
        password_changed=password is not None,
    )
    return user


async def ensure_first_admin(
    database: Database, settings: Settings, hasher: PasswordHasher
) -> str | None:
    """Create the admin named by the settings when missing. With no password configured
    (development only: production refuses to start), generate one, log it once and return it."""
    username = settings.admin_username.lower()
    configured = settings.admin_password.get_secret_value() if settings.admin_password else None
    async with database.session() as session:
        if await user_rows.username_taken(session, username):
            return None
        if configured is None and await user_rows.count_active_admins(session) > 0:
            return None
    password = configured or secrets.token_urlsafe(12)
    try:
        async with database.session() as session:
            await create_user(
                session,
                hasher,
                username=username,
                password=password,
                role=Role.admin,
                now=datetime.now(UTC),
            )
    except (IntegrityError, ConflictError):  # another process created it at the same moment
        return None
    if configured is not None:
        return None
    log.warning(
        "ONE-TIME ADMIN PASSWORD: no PROPDESK_ADMIN_PASSWORD was set, so one was generated; "
        "it is shown only now. Change it with `propdesk users set-password`.",
        username=username,
        password=password,
    )
    return password
