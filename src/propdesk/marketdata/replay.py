"""Replay: stored one-minute bars played back as a live feed, faster than life.

Each bar becomes four ticks stamped with the replayed (historical) time, along the path the bar
most plausibly took: open, low, high, close for a bar that closed up; open, high, low, close
otherwise. Bars are read from the store a window at a time and turned into ticks only when
due, so a long history costs neither memory nor a stall. Nothing is ever written back.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from decimal import Decimal

import structlog

from propdesk.config import Settings
from propdesk.domain.bars import Tick
from propdesk.domain.instruments import Instrument
from propdesk.marketdata.catalogue import Catalogue
from propdesk.store.db import Database
from propdesk.store.repositories.bars import BarRow, all_series, read_bars

log = structlog.get_logger(__name__)

TICK_OFFSETS = (0, 15, 30, 45)
"""Seconds into its minute at which each of a bar's four ticks prints."""

MAX_TICKS_PER_STEP = 20_000
"""A fast replay falls behind rather than stalling the event loop for long."""

IDLE_SKIP_SECONDS = 300
"""Stretches longer than this in which no replayed symbol trades (nights, weekends) are
skipped: nobody wants to watch a weekend pass at sixty times its speed."""


def bar_path(row: BarRow) -> tuple[float, float, float, float]:
    """The four prices a bar most plausibly went through, open first and close last."""
    _, open_, high, low, close, _ = row
    return (open_, low, high, close) if close > open_ else (open_, high, low, close)


