"""A signal runner on its own migrated store and in-memory bus (encoding, as across
processes), with the small settings of `builders.SETTINGS` unless a test asks for others."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from propdesk.bus.codec import JsonCodec
from propdesk.bus.memory import MemoryBus
from propdesk.config import Settings
from propdesk.domain import codec
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.signals.plugins import discover
from propdesk.signals.runner import SignalRunner
from propdesk.store.db import Database, open_database
from propdesk.store.repositories.bars import upsert_bars
from propdesk.ws.payloads import RegimePayload, SignalPayload

from .builders import SETTINGS

MakeRunner = Callable[..., SignalRunner]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await open_database(database_url)
    yield opened
    await opened.dispose()


@pytest.fixture
def bus() -> MemoryBus:
    models = (SignalPayload, RegimePayload)
    return MemoryBus(codec=JsonCodec(codec.to_plain, codec.from_plain, models=models))


@pytest.fixture
async def make_runner(
    make_settings: Callable[..., Settings], database: Database, bus: MemoryBus
) -> AsyncIterator[MakeRunner]:
    catalogue = Catalogue.load()
    made: list[SignalRunner] = []

    def make(**overrides: Any) -> SignalRunner:
        settings = make_settings(**{**SETTINGS, **overrides})
        runner = SignalRunner(
            settings, catalogue, database, bus, BarCache(database, catalogue), discover(points=[])
        )
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop()


@pytest.fixture
def store_bars(database: Database) -> Callable[..., Awaitable[None]]:
    async def store(rows: list[tuple[int, float, float, float, float, float]]) -> None:
        async with database.connect() as connection:
            await upsert_bars(connection, "MNQ", rows, rewrites_history=True)

    return store
