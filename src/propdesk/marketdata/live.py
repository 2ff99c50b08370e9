"""What is live right now, per symbol: the last quote and the forming one-minute bar.

Fed from the bus, so it works the same whether the feed runs in this process or another.
The figures of the trading day (open, high, low, volume, the previous day's close) come from
the store whenever a symbol starts a trading day here, then move with every tick: a restart in
the middle of a session, or a quote asked for on a weekend, still shows the whole day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from propdesk.bus.base import Bus, Subscription, Topics
from propdesk.domain.bars import Bar, BarEvent, Tick
from propdesk.domain.instruments import Instrument
from propdesk.marketdata.catalogue import Catalogue
from propdesk.store.db import Database
from propdesk.store.repositories.bars import BarRow, all_series, read_bars

log = structlog.get_logger(__name__)

_LOOKBACK_WINDOWS = (3_600, 86_400, 4 * 86_400, 40 * 86_400)
"""Widening windows to find the last bar before a session: the daily break, a night, a long
weekend, then any gap at all; the common cases read a handful of rows."""


RESYNC_AFTER_SECONDS = 120.0
"""A symbol silent this long re-reads its day from the store at its next tick."""


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest tick plus the figures of the current trading day."""

    tick: Tick
    session_open: float
    session_high: float
    session_low: float
    session_volume: float
    previous_close: float | None
    trading_day: date | None = None

    @property
    def change(self) -> float | None:
        """Last price minus the previous trading day's close."""
        if self.previous_close is None:
            return None
        return float(self.tick.last) - self.previous_close

    @property
    def change_percent(self) -> float | None:
        if self.previous_close is None or self.previous_close == 0:
            return None
        return (float(self.tick.last) - self.previous_close) / self.previous_close * 100


@dataclass(frozen=True, slots=True)
class DaySeed:
    """What the store knows of a trading day before a given minute."""

    day: date
    previous_close: float | None
    previous_close_ts: int | None
    """Opening second of the bar that gave `previous_close`."""
    bars: tuple[BarRow, ...] = ()
    """The day's stored bars before that minute, ascending."""