def split_volume(volume: float, lot_step: Decimal) -> tuple[Decimal, ...]:
    """Four sizes in whole lot steps (where the volume allows) that add up to `volume`."""
    if not math.isfinite(volume) or volume < 0:
        volume = 0.0  # a damaged row must not wedge the replay on its bar forever
    total = Decimal(repr(volume))
    lots = int(total // lot_step)
    shares = [lots // 4 + (1 if index < lots % 4 else 0) for index in range(4)]
    sizes = [lot_step * share for share in shares]
    sizes[-1] += total - sum(sizes, Decimal(0))
    return tuple(sizes)


class _Track:
    """One symbol's position in its stored history."""

    def __init__(self, instrument: Instrument, first_ts: int, last_ts: int) -> None:
        self.instrument = instrument
        self.next_from = first_ts
        self.last_ts = last_ts
        self.rows: deque[BarRow] = deque()
        self.phase = 0
        self._sizes: tuple[Decimal, ...] = ()

    @property
    def exhausted(self) -> bool:
        return not self.rows and self.next_from > self.last_ts

    def head_ts(self) -> float | None:
        return float(self.rows[0][0] + TICK_OFFSETS[self.phase]) if self.rows else None

    def needs_rows(self, until: float) -> bool:
        if self.next_from > self.last_ts:
            return False
        return not self.rows or self.rows[-1][0] + TICK_OFFSETS[-1] <= until

    def pop(self) -> Tick:
        row = self.rows[0]
        if self.phase == 0:
            self._sizes = split_volume(row[5], self.instrument.lot_step)
        last = Decimal(repr(bar_path(row)[self.phase]))
        tick = Tick(
            symbol=self.instrument.symbol,
            ts=float(row[0] + TICK_OFFSETS[self.phase]),
            last=last,
            bid=last,
            ask=last + self.instrument.tick_size,
            size=self._sizes[self.phase],
        )
        self.phase += 1
        if self.phase == len(TICK_OFFSETS):
            self.rows.popleft()
            self.phase = 0
        return tick


class ReplaySource:
    """Ticks of stored history, due as a replay clock `speed` times faster than wall time
    passes; every symbol shares that clock, so the replayed markets stay in step."""

    def __init__(
        self, database: Database, tracks: Sequence[_Track], origin: int, speed: float
    ) -> None:
        self.database = database
        self.tracks = list(tracks)
        self.origin = origin
        self.speed = speed
        self.window = int(min(max(speed * 120, 6 * 3_600), 30 * 86_400)) // 60 * 60
        self._started_at: float | None = None
        self._skipped = 0.0
        self._last_ts: float | None = None

    @classmethod
    async def open(
        cls, settings: Settings, catalogue: Catalogue, database: Database
    ) -> ReplaySource:
        async with database.connect() as connection:
            stored = {state.symbol: state for state in await all_series(connection)}
        wanted = [s.upper() for s in settings.replay_symbols] or list(stored)
        start = None if settings.replay_from is None else settings.replay_from // 60 * 60
        tracks = []
        for symbol in wanted:
            if symbol not in catalogue:
                log.warning("replay symbol not in the catalogue", symbol=symbol)
                continue
            instrument = catalogue[symbol]
            state = stored.get(instrument.symbol)
            if state is None or (start is not None and state.last_ts < start):
                log.warning("nothing stored to replay", symbol=symbol)
                continue
            first = state.first_ts if start is None else max(start, state.first_ts)
            tracks.append(_Track(instrument, first, state.last_ts))
        origin = min((t.next_from for t in tracks), default=0) if start is None else start
        log.info(
            "replay ready",
            symbols=[t.instrument.symbol for t in tracks],
            origin=origin,
            speed=settings.replay_speed,
        )
        return cls(database, tracks, origin, settings.replay_speed)

    @property
    def exhausted(self) -> bool:
        return all(track.exhausted for track in self.tracks)

    def trading(self, market_time: float) -> list[str]:
        """The replayed symbols with a print due by `market_time`: history that has begun
        (a symbol's stored bars may start long after another's)."""
        return [
            track.instrument.symbol
            for track in self.tracks
            if (ts := track.head_ts()) is not None and ts <= market_time
        ]

    def replay_time(self, now: float) -> float:
        if self._started_at is None:
            self._started_at = now
        return self.origin + (now - self._started_at) * self.speed + self._skipped

    async def advance(self, now: float) -> tuple[float, list[Tick]]:
        """The ticks due by the replay time at wall time `now`, in time order, and the
        replay time the market has reached."""
        market = self.replay_time(now)
        await self._load(market)
        ticks = self._due(market)
        if len(ticks) == MAX_TICKS_PER_STEP:
            market = ticks[-1].ts
        elif not ticks:
            market = self._skip_idle(market)
        if ticks:
            self._last_ts = ticks[-1].ts
        if self.exhausted and self._last_ts is not None:
            # The last bars close once their minute is over, as they would live.
            market = max(market, self._last_ts // 60 * 60 + 60)
        return market, ticks

    async def _load(self, until: float) -> None:
        # Every tick due by `until` must be buffered before any is emitted, or one symbol's
        # later tick could go out ahead of another's earlier one.
        for track in self.tracks:
            while track.needs_rows(until):
                stop = min(track.next_from + self.window, track.last_ts + 60)
                async with self.database.connect() as connection:
                    rows = await read_bars(
                        connection, track.instrument.symbol, track.next_from, stop
                    )
                track.rows.extend(rows)
                track.next_from = stop

    def _due(self, market: float) -> list[Tick]:
        heads = [
            (ts, index)
            for index, track in enumerate(self.tracks)
            if (ts := track.head_ts()) is not None and ts <= market
        ]
        heapq.heapify(heads)
        ticks: list[Tick] = []
        while heads and len(ticks) < MAX_TICKS_PER_STEP:
            _, index = heapq.heappop(heads)
            track = self.tracks[index]
            ticks.append(track.pop())
            ts = track.head_ts()
            if ts is not None and ts <= market:
                heapq.heappush(heads, (ts, index))
        return ticks

    def _skip_idle(self, market: float) -> float:
        upcoming = [ts for track in self.tracks if (ts := track.head_ts()) is not None]
        if upcoming and min(upcoming) - market > IDLE_SKIP_SECONDS:
            self._skipped += min(upcoming) - market
            return min(upcoming)
        return market
