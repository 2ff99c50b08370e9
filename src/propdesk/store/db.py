"""Database engine and sessions; SQLite is tuned for WAL, PostgreSQL goes through asyncpg."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from propdesk.store import migrations


class DatabaseNotMigratedError(RuntimeError):
    """The schema is behind the code: run `propdesk migrate`."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class Database:
    """The engine and the session factory of one process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block succeeds, rolled back when it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as connection:
            yield connection

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def migrate(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(migrations.upgrade)

    async def ensure_migrated(self) -> None:
        async with self.engine.connect() as connection:
            current, head = await connection.run_sync(migrations.revisions)
        if current != head:
            raise DatabaseNotMigratedError(
                f"the database is at revision {current or 'none'}, the code needs {head}: "
                "run `propdesk migrate` first"
            )

    async def dispose(self) -> None:
        await self.engine.dispose()


async def open_database(url: str) -> Database:
    """Open a database ready for use: an embedded SQLite file is migrated in place (it
    belongs to this installation); any other database must already be migrated."""
    database = Database(url)
    try:
        if database.is_sqlite:
            await database.migrate()
        else:
            await database.ensure_migrated()
    except BaseException:
        await database.dispose()
        raise
    return database