class LiveState:
    def __init__(self, bus: Bus, catalogue: Catalogue, database: Database) -> None:
        self.bus = bus
        self.catalogue = catalogue
        self.database = database
        self._quotes: dict[str, Quote] = {}
        self._forming: dict[str, Bar] = {}
        self._seeds: dict[tuple[str, date], DaySeed] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._subscriptions: list[Subscription] = []
        self._updated = asyncio.Event()

    async def start(self) -> None:
        """Show what the store holds, then follow the bus."""
        if self._tasks:
            return
        # Subscribe first: a tick published while the store is read waits in the queue.
        ticks = self.bus.subscribe(Topics.TICKS)
        bars = self.bus.subscribe(Topics.BARS)
        self._subscriptions = [ticks, bars]
        try:
            await self._seed_from_store()
        except Exception:
            log.exception("could not read the last quotes from the store")
        self._tasks = [
            asyncio.create_task(self._follow_ticks(ticks), name="propdesk-live-ticks"),
            asyncio.create_task(self._follow_bars(bars), name="propdesk-live-bars"),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for subscription in self._subscriptions:
            subscription.close()
        self._subscriptions = []

    def quote(self, symbol: str) -> Quote | None:
        return self._quotes.get(symbol.upper())

    def tick(self, symbol: str) -> Tick | None:
        """The last tick of a symbol: what open positions are valued at."""
        quote = self._quotes.get(symbol.upper())
        return None if quote is None else quote.tick

    def forming_bar(self, symbol: str) -> Bar | None:
        return self._forming.get(symbol.upper())

    def quotes(self) -> dict[str, Quote]:
        return dict(self._quotes)

    def next_update(self) -> Coroutine[Any, Any, bool]:
        """Completes once the next message from the bus has been applied. Take it before
        the message is published (or the state checked), so that none slips by."""
        return self._updated.wait()

    def _notify(self) -> None:
        self._updated.set()
        self._updated = asyncio.Event()

    def trading_day(self, symbol: str, ts: float) -> date:
        """The trading day a tick belongs to; a print outside the session (imported history
        can have them) belongs to the day in progress, else to its own local date."""
        instrument = self.catalogue.get(symbol)
        if instrument is None:
            return datetime.fromtimestamp(ts, UTC).date()
        day = instrument.session.trading_day(int(ts))
        if day is not None:
            return day
        current = self._quotes.get(symbol)
        if current is not None and current.trading_day is not None:
            return current.trading_day
        return datetime.fromtimestamp(ts, instrument.session.zone).date()

    def seed(self, symbol: str, seed: DaySeed) -> None:
        """Tell what the store knows of a trading day (tests call this directly)."""
        self._seeds[(symbol.upper(), seed.day)] = seed

    def apply(self, tick: Tick) -> Quote:
        """Move the symbol's quote to this tick; synchronous, so tests feed it directly."""
        symbol = tick.symbol.upper()
        day = self.trading_day(symbol, tick.ts)
        current = self._quotes.get(symbol)
        resync = (symbol, day) in self._seeds
        if current is not None and _continues(current, day, tick) and not resync:
            price = float(tick.last)
            quote = replace(
                current,
                tick=tick,
                session_high=max(current.session_high, price),
                session_low=min(current.session_low, price),
                session_volume=current.session_volume + float(tick.size),
            )
        else:
            quote = self._start_day(symbol, day, tick, current)
        self._quotes[symbol] = quote
        return quote

    def apply_bar(self, event: BarEvent) -> None:
        symbol = event.bar.symbol.upper()
        if not event.closed:
            self._forming[symbol] = event.bar
        elif (forming := self._forming.get(symbol)) is not None and forming.ts <= event.bar.ts:
            del self._forming[symbol]

    def _start_day(self, symbol: str, day: date, tick: Tick, current: Quote | None) -> Quote:
        """A quote for the first tick of a trading day here (a new day, the first tick since
        start, time running backwards as a replay rewinds) or after a silence: from what
        the store knows of the day before this tick's minute, when it was asked."""
        price, size = float(tick.last), float(tick.size)
        seed = self._seeds.pop((symbol, day), None)
        previous_close = None if seed is None else seed.previous_close
        if current is not None and current.trading_day == day:
            if previous_close is None:
                previous_close = current.previous_close
        elif current is not None and current.trading_day is not None and current.trading_day < day:
            # Our own last tick of the day before is at least as fresh as the stored bar,
            # which the feed may not have flushed yet.
            stored_ts = None if seed is None else seed.previous_close_ts
            if stored_ts is None or current.tick.ts >= stored_ts:
                previous_close = float(current.tick.last)
        minute = int(tick.ts) // 60 * 60
        bars = [] if seed is None else [bar for bar in seed.bars if bar[0] < minute]
        if not bars:
            return Quote(tick, price, price, price, size, previous_close, day)
        return Quote(
            tick=tick,
            session_open=bars[0][1],
            session_high=max(price, *(bar[2] for bar in bars)),
            session_low=min(price, *(bar[3] for bar in bars)),
            session_volume=sum(bar[5] for bar in bars) + size,
            previous_close=previous_close,
            trading_day=day,
        )

    async def process(self, tick: Tick) -> Quote:
        """`apply`, after reading from the store what it knows of a trading day that starts
        here (at most once per symbol and day); what the bus consumer does with each tick."""
        try:
            await self._ensure_seeded(tick)
        except Exception:
            log.exception("could not read the trading day from the store", symbol=tick.symbol)
        return self.apply(tick)

    async def _follow_ticks(self, subscription: Subscription) -> None:
        while True:
            await self.process(await subscription.get())
            self._notify()

    async def _follow_bars(self, subscription: Subscription) -> None:
        while True:
            self.apply_bar(await subscription.get())
            self._notify()

    async def _ensure_seeded(self, tick: Tick) -> None:
        # The day's first tick reads what came before it; so does a tick after a silence,
        # in which bars may have been stored that no tick here announced (a gap filled
        # while the server was off, history skipped by a replay).
        symbol = tick.symbol.upper()
        instrument = self.catalogue.get(symbol)
        if instrument is None:
            return
        day = self.trading_day(symbol, tick.ts)
        current = self._quotes.get(symbol)
        if (symbol, day) in self._seeds or (
            current is not None
            and _continues(current, day, tick)
            and tick.ts - current.tick.ts <= RESYNC_AFTER_SECONDS
        ):
            return
        async with self.database.connect() as connection:
            self.seed(symbol, await _read_day(connection, instrument, day, int(tick.ts)))

    async def _seed_from_store(self) -> None:
        """A quote for every symbol with stored bars: its last bar as the last print, and the
        figures of that bar's trading day."""
        async with self.database.connect() as connection:
            for state in await all_series(connection):
                instrument = self.catalogue.get(state.symbol)
                if instrument is None:
                    continue
                symbol = instrument.symbol
                day = instrument.session.trading_day(state.last_ts)
                if day is None:
                    day = datetime.fromtimestamp(state.last_ts, instrument.session.zone).date()
                seed = await _read_day(connection, instrument, day, state.last_ts + 60)
                if not seed.bars:
                    continue
                bars = seed.bars
                self._quotes[symbol] = Quote(
                    tick=_print_of(instrument, bars[-1]),
                    session_open=bars[0][1],
                    session_high=max(bar[2] for bar in bars),
                    session_low=min(bar[3] for bar in bars),
                    session_volume=sum(bar[5] for bar in bars),
                    previous_close=seed.previous_close,
                    trading_day=day,
                )
        log.info("quotes seeded from the store", symbols=len(self._quotes))


def _continues(current: Quote, day: date, tick: Tick) -> bool:
    """Whether the tick carries on the quote's trading day (not a new day, not a rewind)."""
    return current.trading_day == day and tick.ts >= current.tick.ts


def _print_of(instrument: Instrument, bar: BarRow) -> Tick:
    """A stand-in for the last print of a stored bar: its close, in its last second, with
    no size (its volume is in the day's figures already)."""
    close = Decimal(repr(bar[4]))
    return Tick(
        instrument.symbol,
        float(bar[0] + 59),
        close,
        close,
        close + instrument.tick_size,
        Decimal(0),
    )


async def _read_day(
    connection: AsyncConnection, instrument: Instrument, day: date, before: int
) -> DaySeed:
    """The stored bars of trading day `day` before second `before`, and the close before
    the day's session began."""
    start, _ = instrument.session.bounds(day)
    bars = await read_bars(connection, instrument.symbol, start, before)
    for window in _LOOKBACK_WINDOWS:
        earlier = await read_bars(connection, instrument.symbol, start - window, start)
        if earlier:
            return DaySeed(day, earlier[-1][4], earlier[-1][0], tuple(bars))
    return DaySeed(day, None, None, tuple(bars))
