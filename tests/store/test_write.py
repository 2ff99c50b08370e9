"""`Database.write`: the engine's transactions, one hop to SQLite's writer thread or on asyncpg.

Committed when the work returns (and visible to every other connection), rolled back when it
raises; a file database gets its own writer thread, which `dispose` ends.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, func, insert, select

from propdesk.store.db import Database
from propdesk.store.models import User

NOW = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


def _add_user(name: str) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        connection.execute(
            insert(User).values(
                username=name, password_hash="x", role="trader", created_at=NOW, updated_at=NOW
            )
        )

    return work


async def _usernames(database: Database) -> list[str]:
    async with database.session() as session:
        return list((await session.execute(select(User.username).order_by(User.id))).scalars())


async def test_write_when_work_returns_then_committed_and_seen_by_other_connections(
    database: Database,
) -> None:
    await database.write(_add_user("alice"))

    assert await _usernames(database) == ["alice"]


async def test_write_when_work_raises_then_nothing_of_it_stays(database: Database) -> None:
    def half_then_fail(connection: Connection) -> None:
        _add_user("bob")(connection)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await database.write(half_then_fail)
    await database.write(_add_user("carol"))

    assert await _usernames(database) == ["carol"]


async def test_write_when_returning_a_value_then_the_caller_gets_it(database: Database) -> None:
    count = await database.write(
        lambda connection: connection.execute(select(func.count()).select_from(User)).scalar()
    )

    assert count == 0


async def test_dispose_when_sqlite_then_the_writer_thread_ends(database_url: str) -> None:
    database = Database(database_url)
    await database.migrate()
    await database.write(_add_user("dave"))
    writers = [t for t in threading.enumerate() if t.name.startswith("propdesk-writer")]

    await database.dispose()

    assert all(not t.is_alive() for t in writers)
    if database.is_sqlite:
        assert writers
