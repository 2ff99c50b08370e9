"""Auto-trading settings rows: written whole, read back exactly, listed when enabled with
their account's R, and never with two sizings or none (a CHECK on both databases)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from propdesk.store.db import Database
from propdesk.store.models import Account, AutotradeSettingsRow, User
from propdesk.store.repositories import autotrade

NOW = datetime(2026, 12, 8, 15, tzinfo=UTC)
FIRST = uuid.UUID("00000000-0000-4000-8000-000000000001")
SECOND = uuid.UUID("00000000-0000-4000-8000-000000000002")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    async with database.session() as session:
        user = (
            await session.execute(
                insert(User)
                .values(
                    username="o", password_hash="x", role="trader", created_at=NOW, updated_at=NOW
                )
                .returning(User.id)
            )
        ).scalar_one()
        for account_id, own_r in ((FIRST, None), (SECOND, Decimal(250))):
            await session.execute(
                insert(Account).values(
                    id=account_id, owner_id=user, name=str(account_id), currency="USD",
                    starting_balance=Decimal(50_000), balance=Decimal(50_000), rule_set={},
                    risk_per_trade=own_r, status="active", created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
    try:
        yield database
    finally:
        await database.dispose()


async def _put(database: Database, account_id: uuid.UUID, **values: object) -> None:
    fields: dict[str, object] = {
        "enabled": True,
        "strategies": ["ma_cross"],
        "symbols": ["MNQ"],
        "qty": Decimal(1),
        "risk_per_trade_r": None,
        "now": NOW,
        **values,
    }
    async with database.session() as session:
        await autotrade.put(session, account_id, **fields)  # type: ignore[arg-type]


async def test_put_when_written_twice_then_the_second_replaces_the_first(
    database: Database,
) -> None:
    await _put(database, FIRST)
    await _put(
        database,
        FIRST,
        strategies=["vwap_pullback", "ma_cross"],
        symbols=["ES", "MNQ"],
        qty=None,
        risk_per_trade_r=Decimal("0.5"),
    )

    async with database.session() as session:
        row = await autotrade.get(session, FIRST)

    assert row is not None
    assert (row.enabled, row.strategies, row.symbols) == (
        True,
        ["vwap_pullback", "ma_cross"],
        ["ES", "MNQ"],
    )
    assert (row.qty, row.risk_per_trade_r, row.updated_at) == (None, Decimal("0.5"), NOW)


async def test_enabled_when_one_is_off_then_only_the_other_with_its_accounts_r(
    database: Database,
) -> None:
    await _put(database, FIRST, enabled=False)
    await _put(database, SECOND)

    async with database.session() as session:
        found = await autotrade.enabled(session)

    assert [(e.settings.account_id, e.starting_balance, e.risk_per_trade) for e in found] == [
        (SECOND, Decimal(50_000), Decimal(250))
    ]


@pytest.mark.parametrize(
    ("qty", "risk_per_trade_r"), [(Decimal(1), Decimal(1)), (None, None)], ids=["both", "neither"]
)
async def test_row_when_both_sizings_or_neither_then_the_database_refuses_it(
    database: Database, qty: Decimal | None, risk_per_trade_r: Decimal | None
) -> None:
    with pytest.raises(IntegrityError):
        async with database.session() as session:
            await session.execute(
                insert(AutotradeSettingsRow).values(
                    account_id=FIRST, enabled=True, strategies=[], symbols=[], qty=qty,
                    risk_per_trade_r=risk_per_trade_r, updated_at=NOW,
                )
            )  # fmt: skip
