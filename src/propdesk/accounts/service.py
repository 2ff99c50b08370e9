"""Paper accounts as their owners manage them. Ownership is checked before these are called
(api.deps.OwnedAccount); here are the multi-step changes and their invariants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.domain.risk import RuleSet
from propdesk.errors import ConflictError, NotFoundError
from propdesk.store.models import Account, AccountPeriod
from propdesk.store.repositories import accounts as account_rows

log = structlog.get_logger(__name__)


async def open_account(
    session: AsyncSession,
    *,
    owner_id: int,
    name: str,
    currency: str,
    starting_balance: Decimal,
    rule_set: RuleSet,
    now: datetime,
    risk_per_trade: Decimal | None = None,
) -> Account:
    """`risk_per_trade`: the account's own R in money (less than `starting_balance`), or
    None for the default."""
    if await account_rows.name_taken(session, owner_id, name):
        raise ConflictError(
            f"you already have an account named {name!r}", code="ACCOUNT_NAME_TAKEN"
        )
    account = await account_rows.add(
        session,
        owner_id=owner_id,
        name=name,
        currency=currency,
        starting_balance=starting_balance,
        rule_set=rule_set.to_json(),
        risk_per_trade=risk_per_trade,
        now=now,
    )
    await account_rows.add_period(
        session, account_id=account.id, number=1, starting_balance=starting_balance, now=now
    )
    log.info(
        "account opened", account_id=str(account.id), owner_id=owner_id, rule_set=rule_set.name
    )
    return account


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> Account:
    """Any account by id: callers check ownership (api.deps.OwnedAccount is the one place)."""
    account = await account_rows.get(session, account_id)
    if account is None:
        raise NotFoundError(f"no account {account_id}")
    return account


async def list_accounts(
    session: AsyncSession, *, owner_id: int | None, limit: int, offset: int
) -> Sequence[Account]:
    return await account_rows.list_accounts(session, owner_id=owner_id, limit=limit, offset=offset)


async def rename_account(
    session: AsyncSession, account: Account, name: str, now: datetime
) -> Account:
    if name != account.name:
        if await account_rows.name_taken(session, account.owner_id, name, except_id=account.id):
            raise ConflictError(
                f"you already have an account named {name!r}", code="ACCOUNT_NAME_TAKEN"
            )
        account.name = name
        account.updated_at = now
    return account


def set_risk_per_trade(account: Account, risk_per_trade: Decimal | None, now: datetime) -> Account:
    """The account's own R in money (the caller checked it is less than the starting
    balance), or None for the default. Not trading state: the engine never reads it."""
    if risk_per_trade != account.risk_per_trade:
        account.risk_per_trade = risk_per_trade
        account.updated_at = now
    return account


async def reload(session: AsyncSession, account: Account) -> Account:
    """The account as stored now: the engine writes its balance and status (a reset, a
    lock), never a gateway."""
    await session.refresh(account)
    return account


async def list_periods(session: AsyncSession, account: Account) -> Sequence[AccountPeriod]:
    return await account_rows.list_periods(session, account.id)
