"""The feed with the simulator: backfill, ticks and bars on the bus, closed bars stored, and a
task that survives errors and stops cleanly. Time is driven by an injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from propdesk.app import create_app
from propdesk.bus.base import Topics
from propdesk.bus.memory import MemoryBus, MemorySubscription
from propdesk.config import FeedSource, Settings
from propdesk.domain.bars import BarEvent, Tick
from propdesk.marketdata import feed as feed_module
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.feed import Feed
from propdesk.marketdata.simulator import session_minutes
from propdesk.services import Services
from propdesk.store.db import Database, open_database
from propdesk.store.repositories.bars import read_bars, series_state, upsert_bars

FULL = Catalogue.load()
CATALOGUE = Catalogue([FULL[s] for s in ("ES", "MES", "AAPL", "BTCUSD")])
WEDNESDAY = 1_772_640_000  # 2026-03-04 10:00 Chicago: every market open
FRIDAY_CLOSE = 1_772_834_400  # 2026-03-06 16:00 Chicago


class Clock:
    """Returns `now`; tests move it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await open_database(database_url)
    yield opened
    await opened.dispose()


@pytest.fixture
def simulator_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(feed=FeedSource.simulator, feed_seed=5)


def drain(subscription: MemorySubscription) -> list[Any]:
    return [subscription.get_nowait() for _ in range(subscription.pending())]


async def stored(
    database: Database, symbol: str
) -> list[tuple[int, float, float, float, float, float]]:
    async with database.connect() as connection:
        return await read_bars(connection, symbol, 0, 2**40)


async def run_steps(feed: Feed, start: float, seconds: float, interval: float = 0.25) -> None:
    for index in range(int(seconds / interval)):
        await feed.step(start + index * interval)


