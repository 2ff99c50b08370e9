"""Users: look-ups by id and username, listing, insertion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.domain.accounts import Role
from propdesk.store.models import User


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def username_taken(session: AsyncSession, username: str) -> bool:
    return await get_by_username(session, username) is not None


async def list_users(session: AsyncSession, *, limit: int, offset: int) -> Sequence[User]:
    rows = await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    return rows.all()


async def count_active_admins(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.admin, User.is_active)
    )
    return int(count or 0)


async def add(
    session: AsyncSession, *, username: str, password_hash: str, role: Role, now: datetime
) -> User:
    user = User(
        username=username,
        password_hash=password_hash,
        role=role,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    await session.flush()
    return user
