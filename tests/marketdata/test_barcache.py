"""The bar cache: loads once, fetches only the tail after appends, reloads after a rewrite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.store.db import Database
from propdesk.store.repositories.bars import BarRow, upsert_bars

START = 1_772_928_000  # 2026-03-08 00:00 UTC


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.migrate()
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def cache(database: Database) -> BarCache:
    return BarCache(database, Catalogue.load())


def minutes(first: int, count: int, price: float = 100.0) -> list[BarRow]:
    return [
        (START + 60 * (first + i), price + i, price + i + 0.5, price + i - 0.25, price + i, 1.0)
        for i in range(count)
    ]


async def store(
    database: Database, rows: list[BarRow], *, rewrites_history: bool, symbol: str = "ES"
) -> None:
    async with database.connect() as connection:
        await upsert_bars(connection, symbol, rows, rewrites_history=rewrites_history)


async def test_bars_when_first_read_then_loads_every_stored_bar_in_order(
    database: Database, cache: BarCache
) -> None:
    rows = minutes(0, 500)
    await store(database, list(reversed(rows)), rewrites_history=True)

    bars = await cache.bars("ES")

    assert bars.ts.tolist() == [r[0] for r in rows]
    assert bars.high.tolist() == [r[2] for r in rows]
    assert bars.low.tolist() == [r[3] for r in rows]
    assert cache.stats.full_loads == 1


async def test_bars_when_values_are_awkward_floats_then_they_round_trip_exactly(
    database: Database, cache: BarCache
) -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(0, 1e4, (2_000, 5))
    rows: list[BarRow] = [
        (START + 60 * i, *(float(x) for x in values[i])) for i in range(len(values))
    ]
    rows[0] = (START, 0.1, 1.16005, 1e-9, 4512.25, 123456789.125)
    await store(database, rows, rewrites_history=True)

    bars = await cache.bars("ES")

    stacked = np.column_stack((bars.open, bars.high, bars.low, bars.close, bars.volume))
    assert stacked.tolist() == [list(r[1:]) for r in rows]
    assert bars.ts.dtype == np.int64
    assert all(a.flags["C_CONTIGUOUS"] for a in (bars.ts, bars.open, bars.volume))


async def test_bars_when_nothing_changed_then_served_from_memory(
    database: Database, cache: BarCache
) -> None:
    await store(database, minutes(0, 10), rewrites_history=True)
    first = await cache.bars("ES")

    second = await cache.bars("ES")

    assert second is first
    assert (cache.stats.full_loads, cache.stats.tail_fetches) == (1, 0)


async def test_bars_when_live_bars_appended_then_only_the_tail_is_fetched(
    database: Database, cache: BarCache
) -> None:
    await store(database, minutes(0, 100), rewrites_history=True)
    await cache.bars("ES")
    await store(database, minutes(100, 3, price=500.0), rewrites_history=False)

    bars = await cache.bars("ES")

    assert len(bars) == 103
    assert bars.close[-3:].tolist() == [500.0, 501.0, 502.0]
    assert (cache.stats.full_loads, cache.stats.tail_fetches) == (1, 1)
    assert cache.stats.rows_read == 100 + 4  # the tail starts at the last cached bar


async def test_bars_when_tail_rewrites_the_last_cached_bar_then_the_new_values_win(
    database: Database, cache: BarCache
) -> None:
    await store(database, minutes(0, 5), rewrites_history=True)
    await cache.bars("ES")
    closed_again = (START + 60 * 4, 1.0, 2.0, 0.5, 1.5, 9.0)
    await store(database, [closed_again, *minutes(5, 1)], rewrites_history=False)

    bars = await cache.bars("ES")

    assert bars.ts.tolist() == [START + 60 * i for i in range(6)]
    assert bars.close[4] == 1.5
    assert np.all(np.diff(bars.ts) > 0)


async def test_bars_when_history_rewritten_then_everything_is_reloaded(
    database: Database, cache: BarCache
) -> None:
    await store(database, minutes(0, 100), rewrites_history=True)
    await cache.bars("ES")
    await store(database, [(START, 1.0, 1.0, 1.0, 1.0, 1.0)], rewrites_history=True)

    bars = await cache.bars("ES")

    assert bars.close[0] == 1.0
    assert len(bars) == 100
    assert (cache.stats.full_loads, cache.stats.tail_fetches) == (2, 0)


async def test_bars_when_many_requests_arrive_cold_then_the_store_is_read_once(
    database: Database, cache: BarCache
) -> None:
    await store(database, minutes(0, 1_000), rewrites_history=True)

    results = await asyncio.gather(*(cache.bars("ES") for _ in range(8)))

    assert cache.stats.full_loads == 1
    assert all(len(r) == 1_000 for r in results)


async def test_bars_when_symbol_has_no_bars_then_empty(database: Database, cache: BarCache) -> None:
    await store(database, minutes(0, 5), rewrites_history=True, symbol="NQ")

    bars = await cache.bars("ES")

    assert len(bars) == 0
    assert cache.stats.full_loads == 0
