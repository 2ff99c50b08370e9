"""One-minute bars aggregated to every UDF resolution, aligned to the instrument's sessions.

Intraday buckets start at the session open of the bar's trading day (CME 240-minute bars at
17:00, 21:00, 01:00 CT…), so they follow the exchange across DST changes; bars outside every
session fall into epoch-aligned buckets. Daily bars are one trading session stamped 00:00 UTC
of the trading day (the UDF contract); weekly bars are stamped on the Monday of the trading
day's week and monthly bars on the 1st. All of it is vectorized: no Python loop per bar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from propdesk.domain.bars import Bar, Resolution, Unit
from propdesk.domain.instruments import SessionSchedule

Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DAY = 86_400
# Request bounds are validated far inside these, so window arithmetic never overflows int64.
EARLIEST = -(2**60)
LATEST = 2**60
_DAILY = Resolution(Unit.day, 1)


@dataclass(frozen=True, slots=True)
class BarColumns:
    """OHLCV bars as parallel NumPy columns, ascending by `ts` with unique stamps."""

    ts: Int64Array
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    @classmethod
    def empty(cls) -> BarColumns:
        prices = np.empty(0, np.float64)
        return cls(np.empty(0, np.int64), prices, prices, prices, prices, prices)

    @classmethod
    def from_bars(cls, bars: list[Bar]) -> BarColumns:
        return cls(
            np.array([b.ts for b in bars], np.int64),
            np.array([b.open for b in bars], np.float64),
            np.array([b.high for b in bars], np.float64),
            np.array([b.low for b in bars], np.float64),
            np.array([b.close for b in bars], np.float64),
            np.array([b.volume for b in bars], np.float64),
        )

    def __len__(self) -> int:
        return len(self.ts)

    def slice(self, start: int, stop: int) -> BarColumns:
        """Views, not copies: the cache's arrays are never written in place."""
        return BarColumns(
            self.ts[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
        )

    def between(self, from_ts: int, to_ts: int) -> BarColumns:
        """Bars with from_ts <= ts < to_ts."""
        start, stop = np.searchsorted(self.ts, (from_ts, to_ts), side="left")
        return self.slice(int(start), int(stop))

    def last(self, count: int) -> BarColumns:
        return self.slice(max(0, len(self) - count), len(self))

    def concat(self, other: BarColumns) -> BarColumns:
        return BarColumns(
            np.concatenate((self.ts, other.ts)),
            np.concatenate((self.open, other.open)),
            np.concatenate((self.high, other.high)),
            np.concatenate((self.low, other.low)),
            np.concatenate((self.close, other.close)),
            np.concatenate((self.volume, other.volume)),
        )


SessionTable = tuple[Int64Array, Int64Array, Int64Array]
"""(start, end, 00:00 UTC of the trading day) of consecutive sessions."""


def _session_table(session: SessionSchedule, ts: Int64Array) -> SessionTable:
    """Every session overlapping the bars' time span."""
    rows = list(session.sessions(int(ts[0]), int(ts[-1]) + 60))
    starts = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    ends = np.fromiter((r[2] for r in rows), np.int64, len(rows))
    days = np.array([r[0] for r in rows], "datetime64[D]").astype("datetime64[s]")
    return starts, ends, days.astype(np.int64)


def _longer_stamps(days: Int64Array, unit: Unit) -> Int64Array:
    """Daily stamps to the stamps of their week (its Monday) or month (its 1st)."""
    if unit is Unit.week:
        # 1970-01-01 was a Thursday: day number + 3 counts days since a Monday.
        weeks: Int64Array = days - (days // DAY + 3) % 7 * DAY
        return weeks
    if unit is Unit.month:
        months = days.astype("datetime64[s]").astype("datetime64[M]")
        return months.astype("datetime64[s]").astype(np.int64)
    return days


def _keys(ts: Int64Array, table: SessionTable, resolution: Resolution) -> Int64Array:
    starts, ends, days = table
    if len(starts) == 0:
        starts, ends, days = (np.array([EARLIEST], np.int64),) * 3
    session_index = np.searchsorted(starts, ts, side="right") - 1
    after_a_start = session_index >= 0
    index = np.maximum(session_index, 0)
    inside = after_a_start & (ts < ends[index])
    if resolution.intraday:
        step = resolution.seconds
        start = starts[index]
        in_session = start + (ts - start) // step * step
        # The first epoch bucket after a close must not reach back into the session's last one.
        previous_close = np.where(after_a_start, ends[index], EARLIEST)
        keys = np.where(inside, in_session, np.maximum(ts // step * step, previous_close))
    else:
        keys = _longer_stamps(np.where(inside, days[index], ts // DAY * DAY), resolution.unit)
    # Only bars outside sessions can step back (e.g. after a close east of UTC); they join the
    # bar before them rather than repeat a stamp.
    result: Int64Array = np.maximum.accumulate(keys)
    return result


def bucket_keys(ts: Int64Array, session: SessionSchedule, resolution: Resolution) -> Int64Array:
    """The stamp of the bar of `resolution` that each one-minute bar at `ts` belongs to.

    Non-decreasing along `ts`, so that equal stamps are contiguous runs.
    """
    if len(ts) == 0:
        return ts.copy()
    return _keys(ts, _session_table(session, ts), resolution)


def _groups_in_sessions(
    ts: Int64Array, table: SessionTable, resolution: Resolution
) -> tuple[Int64Array, Int64Array] | None:
    """(index of the first bar, stamp) of every bar of `resolution`, found by searching the
    bucket bounds among the bars rather than each bar among the sessions; None when some bar
    lies outside every session (only the per-bar path handles those)."""
    starts, ends, days = table
    first_bar = np.searchsorted(ts, starts)
    if int((np.searchsorted(ts, ends) - first_bar).sum()) != len(ts):
        return None
    if resolution.intraday:
        step = resolution.seconds
        counts = (ends - starts + step - 1) // step
        session = np.repeat(np.arange(len(starts)), counts)
        offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        stamps = starts[session] + offset * step
        positions = np.searchsorted(ts, stamps)
    else:
        stamps, positions = _longer_stamps(days, resolution.unit), first_bar
    # Buckets without bars share their position with the next one; a week or a month spans
    # several sessions, which merge into their first.
    following = np.concatenate((positions[1:], [len(ts)]))
    filled = positions < following
    positions, stamps = positions[filled], stamps[filled]
    new = np.concatenate(([True], stamps[1:] != stamps[:-1]))
    return positions[new], stamps[new]


def aggregate(bars: BarColumns, session: SessionSchedule, resolution: Resolution) -> BarColumns:
    """Every bar of `resolution` that `bars` touch (the first and last may be partial)."""
    if len(bars) == 0 or resolution == Resolution(Unit.minute, 1):
        return bars
    table = _session_table(session, bars.ts)
    groups = _groups_in_sessions(bars.ts, table, resolution)
    if groups is None:
        keys = _keys(bars.ts, table, resolution)
        first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        stamps = keys[first]
    else:
        first, stamps = groups
    last = np.concatenate((first[1:], [len(bars)])) - 1
    return BarColumns(
        stamps,
        bars.open[first],
        np.maximum.reduceat(bars.high, first),
        np.minimum.reduceat(bars.low, first),
        bars.close[last],
        np.add.reduceat(bars.volume, first),
    )


def _reach(resolution: Resolution) -> tuple[int, int]:
    """(lead, lag): a bar stamped k holds one-minute bars within [k - lead, k + lag]."""
    if resolution.intraday:
        return 0, resolution.seconds
    # A trading day's session lies within two days of its 00:00 UTC stamp in any time zone.
    return 3 * DAY, resolution.seconds + 3 * DAY


class _Source:
    """Stored one-minute bars plus the forming minute when it is newer than all of them."""

    def __init__(self, stored: BarColumns, forming: Bar | None) -> None:
        self.stored = stored
        newer = forming is not None and (len(stored) == 0 or forming.ts > stored.ts[-1])
        self.forming = forming if newer else None

    @property
    def extent(self) -> tuple[int, int] | None:
        first = int(self.stored.ts[0]) if len(self.stored) else None
        last = int(self.stored.ts[-1]) if len(self.stored) else None
        if self.forming is not None:
            first = self.forming.ts if first is None else first
            last = self.forming.ts
        return None if first is None or last is None else (first, last)

    def window(self, from_ts: int, to_ts: int) -> BarColumns:
        bars = self.stored.between(from_ts, to_ts)
        if self.forming is not None and from_ts <= self.forming.ts < to_ts:
            bars = bars.concat(BarColumns.from_bars([self.forming]))
        return bars


def _stamped_between(
    source: _Source, session: SessionSchedule, resolution: Resolution, from_ts: int, to_ts: int
) -> BarColumns:
    lead, lag = _reach(resolution)
    window = source.window(from_ts - lead, to_ts + lag)
    return aggregate(window, session, resolution).between(from_ts, to_ts)


def _newest_before(
    source: _Source, session: SessionSchedule, resolution: Resolution, to_ts: int, count: int
) -> BarColumns:
    extent = source.extent
    if extent is None:
        return BarColumns.empty()
    first, last = extent
    lead, _ = _reach(resolution)
    upper = min(to_ts, last + lead + 1)
    span = count * resolution.seconds
    while True:
        lower = upper - span
        if lower - lead <= first:
            # The window holds the oldest bar, so every bar in it is complete.
            return _stamped_between(source, session, resolution, EARLIEST, upper).last(count)
        found = _stamped_between(source, session, resolution, lower, upper)
        if len(found) >= count:
            return found.last(count)
        span *= 4  # sessions leave gaps (nights, weekends): widen until enough bars


@dataclass(frozen=True, slots=True)
class History:
    bars: BarColumns
    next_time: int | None
    """When `bars` is empty: the stamp of the newest bar before the range, if any."""


def history(
    stored: BarColumns,
    forming: Bar | None,
    session: SessionSchedule,
    resolution: Resolution,
    *,
    from_ts: int,
    to_ts: int,
    countback: int | None = None,
) -> History:
    """UDF history: bars stamped in [from_ts, to_ts), or with `countback` the newest that many
    stamped before `to_ts`; every bar complete even when some of its minutes lie past `to_ts`."""
    source = _Source(stored, forming)
    if countback is not None:
        bars = _newest_before(source, session, resolution, to_ts, countback)
        return History(bars, None)
    bars = _stamped_between(source, session, resolution, from_ts, to_ts)
    if len(bars):
        return History(bars, None)
    older = _newest_before(source, session, resolution, from_ts, 1)
    return History(bars, int(older.ts[-1]) if len(older) else None)


@dataclass(frozen=True, slots=True)
class TradingDay:
    """The figures of one trading day, from its daily bar."""

    stamp: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    previous_close: float | None


def latest_trading_day(
    stored: BarColumns, forming: Bar | None, session: SessionSchedule
) -> TradingDay | None:
    """The newest trading day with bars and the close of the one before it."""
    days = _newest_before(_Source(stored, forming), session, _DAILY, LATEST, 2)
    if len(days) == 0:
        return None
    previous = float(days.close[-2]) if len(days) == 2 else None
    return TradingDay(
        int(days.ts[-1]),
        float(days.open[-1]),
        float(days.high[-1]),
        float(days.low[-1]),
        float(days.close[-1]),
        float(days.volume[-1]),
        previous,
    )


def close_before_trading_day(
    stored: BarColumns, forming: Bar | None, session: SessionSchedule, ts: int
) -> float | None:
    """The close of the last trading day before the one that second `ts` belongs to."""
    stamp = int(bucket_keys(np.array([ts], np.int64), session, _DAILY)[0])
    days = _newest_before(_Source(stored, forming), session, _DAILY, stamp, 1)
    return float(days.close[-1]) if len(days) else None
