"""Database engine and sessions; SQLite is tuned for WAL, PostgreSQL goes through asyncpg."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from propdesk.store import migrations

T = TypeVar("T")


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


class _SQLiteWriter:
    """One synchronous connection in a thread of its own, for `Database.write`.

    aiosqlite hops to its thread and back for every cursor, statement and commit, and under
    load each hop back waits a whole turn of the busy event loop: the engine's batch of five
    statements took ~17 ms that way. Here the whole transaction is one hop.
    """

    def __init__(self, url: str) -> None:
        sync_url = make_url(url).set(drivername="sqlite+pysqlite")
        # One connection, used only by the one thread.
        self.engine: Engine = sqlalchemy.create_engine(sync_url, pool_size=1, max_overflow=0)
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="propdesk-writer")

    def _run(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return work(connection)

    async def run(self, work: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.thread, self._run, work)

    def close(self) -> None:
        self.thread.shutdown(wait=True)
        self.engine.dispose()


class Database:
    """The engine and the session factory of one process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        database = make_url(url).database
        self._writer = (
            _SQLiteWriter(url) if self.is_sqlite and database and database != ":memory:" else None
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block succeeds, rolled back when it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work(connection)` in one transaction, committed when it returns: the hot
        write path (the engine's batches). SQLite runs it in a writer thread in one hop;
        PostgreSQL runs it on the async driver, as any other transaction."""
        if self._writer is not None:
            return await self._writer.run(work)
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

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
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
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
