"""Replay: stored bars played back at speed as ticks on a plausible path, rebuilt into the very
same bars on the bus, and never written back over the history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest

from propdesk.bus.base import Topics
from propdesk.bus.memory import MemoryBus, MemorySubscription
from propdesk.config import FeedSource, Settings
from propdesk.domain.bars import BarEvent, Tick
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.feed import Feed
from propdesk.marketdata.replay import bar_path, split_volume
from propdesk.store.db import Database, open_database
from propdesk.store.repositories.bars import BarRow, read_bars, series_state, upsert_bars

CATALOGUE = Catalogue.load()
T0 = 1_772_640_000  # 2026-03-04 10:00 Chicago
NOW = 1_800_000_000.0  # wall clock of the replay, years later
UP = (T0, 100.0, 103.0, 99.0, 102.0, 8.0)
DOWN = (T0 + 60, 102.0, 102.5, 98.0, 98.5, 5.0)
FLAT = (T0 + 120, 98.5, 99.0, 98.0, 98.5, 3.0)
ES_BARS: list[BarRow] = [UP, DOWN, FLAT]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await open_database(database_url)
    yield opened
    await opened.dispose()


async def store(database: Database, symbol: str, rows: list[BarRow]) -> None:
    async with database.connect() as connection:
        await upsert_bars(connection, symbol, rows, rewrites_history=True)


def drain(subscription: MemorySubscription) -> list[Any]:
    return [subscription.get_nowait() for _ in range(subscription.pending())]


class Replay:
    """A replay feed with its bus taps, stepped by hand."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.bus = MemoryBus()
        self.ticks = self.bus.subscribe(Topics.TICKS)
        self.bars = self.bus.subscribe(Topics.BARS)
        self.feed = Feed(settings, CATALOGUE, database, self.bus, clock=lambda: NOW)

    async def play(self, seconds: float, interval: float = 0.25) -> None:
        await self.feed.prepare(NOW)
        for index in range(int(seconds / interval) + 1):
            await self.feed.step(NOW + index * interval)

    def closed(self) -> list[BarRow]:
        events: list[BarEvent] = [e for e in drain(self.bars) if e.closed]
        return [
            (e.bar.ts, e.bar.open, e.bar.high, e.bar.low, e.bar.close, e.bar.volume) for e in events
        ]


