"""Accounts' auto-trading settings: read one, write one, and every enabled one with its R."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.store.models import Account, AutotradeSettingsRow


@dataclass(frozen=True, slots=True)
class EnabledAccount:
    """An account that auto-trades, with what its R is made of."""

    settings: AutotradeSettingsRow
    starting_balance: Decimal
    risk_per_trade: Decimal | None
    """The account's own R in money; None: the default (domain.risk.report)."""


async def get(session: AsyncSession, account_id: uuid.UUID) -> AutotradeSettingsRow | None:
    return await session.get(AutotradeSettingsRow, account_id)


async def of_accounts(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> Sequence[AutotradeSettingsRow]:
    """The settings of those of the accounts that have any."""
    if not account_ids:
        return []
    rows = await session.scalars(
        select(AutotradeSettingsRow).where(AutotradeSettingsRow.account_id.in_(account_ids))
    )
    return rows.all()


async def put(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    enabled: bool,
    strategies: Sequence[str],
    symbols: Sequence[str],
    qty: Decimal | None,
    risk_per_trade_r: Decimal | None,
    now: datetime,
) -> AutotradeSettingsRow:
    """Replace the account's settings (create them the first time)."""
    row = await get(session, account_id)
    if row is None:
        row = AutotradeSettingsRow(account_id=account_id)
        session.add(row)
    row.enabled = enabled
    row.strategies = list(strategies)
    row.symbols = list(symbols)
    row.qty = qty
    row.risk_per_trade_r = risk_per_trade_r
    row.updated_at = now
    await session.flush()
    return row


async def enabled(session: AsyncSession) -> list[EnabledAccount]:
    """Every account whose auto-trading is on, by account id (a stable order to act in)."""
    rows = await session.execute(
        select(AutotradeSettingsRow, Account.starting_balance, Account.risk_per_trade)
        .join(Account, Account.id == AutotradeSettingsRow.account_id)
        .where(AutotradeSettingsRow.enabled.is_(True))
        .order_by(AutotradeSettingsRow.account_id)
    )
    return [EnabledAccount(row, balance, own) for row, balance, own in rows]