async def test_backfill_when_store_empty_then_history_up_to_the_last_completed_minute(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    settings = make_settings(feed=FeedSource.simulator, backfill_days=2)
    feed = Feed(settings, CATALOGUE, database, MemoryBus(), clock=Clock(WEDNESDAY + 30.5))

    written = await feed.backfill(WEDNESDAY + 30.5)

    expected_total = 0
    for instrument in CATALOGUE.values():
        minutes = session_minutes(instrument.session, WEDNESDAY - 2 * 86_400, WEDNESDAY)
        expected_total += len(minutes)
        async with database.connect() as connection:
            state = await series_state(connection, instrument.symbol)
        bars = await stored(database, instrument.symbol)
        assert state is not None
        assert (state.first_ts, state.last_ts) == (int(minutes[0]), WEDNESDAY - 60)
        assert [bar[0] for bar in bars] == minutes.tolist()
        assert all(low <= min(o, c) <= max(o, c) <= high for _, o, high, low, c, _ in bars)
    assert written == expected_total


async def test_backfill_when_bars_end_before_now_then_gap_filled_from_the_last_close(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    settings = make_settings(feed=FeedSource.simulator, backfill_days=5)
    es = Catalogue([FULL["ES"]])
    old = [(WEDNESDAY - 10_800 + 60 * i, 6000.0, 6000.5, 5999.5, 6000.0, 10.0) for i in range(3)]
    async with database.connect() as connection:
        await upsert_bars(connection, "ES", old, rewrites_history=True)
    feed = Feed(settings, es, database, MemoryBus(), clock=Clock(WEDNESDAY))

    written = await feed.backfill(WEDNESDAY)

    bars = await stored(database, "ES")
    async with database.connect() as connection:
        state = await series_state(connection, "ES")
    assert written == 177
    assert bars[:3] == old
    assert [bar[0] for bar in bars[3:]] == list(range(WEDNESDAY - 10_620, WEDNESDAY, 60))
    assert abs(bars[3][1] - 6000.0) <= 2.0
    assert state is not None
    assert state.revision == 1  # appended, not a rewrite: caches just fetch the tail


async def test_backfill_when_history_is_current_then_writes_nothing(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    settings = make_settings(feed=FeedSource.simulator, backfill_days=1)
    feed = Feed(settings, CATALOGUE, database, MemoryBus(), clock=Clock(WEDNESDAY))
    await feed.backfill(WEDNESDAY)

    written = await feed.backfill(WEDNESDAY + 59)

    assert written == 0


async def test_backfill_when_days_zero_then_nothing_written(
    simulator_settings: Settings, database: Database
) -> None:
    feed = Feed(simulator_settings, CATALOGUE, database, MemoryBus(), clock=Clock(WEDNESDAY))

    written = await feed.backfill(WEDNESDAY)

    assert written == 0
    assert await stored(database, "ES") == []


async def test_step_when_ticking_then_ticks_and_bars_published_and_closed_bars_stored(
    simulator_settings: Settings, database: Database
) -> None:
    bus = MemoryBus()
    ticks_topic, bars_topic = bus.subscribe(Topics.TICKS), bus.subscribe(Topics.BARS)
    feed = Feed(simulator_settings, CATALOGUE, database, bus, clock=Clock(WEDNESDAY))
    await feed.prepare(WEDNESDAY)

    await run_steps(feed, WEDNESDAY, 150)

    ticks: list[Tick] = drain(ticks_topic)
    events: list[BarEvent] = drain(bars_topic)
    forming = [e for e in events if not e.closed]
    closed = [e.bar for e in events if e.closed]
    assert len(forming) == len(ticks) == feed.status.ticks > 0
    assert feed.status.last_tick_at is not None
    assert {(b.symbol, b.ts) for b in closed} == {
        (s, m) for s in CATALOGUE for m in (WEDNESDAY, WEDNESDAY + 60)
    }
    for bar in closed:
        prints = [t for t in ticks if t.symbol == bar.symbol and int(t.ts) // 60 * 60 == bar.ts]
        prices = [float(t.last) for t in prints]
        assert (bar.open, bar.close) == (prices[0], prices[-1])
        assert (bar.high, bar.low) == (max(prices), min(prices))
        assert bar.volume == pytest.approx(sum(float(t.size) for t in prints))
    for symbol in CATALOGUE:
        expected = [
            (b.ts, b.open, b.high, b.low, b.close, b.volume) for b in closed if b.symbol == symbol
        ]
        assert await stored(database, symbol) == expected


async def test_step_when_minute_passes_without_ticks_then_its_bar_closes(
    simulator_settings: Settings, database: Database
) -> None:
    bus = MemoryBus()
    bars_topic = bus.subscribe(Topics.BARS)
    es = Catalogue([FULL["ES"]])
    feed = Feed(simulator_settings, es, database, bus, clock=Clock(FRIDAY_CLOSE - 30))
    await feed.prepare(FRIDAY_CLOSE - 30)
    await run_steps(feed, FRIDAY_CLOSE - 30, 30)
    drain(bars_topic)

    ticks = await feed.step(FRIDAY_CLOSE + 5)  # the market has closed for the weekend

    events: list[BarEvent] = drain(bars_topic)
    assert ticks == 0
    assert [(e.bar.ts, e.closed) for e in events] == [(FRIDAY_CLOSE - 60, True)]
    assert [row[0] for row in await stored(database, "ES")] == [FRIDAY_CLOSE - 60]


async def test_prepare_when_bars_stored_then_ticks_continue_from_the_last_close(
    simulator_settings: Settings, database: Database
) -> None:
    async with database.connect() as connection:
        await upsert_bars(
            connection,
            "ES",
            [(WEDNESDAY - 60, 5000.0, 5001.0, 4999.0, 5000.0, 7.0)],
            rewrites_history=True,
        )
    bus = MemoryBus()
    ticks_topic = bus.subscribe(Topics.TICKS)
    feed = Feed(simulator_settings, Catalogue([FULL["ES"]]), database, bus)
    await feed.prepare(WEDNESDAY)

    await run_steps(feed, WEDNESDAY, 20)

    first: Tick = drain(ticks_topic)[0]
    assert abs(float(first.last) - 5000.0) <= 0.5


async def test_step_when_run_twice_with_the_same_clock_then_the_same_ticks(
    simulator_settings: Settings, database: Database
) -> None:
    published = []
    for _ in range(2):
        bus = MemoryBus()
        ticks_topic = bus.subscribe(Topics.TICKS)
        feed = Feed(simulator_settings, CATALOGUE, database, bus)
        await feed.prepare(WEDNESDAY)
        await run_steps(feed, WEDNESDAY, 10)
        published.append(drain(ticks_topic))

    assert published[0] == published[1]
    assert published[0]


class FlakyBus(MemoryBus):
    """Refuses the first `failures` publications."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def publish(self, topic: str, message: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("bus unavailable")
        await super().publish(topic, message)


class SteppingClock:
    """Advances a quarter second per reading; raises once told to, then signals it did."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.fail = False
        self.failed = asyncio.Event()

    def __call__(self) -> float:
        if self.fail:
            self.failed.set()
            raise RuntimeError("clock broke")
        self.now += 0.25
        return self.now


async def test_run_when_a_step_fails_then_the_loop_goes_on_and_stops_cleanly(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    settings = make_settings(feed=FeedSource.simulator, feed_tick_interval=0.001)
    bus = FlakyBus(failures=3)
    ticks_topic = bus.subscribe(Topics.TICKS)
    feed = Feed(settings, CATALOGUE, database, bus, clock=SteppingClock(WEDNESDAY))
    await feed.start()

    async with asyncio.timeout(30):  # a deadline, not a wait: ticks come within milliseconds
        received = [await ticks_topic.get() for _ in range(20)]
    healthy, running = feed.healthy, feed.status.running
    await feed.stop()

    assert len(received) == 20
    assert healthy
    assert running
    assert not feed.status.running
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "propdesk-feed"]


async def test_healthy_when_the_feed_task_dies_then_false(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    settings = make_settings(feed=FeedSource.simulator, feed_tick_interval=0.001)
    bus = MemoryBus()
    ticks_topic = bus.subscribe(Topics.TICKS)
    clock = SteppingClock(WEDNESDAY)
    feed = Feed(settings, CATALOGUE, database, bus, clock=clock)
    await feed.start()
    async with asyncio.timeout(30):
        await ticks_topic.get()

    clock.fail = True
    async with asyncio.timeout(30):
        await clock.failed.wait()  # the task raised right after, in the same step

    assert not feed.healthy
    assert feed.status.phase == "failed"
    await feed.stop()


async def test_start_when_feed_is_none_then_no_task_and_healthy(
    settings: Settings, database: Database
) -> None:
    feed = Feed(settings, CATALOGUE, database, MemoryBus())

    await feed.start()

    assert feed.healthy
    assert not feed.status.running
    await feed.stop()


async def test_app_when_simulator_feed_then_health_ok_once_the_feed_is_ready(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(feed=FeedSource.simulator))

    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        services: Services = app.state.services
        ticks = services.bus.subscribe(Topics.TICKS)
        async with asyncio.timeout(30):  # real time: the markets open now print within seconds
            while not services.feed.ready:
                await ticks.get()
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json()["checks"]["feed"]["status"] == "ok"
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("propdesk-")]


class RecordingLog:
    """Stands in for the module's structlog logger: every call, as (event, fields)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def _record(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))

    info = warning = error = exception = debug = _record

    def events(self, name: str) -> list[dict[str, Any]]:
        return [fields for event, fields in self.lines if event == name]


async def test_ready_when_every_open_market_has_printed_then_true_from_that_step_on(
    simulator_settings: Settings, database: Database
) -> None:
    bus = MemoryBus()
    ticks_topic = bus.subscribe(Topics.TICKS)
    feed = Feed(simulator_settings, CATALOGUE, database, bus, clock=Clock(WEDNESDAY))
    before = feed.ready
    await feed.prepare(WEDNESDAY)
    prepared = feed.ready

    printed: set[str] = set()
    readiness = []
    for index in range(400):
        await feed.step(WEDNESDAY + index * 0.25)
        printed |= {tick.symbol for tick in drain(ticks_topic)}
        readiness.append((printed == set(CATALOGUE), feed.ready, feed.status.waiting_for))

    assert not before
    assert not prepared
    assert [ready for _, ready, _ in readiness] == [everyone for everyone, _, _ in readiness]
    assert readiness[-1] == (True, True, ())
    waiting = [waiting for everyone, _, waiting in readiness if not everyone]
    assert waiting  # the first steps wait for someone
    assert all(waiting)
    assert set(waiting[-1]) <= set(CATALOGUE)


async def test_ready_when_a_market_is_closed_then_it_is_not_waited_for(
    simulator_settings: Settings, database: Database
) -> None:
    evening = WEDNESDAY + 8 * 3_600  # 18:00 Chicago, 19:00 New York: AAPL has closed
    bus = MemoryBus()
    ticks_topic = bus.subscribe(Topics.TICKS)
    feed = Feed(simulator_settings, CATALOGUE, database, bus, clock=Clock(evening))
    await feed.prepare(evening)

    for index in range(400):
        await feed.step(evening + index * 0.25)
        if feed.ready:
            break

    assert feed.ready
    assert {tick.symbol for tick in drain(ticks_topic)} == {"ES", "MES", "BTCUSD"}


async def test_ready_when_the_feed_is_none_then_true_at_once(
    settings: Settings, database: Database
) -> None:
    feed = Feed(settings, CATALOGUE, database, MemoryBus())

    assert feed.ready
    assert feed.status.ready


async def test_ready_when_the_task_runs_then_true_and_false_again_once_stopped(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    settings = make_settings(feed=FeedSource.simulator, feed_tick_interval=0.001)
    bus = MemoryBus()
    ticks_topic = bus.subscribe(Topics.TICKS)
    feed = Feed(settings, CATALOGUE, database, bus, clock=SteppingClock(WEDNESDAY))
    await feed.start()

    async with asyncio.timeout(30):  # a deadline: the four symbols print within milliseconds
        while not feed.ready:
            await ticks_topic.get()
    status = feed.status
    await feed.stop()

    assert (status.phase, status.ready, status.waiting_for) == ("live", True, ())
    assert not feed.ready
    assert feed.status.phase == "stopped"


async def test_prepare_when_backfilling_then_logs_each_symbol_and_once_when_done(
    make_settings: Callable[..., Settings], database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = RecordingLog()
    monkeypatch.setattr(feed_module, "log", log)
    settings = make_settings(feed=FeedSource.simulator, backfill_days=1)
    feed = Feed(settings, CATALOGUE, database, MemoryBus(), clock=Clock(WEDNESDAY))

    await feed.prepare(WEDNESDAY)

    per_symbol = log.events("backfilled")
    done = log.events("backfill done")
    assert [line["symbol"] for line in per_symbol] == list(CATALOGUE)
    assert [line["progress"] for line in per_symbol] == ["1/4", "2/4", "3/4", "4/4"]
    totals = [line["total_bars"] for line in per_symbol]
    assert totals == sorted(totals)
    assert all(line["seconds"] >= 0 for line in per_symbol)
    assert len(done) == 1
    assert done[0]["bars"] == totals[-1]
    assert done[0]["seconds"] >= per_symbol[-1]["seconds"]
    assert feed.status.backfill is None
