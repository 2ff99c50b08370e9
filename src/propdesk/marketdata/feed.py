"""The feed service: runs the configured source and publishes ticks and bars on the bus.

One task per process. With the simulator it first backfills the history every symbol lacks,
then ticks; with replay it plays stored history. Either way every tick goes out on
`Topics.TICKS`, and one-minute bars are built from them and go out on `Topics.BARS`: the
forming bar after each tick, and each bar as it closes. Simulated bars are stored as they
close, before they are published, so that whoever hears of a bar can read it back.

The feed is `ready` once that preparation is over and every symbol trading at the time has
printed: before then quotes, charts and fills would answer for a market that is not there yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from propdesk.bus.base import Bus, Topics
from propdesk.config import FeedSource, Settings
from propdesk.domain.bars import Bar, BarEvent, MinuteBarBuilder, Tick
from propdesk.domain.instruments import Instrument
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.replay import ReplaySource
from propdesk.marketdata.simulator import (
    Simulator,
    path_leaders,
    session_minutes,
    simulate_minute_bars,
)
from propdesk.store.db import Database
from propdesk.store.repositories.bars import (
    BarRow,
    all_series,
    read_bars,
    series_state,
    upsert_bars,
)

log = structlog.get_logger(__name__)

Clock = Callable[[], float]
"""UNIX seconds now; injected so that tests drive time."""

STOP_GRACE_SECONDS = 10.0
RETRY_SECONDS = 5.0
MAX_PENDING_BARS = 10_000
"""Closed bars kept per symbol (about a week) while the store is down; then the oldest go."""


class TickSource(Protocol):
    async def advance(self, now: float) -> tuple[float, list[Tick]]:
        """The ticks due by wall-clock `now`, and the market time they bring the feed to."""
        ...

    @property
    def exhausted(self) -> bool: ...

    def trading(self, market_time: float) -> list[str]:
        """The symbols that print at `market_time` (not those whose market is closed)."""
        ...


@dataclass(frozen=True, slots=True)
class FeedStatus:
    source: str
    running: bool
    last_tick_at: float | None
    ticks: int
    phase: str = "stopped"
    """stopped, preparing (backfill), live, finished (a replay that ran out) or failed."""
    ready: bool = False
    waiting_for: tuple[str, ...] = ()
    """Live, not ready yet: the symbols trading that have not printed since the start."""
    backfill: tuple[int, int] | None = None
    """Preparing: (symbols backfilled so far, symbols in all) while the backfill runs."""


class Feed:
    """The configured source, run as one task between `start()` and `stop()`.

    Tests drive it without the task: `await prepare(now)`, then `await step(now)` per tick
    interval, with whatever clock readings they choose.
    """

    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        database: Database,
        bus: Bus,
        *,
        clock: Clock = time.time,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.database = database
        self.bus = bus
        self.clock = clock
        self._source: TickSource | None = None
        self._builders: dict[str, MinuteBarBuilder] = {}
        self._pending: dict[str, list[BarRow]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._phase = "stopped"
        self._last_tick_at: float | None = None
        self._ticks = 0
        self._failures = 0
        self._ready = False
        self._printed: set[str] = set()
        self._waiting_for: tuple[str, ...] = ()
        self._backfill: tuple[int, int] | None = None
        self._started_at = time.perf_counter()

    @property
    def status(self) -> FeedStatus:
        running = self._task is not None and not self._task.done()
        return FeedStatus(
            self.settings.feed.value,
            running,
            self._last_tick_at,
            self._ticks,
            self._phase,
            self.ready,
            self._waiting_for,
            self._backfill,
        )

    @property
    def healthy(self) -> bool:
        """False when the feed should run but its task died (a replay that ends is fine)."""
        if self.settings.feed is FeedSource.none:
            return True
        if self._task is None:
            return False
        return not self._task.done() or self._phase == "finished"

    @property
    def ready(self) -> bool:
        """Prepared (history backfilled, or the replay open), and every symbol trading since
        then has printed once. It stays so until the feed stops or fails: a market opening
        later is not a reason to turn traffic away while its first print is on its way."""
        if self.settings.feed is FeedSource.none:
            return True
        return self._ready and self._phase in ("live", "finished")

    @property
    def persists_bars(self) -> bool:
        # Replayed bars are history already: writing them back could only damage it.
        return self.settings.feed is FeedSource.simulator

    async def start(self) -> None:
        if self.settings.feed is FeedSource.none or self._task is not None:
            return
        self._stopping.clear()
        self._started_at = time.perf_counter()
        self._task = asyncio.create_task(self._run(), name="propdesk-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        # Let the loop finish its step (and any write) rather than cancel it mid-transaction.
        done, _ = await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        elif not task.cancelled() and task.exception() is not None:
            log.error("feed task had failed", error=repr(task.exception()))
        await self._flush()
        if self._phase != "failed":
            self._phase = "stopped"

    async def _run(self) -> None:
        try:
            while not await self._prepared():
                if await self._wait(RETRY_SECONDS):
                    return
            interval = self.settings.feed_tick_interval
            while not self._stopping.is_set():
                now = self.clock()
                try:
                    await self.step(now)
                    if self._failures:
                        log.info("feed recovered", failures=self._failures)
                        self._failures = 0
                except Exception:
                    self._failures += 1
                    # One line per failure at first, then one a minute: a dead dependency
                    # must not flood the log four times a second.
                    if self._failures <= 3 or self._failures % int(60 / interval + 1) == 0:
                        log.exception("feed step failed", failures=self._failures)
                if self._source is not None and self._source.exhausted and not self._forming():
                    self._phase = "finished"
                    log.info("replay finished", ticks=self._ticks)
                    return
                if await self._wait(interval):
                    return
        except BaseException:
            if not self._stopping.is_set():
                self._phase = "failed"
                log.exception("feed task died")
            raise

    async def _prepared(self) -> bool:
        try:
            await self.prepare(self.clock())
        except Exception:
            log.exception("feed could not start; retrying", retry_in=RETRY_SECONDS)
            return False
        return True

    async def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once on stop; True when stopping."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def prepare(self, now: float) -> None:
        """Make the source ready: backfill and seed the simulator, or open the replay."""
        self._phase = "preparing"
        self._ready, self._waiting_for = False, ()
        self._printed.clear()
        if self.settings.feed is FeedSource.replay:
            self._source = await ReplaySource.open(self.settings, self.catalogue, self.database)
        else:
            started = time.perf_counter()
            written = await self.backfill(now)
            # The backfill took a while: cover the minutes that passed meanwhile.
            written += await self.backfill(max(now, self.clock()))
            if self.settings.backfill_days:
                log.info(
                    "backfill done",
                    bars=written,
                    symbols=len(self.catalogue),
                    seconds=round(time.perf_counter() - started, 2),
                )
            self._source = Simulator(
                self.catalogue.values(),
                self.settings.feed_seed,
                await self._last_closes(),
                tick_interval=self.settings.feed_tick_interval,
            )
        self._phase = "live"

    async def step(self, now: float) -> int:
        """One round: the source's due ticks and the bars they make, stored then published.
        Returns the number of ticks."""
        if self._source is None:
            raise RuntimeError("the feed is not prepared")
        market_now, ticks = await self._source.advance(now)
        messages: list[tuple[str, Any]] = []
        for tick in ticks:
            builder = self._builders.get(tick.symbol)
            if builder is None:
                builder = self._builders[tick.symbol] = MinuteBarBuilder(tick.symbol)
            closed = builder.add(tick)
            messages.append((Topics.TICKS, tick))
            if closed is not None:
                self._closed(closed, messages)
            if builder.forming is not None:
                messages.append((Topics.BARS, BarEvent(builder.forming, closed=False)))
        for builder in self._builders.values():
            closed = builder.roll(market_now)
            if closed is not None:
                self._closed(closed, messages)
        await self._flush()
        for topic, message in messages:
            await self.bus.publish(topic, message)
        if ticks:
            self._ticks += len(ticks)
            self._last_tick_at = now
        if not self._ready:
            self._note_prints(self._source, market_now, ticks)
        return len(ticks)

    def _note_prints(self, source: TickSource, market_now: float, ticks: list[Tick]) -> None:
        """Ready once every symbol trading now has printed, its ticks published above."""
        self._printed.update(tick.symbol for tick in ticks)
        self._waiting_for = tuple(s for s in source.trading(market_now) if s not in self._printed)
        if self._waiting_for:
            return
        self._ready = True
        log.info(
            "feed ready",
            source=self.settings.feed.value,
            symbols=len(self._printed),
            seconds=round(time.perf_counter() - self._started_at, 2),
        )
        self._printed.clear()

    def _forming(self) -> bool:
        return any(builder.forming is not None for builder in self._builders.values())

    def _closed(self, bar: Bar, messages: list[tuple[str, Any]]) -> None:
        messages.append((Topics.BARS, BarEvent(bar, closed=True)))
        if self.persists_bars:
            row = (bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume)
            self._pending.setdefault(bar.symbol, []).append(row)

    async def _flush(self) -> None:
        """Store the closed bars; on failure keep them for the next round (the feed goes on)."""
        if not self._pending:
            return
        try:
            async with self.database.connect() as connection:
                for symbol, rows in self._pending.items():
                    await upsert_bars(connection, symbol, rows, rewrites_history=False)
        except Exception:
            log.exception("storing closed bars failed; will retry", symbols=len(self._pending))
            for rows in self._pending.values():
                del rows[:-MAX_PENDING_BARS]
            return
        self._pending.clear()

    async def _last_closes(self) -> dict[str, float]:
        closes = {}
        async with self.database.connect() as connection:
            for state in await all_series(connection):
                if state.symbol in self.catalogue:
                    rows = await read_bars(
                        connection, state.symbol, state.last_ts, state.last_ts + 1
                    )
                    if rows:
                        closes[self.catalogue[state.symbol].symbol] = rows[-1][4]
        return closes

    async def backfill(self, now: float) -> int:
        """Simulate the one-minute history every symbol lacks up to the last completed
        minute (at most `backfill_days`): all of it for a new symbol, the gap since its
        last stored bar otherwise. Returns the number of bars written."""
        days = self.settings.backfill_days
        if days == 0:
            return 0
        end = int(now) // 60 * 60
        leaders = path_leaders(self.catalogue.values())
        started = time.perf_counter()
        written = 0
        instruments = list(self.catalogue.values())
        self._backfill = (0, len(instruments))
        try:
            for index, instrument in enumerate(instruments, start=1):
                if self._stopping.is_set():
                    break
                symbol = instrument.symbol
                bars = await self._backfill_symbol(instrument, end, days, leaders[symbol])
                self._backfill = (index, len(instruments))
                if bars:
                    written += bars
                    log.info(
                        "backfilled",
                        symbol=symbol,
                        bars=bars,
                        progress=f"{index}/{len(instruments)}",
                        total_bars=written,
                        seconds=round(time.perf_counter() - started, 2),
                    )
        finally:
            self._backfill = None
        return written

    async def _backfill_symbol(
        self, instrument: Instrument, end: int, days: int, leader: str
    ) -> int:
        symbol = instrument.symbol
        async with self.database.connect() as connection:
            state = await series_state(connection, symbol)
            last = (
                []
                if state is None
                else await read_bars(connection, symbol, state.last_ts, state.last_ts + 1)
            )
        earliest = end - days * 86_400
        if state is None or not last:
            begin, after, price = earliest, None, float(instrument.reference_price)
        elif state.last_ts + 60 < end:
            begin, after, price = max(state.last_ts + 60, earliest), state.last_ts + 60, last[-1][4]
        else:
            return 0
        minutes = session_minutes(instrument.session, begin, end)
        if not len(minutes):
            return 0
        # numpy runs in a thread so that health checks keep answering meanwhile.
        bars = await asyncio.to_thread(
            simulate_minute_bars,
            instrument,
            self.settings.feed_seed,
            minutes,
            start_price=price,
            after=after,
            path_symbol=leader,
        )
        async with self.database.connect() as connection:
            await upsert_bars(
                connection,
                symbol,
                bars.rows(),
                # A new series is history written at once; a gap only appends after last_ts.
                rewrites_history=state is None,
                chunk=50_000 if self.database.is_sqlite else 10_000,
            )
        return len(bars)
