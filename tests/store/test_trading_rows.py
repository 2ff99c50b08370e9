"""The engine's writes (`save`) store exactly what SQLAlchemy's Core statements store.

On SQLite `save` sends prepared tuples to the driver (the column types' own converters, one
compiled text per table); these tests hold its rows to the Core path's, column by column,
for orders, fills, positions and ledgers, and check that a second save updates in place.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, delete, insert

from domain.builders import INSTRUMENTS, NOW, bracket, d, tick
from propdesk.domain.broker import Broker
from propdesk.domain.commands import CancelOrder
from propdesk.domain.orders import OrderId, OrderSide, OrderStatus, sequential_ids
from propdesk.store.db import Database
from propdesk.store.models import Account, User
from propdesk.store.repositories import trading
from propdesk.store.repositories.trading import (
    EXECUTIONS,
    LEDGERS,
    ORDERS,
    POSITIONS,
    Changes,
    save,
)

ACCOUNT = uuid.UUID("0b7e6a3c-1f7e-4f51-9d3a-2f1f3d9a8c11")
WHEN = datetime.fromtimestamp(NOW, UTC)
TABLES = (ORDERS, EXECUTIONS, POSITIONS, LEDGERS)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()

    def owner(connection: Connection) -> None:
        user = connection.execute(
            insert(User)
            .values(
                username="o", password_hash="x", role="trader", created_at=WHEN, updated_at=WHEN
            )
            .returning(User.id)
        ).scalar_one()
        connection.execute(
            insert(Account).values(
                id=ACCOUNT, owner_id=user, name="a", currency="USD",
                starting_balance=Decimal(50_000), balance=Decimal(50_000), rule_set={},
                status="active", created_at=WHEN, updated_at=WHEN,
            )
        )  # fmt: skip

    await database.write(owner)
    try:
        yield database
    finally:
        await database.dispose()


def _traded() -> tuple[Broker, Changes]:
    """A bracket bought at market and filled: orders (an entry, two legs), a fill, a
    position and a ledger, with prices, quantities, money, times and labels in every
    column."""
    broker = Broker(INSTRUMENTS, ids=sequential_ids())
    broker.open_account(str(ACCOUNT), Decimal(50_000), NOW)
    broker.on_tick(tick("21000.25"))
    events = broker.apply(
        bracket(
            OrderSide.buy, 2, take_profit="21010.5", stop="20990.75",
            account_id=str(ACCOUNT), client_order_id="cid-1", strategy="orb", tag="pullback",
        ),
        NOW + 0.123456,
    )  # fmt: skip
    return broker, Changes.of(events)


def _core(connection: Connection, changes: Changes) -> None:
    """The same writes through SQLAlchemy's Core statements."""
    dialect = connection.dialect.name
    orders = [trading._order_values(o) for o in changes.orders.values()]
    positions = [trading._position_values(p) for p in changes.positions.values()]
    ledgers = [trading._ledger_values(x) for x in changes.ledgers.values()]
    connection.execute(trading._upsert(dialect, ORDERS, ["id"]), orders)
    connection.execute(trading._upsert(dialect, POSITIONS, ["account_id", "symbol"]), positions)
    connection.execute(trading._upsert(dialect, LEDGERS, ["account_id"]), ledgers)
    connection.execute(insert(EXECUTIONS), [trading._fill_values(f) for f in changes.fills])


def _clear(connection: Connection) -> None:
    for table in TABLES:
        connection.execute(delete(table))


async def _rows(database: Database) -> dict[str, Sequence[Any]]:
    """Every stored value as the driver returns it (no type processing)."""

    def read(connection: Connection) -> dict[str, Sequence[Any]]:
        return {
            table.name: sorted(
                tuple(row)
                for row in connection.exec_driver_sql(f"SELECT * FROM {table.name}").all()  # noqa: S608
            )
            for table in TABLES
        }

    return await database.write(read)


async def test_save_when_a_bracket_trades_then_rows_as_the_core_statements_store_them(
    database: Database,
) -> None:
    _, changes = _traded()
    assert [len(changes.orders), len(changes.fills)] == [3, 1]
    assert [len(changes.positions), len(changes.ledgers)] == [1, 1]

    await database.write(lambda connection: save(connection, changes))
    saved = await _rows(database)
    await database.write(_clear)
    await database.write(lambda connection: _core(connection, changes))
    core = await _rows(database)

    assert saved == core
    assert [len(saved[t.name]) for t in TABLES] == [3, 1, 1, 1]


async def test_save_when_an_order_changes_then_its_row_is_updated_in_place(
    database: Database,
) -> None:
    broker, changes = _traded()
    await database.write(lambda connection: save(connection, changes))
    take_profit = next(o for o in changes.orders.values() if o.limit_price == d("21010.5"))

    canceled = Changes.of(broker.apply(CancelOrder(str(ACCOUNT), take_profit.id), NOW + 1))
    await database.write(lambda connection: save(connection, canceled))

    async with database.session() as session:
        stored = await trading.get_order(session, str(ACCOUNT), take_profit.id)
    assert stored is not None
    assert stored.status is OrderStatus.canceled
    assert stored == canceled.orders[take_profit.id]
    assert len((await _rows(database))["orders"]) == 3


async def test_save_when_more_rows_than_one_statement_takes_then_every_row_stored(
    database: Database,
) -> None:
    _, changes = _traded()
    entry = next(iter(changes.orders.values()))
    # 2,500 orders × 32 columns: more parameters than one SQLite statement takes (32,766).
    many = [
        replace(entry, id=OrderId(f"o-{n}"), client_order_id=f"c-{n}", seq=n, parent_id=None)
        for n in range(2_500)
    ]
    batch = Changes({order.id: order for order in many}, [], {}, {})

    await database.write(lambda connection: save(connection, batch))

    stored = (await _rows(database))["orders"]
    assert len(stored) == 2_500
    async with database.session() as session:
        last = await trading.get_order(session, str(ACCOUNT), OrderId("o-2499"))
    assert last == many[-1]
