"""Live state: quotes with the trading day's figures and the previous close, forming bars, fed
directly (`apply`), through the store (`process`) or from the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest

from propdesk.bus.base import Topics
from propdesk.bus.memory import MemoryBus
from propdesk.domain.bars import Bar, BarEvent, Tick
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.live import DaySeed, LiveState
from propdesk.store.db import Database, open_database
from propdesk.store.repositories.bars import BarRow, upsert_bars

CATALOGUE = Catalogue.load()
WEDNESDAY = 1_772_640_000  # 2026-03-04 10:00 Chicago, in Wednesday's CME session
WEDNESDAY_OPEN = WEDNESDAY - 61_200  # Tuesday 17:00 Chicago
TUESDAY_CLOSE = WEDNESDAY_OPEN - 3_600  # Tuesday 16:00 Chicago


def tick(ts: float, price: str, size: str = "1", symbol: str = "ES") -> Tick:
    last = Decimal(price)
    return Tick(symbol, ts, last, last, last + Decimal("0.25"), Decimal(size))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await open_database(database_url)
    yield opened
    await opened.dispose()


@pytest.fixture
def live(database: Database) -> LiveState:
    return LiveState(MemoryBus(), CATALOGUE, database)


async def store(database: Database, symbol: str, rows: list[BarRow]) -> None:
    async with database.connect() as connection:
        await upsert_bars(connection, symbol, rows, rewrites_history=True)


def test_apply_when_first_tick_then_quote_of_that_tick(live: LiveState) -> None:
    quote = live.apply(tick(WEDNESDAY, "6000.25", "3"))

    assert live.quote("es") == quote
    assert (quote.session_open, quote.session_high, quote.session_low) == (6000.25,) * 3
    assert quote.session_volume == 3
    assert quote.previous_close is None
    assert quote.change is None
    assert quote.trading_day == date(2026, 3, 4)


def test_apply_when_more_ticks_in_the_day_then_range_and_volume_grow(live: LiveState) -> None:
    live.apply(tick(WEDNESDAY, "6000", "1"))
    live.apply(tick(WEDNESDAY + 1, "6003", "2"))

    quote = live.apply(tick(WEDNESDAY + 2, "5998.5", "4"))

    assert (quote.session_open, quote.session_high, quote.session_low) == (6000, 6003, 5998.5)
    assert quote.session_volume == 7
    assert quote.tick.last == Decimal("5998.5")


def test_apply_when_trading_day_changes_then_last_price_becomes_previous_close(
    live: LiveState,
) -> None:
    live.apply(tick(TUESDAY_CLOSE - 10, "6000", "5"))

    quote = live.apply(tick(WEDNESDAY_OPEN + 1, "6010", "2"))

    assert quote.trading_day == date(2026, 3, 4)
    assert quote.previous_close == 6000
    assert (quote.session_open, quote.session_low, quote.session_volume) == (6010, 6010, 2)
    assert quote.change == 10
    assert quote.change_percent == pytest.approx(10 / 6000 * 100)


def test_apply_when_day_seeded_then_its_stored_figures_count(live: LiveState) -> None:
    bars = ((WEDNESDAY - 120, 96.0, 98.0, 95.5, 97.0, 10.0), (WEDNESDAY - 60, 97, 99, 96.5, 98, 5))
    live.seed("ES", DaySeed(date(2026, 3, 4), 95.0, TUESDAY_CLOSE - 60, bars))

    quote = live.apply(tick(WEDNESDAY + 5, "98.25", "2"))

    assert (quote.session_open, quote.session_high, quote.session_low) == (96, 99, 95.5)
    assert quote.session_volume == 17
    assert quote.previous_close == 95


def test_apply_when_time_rewinds_within_the_day_then_day_restarts_keeping_previous_close(
    live: LiveState,
) -> None:
    live.apply(tick(TUESDAY_CLOSE - 10, "100"))
    live.apply(tick(WEDNESDAY + 600, "110", "3"))

    quote = live.apply(tick(WEDNESDAY, "105", "1"))

    assert (quote.session_open, quote.session_high, quote.session_volume) == (105, 105, 1)
    assert quote.previous_close == 100


def test_apply_bar_when_forming_then_shown_and_when_closed_then_cleared(live: LiveState) -> None:
    forming = Bar("ES", WEDNESDAY, 1.0, 2.0, 0.5, 1.5, 3.0)
    live.apply_bar(BarEvent(forming, closed=False))
    shown = live.forming_bar("ES")

    live.apply_bar(BarEvent(forming, closed=True))

    assert shown == forming
    assert live.forming_bar("ES") is None


async def test_start_when_bars_stored_then_quotes_show_the_last_stored_day(
    database: Database,
) -> None:
    await store(
        database,
        "ES",
        [
            (TUESDAY_CLOSE - 120, 89.0, 89.5, 88.0, 89.25, 4.0),
            (TUESDAY_CLOSE - 60, 89.25, 90.5, 89.0, 90.0, 6.0),
            (WEDNESDAY - 120, 91.0, 92.0, 90.75, 91.5, 3.0),
            (WEDNESDAY - 60, 91.5, 93.0, 91.25, 92.75, 2.0),
        ],
    )
    live = LiveState(MemoryBus(), CATALOGUE, database)

    await live.start()
    await live.stop()

    quote = live.quote("ES")
    assert quote is not None
    assert quote.tick.last == Decimal("92.75")
    assert quote.trading_day == date(2026, 3, 4)
    assert (quote.session_open, quote.session_high, quote.session_low) == (91, 93, 90.75)
    assert quote.session_volume == 5
    assert quote.previous_close == 90
    assert live.quote("NQ") is None


async def test_process_when_a_day_starts_after_a_backfill_then_its_stored_part_counts(
    live: LiveState, database: Database
) -> None:
    await live.start()
    await store(
        database,
        "ES",
        [
            (TUESDAY_CLOSE - 60, 89.25, 90.5, 89.0, 90.0, 6.0),
            (WEDNESDAY - 60, 91.5, 93.0, 91.25, 92.75, 2.0),
        ],
    )

    quote = await live.process(tick(WEDNESDAY + 1, "92.5", "1"))
    await live.stop()

    assert (quote.session_open, quote.session_high, quote.session_volume) == (91.5, 93, 3)
    assert quote.previous_close == 90


async def test_process_when_ticks_resume_after_a_silence_then_bars_stored_meanwhile_count(
    database: Database,
) -> None:
    await store(database, "ES", [(WEDNESDAY - 60, 91.5, 93.0, 91.25, 92.75, 2.0)])
    live = LiveState(MemoryBus(), CATALOGUE, database)
    await live.start()
    gap = [(WEDNESDAY + 60 * i, 92.75, 95.0 + i, 92.5, 93.0, 1.0) for i in range(10)]
    await store(database, "ES", gap)  # filled while the server was off

    quote = await live.process(tick(WEDNESDAY + 630, "93.25", "1"))
    await live.stop()

    assert (quote.session_open, quote.session_high, quote.session_low) == (91.5, 104, 91.25)
    assert quote.session_volume == 13


async def test_process_when_replay_rewinds_to_an_older_day_then_that_days_close_before(
    live: LiveState, database: Database
) -> None:
    monday_last = TUESDAY_CLOSE - 86_400 - 60
    await store(database, "ES", [(monday_last, 80.0, 81.0, 79.0, 80.5, 1.0)])
    live.apply(tick(WEDNESDAY, "100"))

    quote = await live.process(tick(TUESDAY_CLOSE - 3_600, "85"))

    assert quote.trading_day == date(2026, 3, 3)
    assert quote.previous_close == 80.5
    assert quote.session_open == 85


async def test_bus_when_ticks_and_bars_published_then_followed_until_stopped(
    database: Database,
) -> None:
    bus = MemoryBus()
    live = LiveState(bus, CATALOGUE, database)
    await live.start()
    forming = Bar("BTCUSD", WEDNESDAY, 1.0, 1.0, 1.0, 1.0, 1.0)

    await bus.publish(Topics.TICKS, tick(WEDNESDAY, "95000.5", "0.25", symbol="BTCUSD"))
    await bus.publish(Topics.BARS, BarEvent(forming, closed=False))
    async with asyncio.timeout(10):  # a deadline, not a wait: both apply within milliseconds
        while live.quote("BTCUSD") is None or live.forming_bar("BTCUSD") is None:
            await live.next_update()
    await live.stop()

    quote = live.quote("BTCUSD")
    assert quote is not None
    assert quote.tick.last == Decimal("95000.5")
    assert live.forming_bar("BTCUSD") == forming
    assert bus.subscriber_count(Topics.TICKS) == bus.subscriber_count(Topics.BARS) == 0
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("propdesk-live")]
