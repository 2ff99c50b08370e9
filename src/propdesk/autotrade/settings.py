"""An account's auto-trading settings as plain values, and how the API reads and writes them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.store.models import AutotradeSettingsRow
from propdesk.store.repositories import autotrade as rows


@dataclass(frozen=True, slots=True)
class AutotradeSettings:
    """Whether the account trades the signals of `strategies` on `symbols`, and how large:
    a fixed `qty`, or `risk_per_trade_r` × the account's R (exactly one, once set)."""

    account_id: str
    enabled: bool = False
    strategies: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    qty: Decimal | None = None
    risk_per_trade_r: Decimal | None = None
    updated_at: datetime | None = None
    """None: never set (off, the default)."""

    @classmethod
    def of(cls, row: AutotradeSettingsRow) -> AutotradeSettings:
        return cls(
            account_id=str(row.account_id),
            enabled=row.enabled,
            strategies=tuple(row.strategies),
            symbols=tuple(row.symbols),
            qty=row.qty,
            risk_per_trade_r=row.risk_per_trade_r,
            updated_at=row.updated_at,
        )

    def trades(self, strategy: str, symbol: str) -> bool:
        """Whether a signal of `strategy` on `symbol` is for this account."""
        return self.enabled and strategy in self.strategies and symbol in self.symbols


async def get_settings(session: AsyncSession, account_id: uuid.UUID) -> AutotradeSettings:
    """The account's settings; off, with nothing chosen, when it never set any."""
    row = await rows.get(session, account_id)
    return AutotradeSettings(str(account_id)) if row is None else AutotradeSettings.of(row)


async def settings_of(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AutotradeSettings]:
    """Each account's settings, off for one that never set any."""
    found = {
        row.account_id: AutotradeSettings.of(row)
        for row in await rows.of_accounts(session, account_ids)
    }
    return {a: found.get(a) or AutotradeSettings(str(a)) for a in account_ids}


async def put_settings(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    enabled: bool,
    strategies: Sequence[str],
    symbols: Sequence[str],
    qty: Decimal | None,
    risk_per_trade_r: Decimal | None,
    now: datetime,
) -> AutotradeSettings:
    """Replace the account's settings; the caller has validated them (one sizing, known
    strategies, catalogue symbols)."""
    row = await rows.put(
        session,
        account_id,
        enabled=enabled,
        strategies=strategies,
        symbols=symbols,
        qty=qty,
        risk_per_trade_r=risk_per_trade_r,
        now=now,
    )
    return AutotradeSettings.of(row)
