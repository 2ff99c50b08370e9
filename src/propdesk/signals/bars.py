"""Closed bars of one resolution for the classifier and the strategies: built live from the
feed's closed one-minute bars, or read from the store's, in the buckets marketdata's
aggregation stamps (aligned to the instrument's sessions, as charts show them)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from propdesk.domain.bars import Bar, Resolution, Unit
from propdesk.domain.instruments import Instrument, SessionSchedule
from propdesk.domain.strategies import SessionStart, utc_day_start
from propdesk.marketdata.aggregate import (
    EARLIEST,
    LATEST,
    BarColumns,
    bucket_keys,
    history,
)

ONE_MINUTE = Resolution(Unit.minute, 1)


def session_start(schedule: SessionSchedule) -> SessionStart:
    """The start of the trading session that holds a bar (the UTC day outside sessions), for
    the strategies that reset each session."""
    cache: dict[int, int] = {}

    def start(ts: int) -> int:
        hour = ts // 3600
        known = cache.get(hour)
        if known is not None:
            return known
        day = schedule.trading_day(ts)
        value = utc_day_start(ts) if day is None else schedule.bounds(day)[0]
        if len(cache) > 1024:
            cache.clear()
        cache[hour] = value
        return value

    return start


def _merge(first: Bar, then: Bar) -> Bar:
    return Bar(
        first.symbol,
        first.ts,
        first.open,
        max(first.high, then.high),
        min(first.low, then.low),
        then.close,
        first.volume + then.volume,
    )


def bars_of(columns: BarColumns, symbol: str) -> list[Bar]:
    return [
        Bar(symbol, int(ts), float(o), float(h), float(low), float(c), float(v))
        for ts, o, h, low, c, v in zip(
            columns.ts,
            columns.open,
            columns.high,
            columns.low,
            columns.close,
            columns.volume,
            strict=True,
        )
    ]


class BarBuilder:
    """One symbol's closed one-minute bars in, its closed bars of `resolution` out.

    A bar closes with the last minute of its bucket (the next minute would start another), or,
    when minutes are missing, when a minute of a later bucket arrives. Minutes must come in
    time order; one at or before the last taken is ignored.
    """

    def __init__(self, instrument: Instrument, resolution: Resolution) -> None:
        self.symbol = instrument.symbol
        self.session = instrument.session
        self.resolution = resolution
        self.forming: Bar | None = None
        """The bucket's closed minutes so far, stamped with the bucket."""
        self.last_minute: int | None = None

    def reset(self) -> None:
        self.forming = None
        self.last_minute = None

    def seed(self, forming: Bar | None, last_minute: int | None) -> None:
        """Go on from stored history: its unfinished bucket, and its newest minute."""
        self.forming, self.last_minute = forming, last_minute

    def _stamps(self, minutes: list[int]) -> tuple[list[int], list[int]]:
        """The bucket of each minute, and of the minute after each."""
        ts = np.array(minutes, np.int64)
        own = bucket_keys(ts, self.session, self.resolution)
        following = bucket_keys(ts + 60, self.session, self.resolution)
        return own.tolist(), following.tolist()

    def add(self, minute: Bar) -> list[Bar]:
        """Take one closed minute; the bars it closes (none, one, or two: the bucket before a
        gap and its own, when it is its bucket's last minute)."""
        return self.extend([minute])

    def extend(self, minutes: list[Bar]) -> list[Bar]:
        """Take closed minutes in time order; the bars they close, in order."""
        if self.last_minute is not None:
            minutes = [m for m in minutes if m.ts > self.last_minute]
        if not minutes:
            return []
        if self.resolution == ONE_MINUTE:
            self.forming, self.last_minute = None, minutes[-1].ts
            return list(minutes)
        own, following = self._stamps([m.ts for m in minutes])
        closed: list[Bar] = []
        for minute, stamp, next_stamp in zip(minutes, own, following, strict=True):
            forming = self.forming
            if forming is not None and stamp > forming.ts:
                closed.append(forming)
                forming = None
            if forming is None:
                forming = replace(minute, ts=stamp)
            elif stamp == forming.ts:
                forming = _merge(forming, minute)
            # else: a minute of a bucket that closed already (bars never rewind)
            if next_stamp != stamp:
                closed.append(forming)
                forming = None
            self.forming = forming
            self.last_minute = minute.ts
        return closed


@dataclass(frozen=True, slots=True)
class Recent:
    """The newest closed bars of a resolution before some minute, and where a builder goes on
    from: the unfinished bucket after them and the newest minute."""

    bars: list[Bar]
    forming: Bar | None
    last_minute: int | None


def recent_bars(
    stored: BarColumns, instrument: Instrument, resolution: Resolution, count: int, before: int
) -> Recent:
    """The newest `count` closed bars of `resolution` made of the stored minutes before
    `before`; the bucket of the newest minute is unfinished when the next minute would
    belong to it too."""
    minutes = stored.between(EARLIEST, before)
    if len(minutes) == 0:
        return Recent([], None, None)
    symbol, session = instrument.symbol, instrument.session
    last_minute = int(minutes.ts[-1])
    newest = history(
        minutes, None, session, resolution, from_ts=EARLIEST, to_ts=LATEST, countback=count + 1
    ).bars
    bars = bars_of(newest, symbol)
    forming = None
    if resolution != ONE_MINUTE:
        following = bucket_keys(np.array([last_minute + 60], np.int64), session, resolution)
        if int(following[0]) == bars[-1].ts:
            forming = bars.pop()
    return Recent(bars[-count:], forming, last_minute)
