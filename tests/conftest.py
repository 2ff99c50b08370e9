"""Shared fixtures: an app per test on its own database (SQLite file, or PostgreSQL per worker).

Set PROPDESK_TEST_DATABASE=postgres to run the same tests on PostgreSQL
(PROPDESK_TEST_POSTGRES_URL, default the local server's `test` database as a maintenance db).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from propdesk.app import create_app
from propdesk.auth import service as auth_service
from propdesk.auth import users as users_service
from propdesk.auth.passwords import PasswordHasher
from propdesk.config import FeedSource, Settings
from propdesk.domain.accounts import Role
from propdesk.services import Services
from propdesk.store.db import Database
from propdesk.store.models import Base

BACKEND = os.environ.get("PROPDESK_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get(
    "PROPDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
ADMIN_PASSWORD = "test-admin-password"
USER_PASSWORD = "correct-horse-battery"
# Argon2's cheapest parameters: hashing is deliberately slow, and tests hash a lot.
CHEAP_PASSWORD_HASHING: dict[str, object] = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 8,
    "password_hash_parallelism": 1,
}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def _recreate_postgres_database(name: str) -> str:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.dispose()
    return url


async def _drop_postgres_database(name: str) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    # The pid keeps two runs on one server (two checkouts, CI beside a developer) apart.
    name = f"propdesk_test_{os.getpid()}_{_worker()}"
    yield asyncio.run(_recreate_postgres_database(name))
    asyncio.run(_drop_postgres_database(name))


async def _truncate_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if BACKEND == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        asyncio.run(_truncate_postgres(url))
        return url
    return f"sqlite+aiosqlite:///{tmp_path / 'propdesk.db'}"


@pytest.fixture
def make_settings(database_url: str) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": database_url,
            "feed": FeedSource.none,
            "backfill_days": 0,
            "log_level": "WARNING",
            "admin_password": ADMIN_PASSWORD,
            # Every message the bus carries crosses as bytes, as it would between processes.
            "bus_encode": True,
            **CHEAP_PASSWORD_HASHING,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def fastapi_app(settings: Settings) -> FastAPI:
    """The FastAPI instance behind `app`: for `dependency_overrides` and the route table."""
    return create_app(settings)


@pytest.fixture
async def app(fastapi_app: FastAPI) -> AsyncIterator[FastAPI]:
    async with LifespanManager(fastapi_app, startup_timeout=60, shutdown_timeout=30) as manager:
        yield manager.app  # type: ignore[misc]


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass(frozen=True)
class TestUser:
    """A user made straight in the database, signed in (no HTTP, no rate limit spent)."""

    __test__ = False  # not a test class, despite its name

    id: int
    username: str
    password: str
    role: Role
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


MakeUser = Callable[..., Awaitable[TestUser]]


@pytest.fixture
async def make_user(app: FastAPI, settings: Settings) -> AsyncIterator[MakeUser]:
    """`await make_user(role=Role.viewer)`; depends on `app` so that the schema exists."""
    database = Database(settings.database_url)
    hasher = PasswordHasher.from_settings(settings)
    numbers = itertools.count(1)

    async def make(
        username: str | None = None, *, role: Role = Role.trader, password: str = USER_PASSWORD
    ) -> TestUser:
        name = username or f"{role.value}{next(numbers)}"
        now = datetime.now(UTC)
        async with database.session() as session:
            user = await users_service.create_user(
                session, hasher, username=name, password=password, role=role, now=now
            )
            tokens = await auth_service.issue_tokens(session, settings, user, now)
        return TestUser(
            user.id, user.username, password, role, tokens.access_token, tokens.refresh_token
        )

    yield make
    await database.dispose()


@pytest.fixture
async def auth_headers(make_user: MakeUser) -> dict[str, str]:
    """The `Authorization` header of a fresh trader."""
    return (await make_user()).headers


@pytest.fixture
def services(app: FastAPI, fastapi_app: FastAPI) -> Services:
    """The started app's long-lived objects (engine, bus, database…)."""
    started: Services = fastapi_app.state.services
    return started


class HeldWrites:
    """Database.write that waits for `release`, then fails the first `failures` commits."""

    def __init__(self, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = services.database.write
        self.release = asyncio.Event()
        self.entered = asyncio.Event()
        self.failures = 0
        self.calls = 0
        monkeypatch.setattr(services.database, "write", self.write)

    async def write(self, work: Callable[[Any], Any]) -> Any:
        self.calls += 1
        self.entered.set()
        await self.release.wait()
        if self.failures:
            self.failures -= 1
            raise OSError("disk I/O error")
        return await self.real(work)


HoldWrites = Callable[[], HeldWrites]


@pytest.fixture
def held_writes(services: Services, monkeypatch: pytest.MonkeyPatch) -> HoldWrites:
    """`writes = held_writes()`: from then on the engine's commits wait for
    `writes.release` (and the first `writes.failures` of them fail)."""
    return lambda: HeldWrites(services, monkeypatch)
