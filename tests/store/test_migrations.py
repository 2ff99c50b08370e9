"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL),
and a later one keeps what an earlier one stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, insert

from propdesk.domain.orders import Order, OrderId, OrderSide, OrderStatus, OrderType, TimeInForce
from propdesk.store import migrations
from propdesk.store.db import Database
from propdesk.store.models import Account, Base, User
from propdesk.store.repositories import trading, trading_rows


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": False, "compare_server_default": False}
    )
    return [
        diff
        for diff in compare_metadata(context, Base.metadata)
        # alembic's own bookkeeping table is no model
        if not (diff[0] == "remove_table" and diff[1].name == "alembic_version")
    ]


async def test_migrated_schema_when_compared_with_the_models_then_identical(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        await database.migrate()
        async with database.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()

    assert differences == []


WHEN = datetime(2026, 12, 4, 15, tzinfo=UTC)
ACCOUNT = uuid.UUID("5d1c9a55-0f4e-4d0c-9a57-3d9f6e2b1a01")


def _before_labels(connection: Connection) -> None:
    """An account and an order as revision 0005 stored them (no labels, no own R)."""
    command.downgrade(migrations.config(connection), "0005")
    user = connection.execute(
        insert(User)
        .values(username="o", password_hash="x", role="trader", created_at=WHEN, updated_at=WHEN)
        .returning(User.id)
    ).scalar_one()
    connection.execute(
        insert(_without(Account.__table__, "risk_per_trade")).values(
            id=ACCOUNT, owner_id=user, name="a", currency="USD",
            starting_balance=Decimal(50_000), balance=Decimal(50_000), rule_set={},
            status="active", created_at=WHEN, updated_at=WHEN,
        )
    )  # fmt: skip
    order = Order(
        OrderId("o-1"), str(ACCOUNT), "c-1", "MNQ", OrderSide.buy, OrderType.market,
        Decimal(1), TimeInForce.day, OrderStatus.new, WHEN.timestamp(), WHEN.timestamp(), 1,
        fingerprint="MNQ|buy|market|1|day|||||simple|-|-",
    )  # fmt: skip
    values = trading_rows._order_values(order)
    del values["strategy"], values["tag"], values["regime"]
    table = _without(trading_rows.ORDERS, "strategy", "tag", "regime")
    connection.execute(insert(table).values(values))


def _without(table: Any, *names: str) -> Any:
    """The table as an older revision has it: without the columns `names`."""
    columns = (sa.column(c.name, c.type) for c in table.columns if c.name not in names)
    return sa.table(table.name, *columns)


async def test_migrate_to_0006_when_rows_predate_it_then_no_labels_and_the_default_r(
    database_url: str,
) -> None:
    # Arrange: the database at 0005, holding an account and an order
    database = Database(database_url)
    try:
        await database.migrate()
        async with database.connect() as connection:
            await connection.run_sync(_before_labels)
        # Act
        await database.migrate()
        # Assert
        async with database.session() as session:
            order = await trading.get_order(session, str(ACCOUNT), "o-1")
            account = await session.get(Account, ACCOUNT)
    finally:
        await database.dispose()

    assert order is not None
    assert (order.strategy, order.tag, order.regime) == (None, None, None)
    assert account is not None
    assert account.risk_per_trade is None


async def test_migrate_when_0006_is_downgraded_and_upgraded_again_then_at_head(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        await database.migrate()
        async with database.connect() as connection:
            await connection.run_sync(lambda c: command.downgrade(migrations.config(c), "0005"))
            await connection.run_sync(migrations.upgrade)
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()

    assert differences == []


async def test_migrate_when_0008_is_downgraded_and_upgraded_again_then_at_head(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        await database.migrate()
        async with database.connect() as connection:
            await connection.run_sync(lambda c: command.downgrade(migrations.config(c), "0007"))
            tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
            await connection.run_sync(migrations.upgrade)
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()

    assert "signals" not in tables
    assert "regimes" not in tables
    assert differences == []
