"""API keys: insertion, look-up by public prefix, listing and revocation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.store.models import ApiKey


async def add(
    session: AsyncSession,
    *,
    user_id: int,
    name: str,
    prefix: str,
    secret_hash: str,
    scopes: list[str],
    now: datetime,
) -> ApiKey:
    key = ApiKey(
        user_id=user_id,
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=scopes,
        created_at=now,
    )
    session.add(key)
    await session.flush()
    return key


async def get_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


async def get_active(session: AsyncSession, key_id: int) -> ApiKey | None:
    return await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
    )


async def list_active(session: AsyncSession, user_id: int) -> Sequence[ApiKey]:
    rows = await session.scalars(
        select(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.id)
    )
    return rows.all()


async def revoke_user(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
