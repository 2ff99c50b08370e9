"""Paper accounts and their periods (one per run between resets)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.domain.accounts import AccountStatus
from propdesk.store.models import Account, AccountPeriod


async def get(session: AsyncSession, account_id: uuid.UUID) -> Account | None:
    return await session.get(Account, account_id)


async def list_accounts(
    session: AsyncSession, *, owner_id: int | None, limit: int, offset: int
) -> Sequence[Account]:
    """The owner's accounts, or everyone's when `owner_id` is None."""
    query = select(Account).order_by(Account.created_at, Account.id).limit(limit).offset(offset)
    if owner_id is not None:
        query = query.where(Account.owner_id == owner_id)
    return (await session.scalars(query)).all()


async def name_taken(
    session: AsyncSession, owner_id: int, name: str, *, except_id: uuid.UUID | None = None
) -> bool:
    query = select(Account.id).where(Account.owner_id == owner_id, Account.name == name)
    if except_id is not None:
        query = query.where(Account.id != except_id)
    return await session.scalar(query) is not None


async def add(
    session: AsyncSession,
    *,
    owner_id: int,
    name: str,
    currency: str,
    starting_balance: Decimal,
    rule_set: dict[str, Any],
    now: datetime,
    risk_per_trade: Decimal | None = None,
) -> Account:
    account = Account(
        id=uuid.uuid4(),
        owner_id=owner_id,
        name=name,
        currency=currency,
        starting_balance=starting_balance,
        balance=starting_balance,
        rule_set=rule_set,
        risk_per_trade=risk_per_trade,
        status=AccountStatus.active,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    await session.flush()
    return account


async def current_period(session: AsyncSession, account_id: uuid.UUID) -> AccountPeriod | None:
    return await session.scalar(
        select(AccountPeriod)
        .where(AccountPeriod.account_id == account_id, AccountPeriod.ended_at.is_(None))
        .order_by(AccountPeriod.number.desc())
        .limit(1)
    )


async def last_period_number(session: AsyncSession, account_id: uuid.UUID) -> int:
    number = await session.scalar(
        select(AccountPeriod.number)
        .where(AccountPeriod.account_id == account_id)
        .order_by(AccountPeriod.number.desc())
        .limit(1)
    )
    return int(number or 0)


async def add_period(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    number: int,
    starting_balance: Decimal,
    now: datetime,
) -> AccountPeriod:
    period = AccountPeriod(
        account_id=account_id, number=number, started_at=now, starting_balance=starting_balance
    )
    session.add(period)
    await session.flush()
    return period


async def list_periods(session: AsyncSession, account_id: uuid.UUID) -> Sequence[AccountPeriod]:
    rows = await session.scalars(
        select(AccountPeriod)
        .where(AccountPeriod.account_id == account_id)
        .order_by(AccountPeriod.number)
    )
    return rows.all()