@pytest.fixture
def replay_settings(make_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        return make_settings(feed=FeedSource.replay, replay_speed=60.0, **overrides)

    return make


async def test_replay_when_played_through_then_the_bus_carries_the_stored_bars(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    await store(database, "ES", ES_BARS)
    replay = Replay(replay_settings(), database)

    await replay.play(seconds=4)

    assert replay.closed() == ES_BARS
    assert replay.feed.status.ticks == 12


async def test_replay_when_bar_closed_up_then_ticks_go_open_low_high_close(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    await store(database, "ES", ES_BARS)
    replay = Replay(replay_settings(), database)

    await replay.play(seconds=4)

    ticks: list[Tick] = drain(replay.ticks)
    assert [float(t.last) for t in ticks[:4]] == [100.0, 99.0, 103.0, 102.0]
    assert [float(t.last) for t in ticks[4:8]] == [102.0, 102.5, 98.0, 98.5]
    assert [t.ts for t in ticks[:4]] == [T0, T0 + 15, T0 + 30, T0 + 45]
    assert sum(t.size for t in ticks[:4]) == 8
    assert all(t.ask == t.bid + Decimal("0.25") for t in ticks)


async def test_replay_when_speed_is_60_then_a_minute_of_history_per_second(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    await store(database, "ES", ES_BARS)
    replay = Replay(replay_settings(), database)

    await replay.play(seconds=1)

    ticks: list[Tick] = drain(replay.ticks)
    assert [t.ts for t in ticks] == [T0, T0 + 15, T0 + 30, T0 + 45, T0 + 60]
    assert replay.closed() == [UP]


async def test_replay_when_played_then_stored_history_is_untouched(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    await store(database, "ES", ES_BARS)
    replay = Replay(replay_settings(), database)

    await replay.play(seconds=4)

    async with database.connect() as connection:
        state = await series_state(connection, "ES")
        rows = await read_bars(connection, "ES", 0, 2**40)
    assert rows == ES_BARS
    assert state is not None
    assert state.revision == 1


async def test_replay_when_replay_from_set_then_starts_there(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    await store(database, "ES", ES_BARS)
    replay = Replay(replay_settings(replay_from=T0 + 60), database)

    await replay.play(seconds=3)

    assert replay.closed() == [DOWN, FLAT]


async def test_replay_when_symbols_chosen_then_only_those_play_in_time_order(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    await store(database, "ES", ES_BARS)
    await store(database, "NQ", [(T0 + 60, 20_000.0, 20_010.0, 19_990.0, 20_005.0, 4.0)])
    await store(database, "CL", [(T0, 60.0, 60.1, 59.9, 60.05, 4.0)])
    replay = Replay(replay_settings(replay_symbols=["es", "NQ"]), database)

    await replay.play(seconds=4)

    ticks: list[Tick] = drain(replay.ticks)
    assert {t.symbol for t in ticks} == {"ES", "NQ"}
    assert [t.ts for t in ticks] == sorted(t.ts for t in ticks)


async def test_replay_when_history_has_a_long_gap_then_it_is_skipped(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    later = (T0 + 3 * 86_400, 98.0, 99.0, 97.0, 98.25, 2.0)
    await store(database, "ES", [UP, later])
    replay = Replay(replay_settings(), database)

    await replay.play(seconds=3)

    assert replay.closed() == [UP, later]


async def test_replay_when_nothing_stored_then_exhausted_without_ticks(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    replay = Replay(replay_settings(), database)

    await replay.play(seconds=1)

    assert drain(replay.ticks) == []
    assert replay.feed.status.ticks == 0


@pytest.mark.parametrize(
    ("row", "path"),
    [
        (UP, (100.0, 99.0, 103.0, 102.0)),
        (DOWN, (102.0, 102.5, 98.0, 98.5)),
        (FLAT, (98.5, 99.0, 98.0, 98.5)),
    ],
)
def test_bar_path_when_bar_given_then_extreme_nearest_the_open_comes_first(
    row: BarRow, path: tuple[float, ...]
) -> None:
    assert bar_path(row) == path


@pytest.mark.parametrize(
    ("volume", "lot_step", "sizes"),
    [
        (10.0, "1", ("3", "3", "2", "2")),
        (3.0, "1", ("1", "1", "1", "0")),
        (0.0123, "0.001", ("0.003", "0.003", "0.003", "0.0033")),
        (0.0, "1", ("0", "0", "0", "0")),
    ],
)
def test_split_volume_when_split_then_lot_steps_adding_up_to_the_volume(
    volume: float, lot_step: str, sizes: tuple[str, ...]
) -> None:
    parts = split_volume(volume, Decimal(lot_step))

    assert parts == tuple(Decimal(s) for s in sizes)
    assert sum(parts) == Decimal(repr(volume))


async def test_ready_when_the_first_bars_play_then_true_though_another_symbol_starts_later(
    replay_settings: Callable[..., Settings], database: Database
) -> None:
    await store(database, "ES", ES_BARS)
    await store(database, "NQ", [(T0 + 3_600, 20_000.0, 20_010.0, 19_990.0, 20_005.0, 4.0)])
    replay = Replay(replay_settings(), database)
    await replay.feed.prepare(NOW)
    prepared = replay.feed.ready

    await replay.feed.step(NOW)

    assert not prepared
    assert {t.symbol for t in drain(replay.ticks)} == {"ES"}
    assert replay.feed.ready
    assert replay.feed.status.waiting_for == ()
