"""Streaming technical indicators over bars: each bar costs O(1) (a percentile rank, O(log N)).

Every indicator is a small object fed one value at a time: `update(...)` returns the new
value, or None until the indicator has seen enough input to be warm, and `value` repeats the
latest. Bars are chart data, so everything here is plain floats. The warm-up conventions are
the textbook ones (Wilder 1978 for ATR and ADX, an SMA seed for the EMA) and each class says
when its first value appears; tests/domain/regime/test_indicators.py checks them against talipp and
against hand-worked figures.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

from propdesk.domain.bars import Bar


def _check_period(name: str, period: int) -> None:
    if isinstance(period, bool) or not isinstance(period, int) or period < 1:
        raise ValueError(f"{name} must be a positive integer, not {period!r}")


def true_range(bar: Bar, previous_close: float | None) -> float:
    """Wilder's true range: the bar's range stretched to the previous close, if it gapped.

    max(high − low, |high − previous close|, |low − previous close|); without a previous close
    (the first bar) it is high − low.
    """
    if previous_close is None:
        return bar.high - bar.low
    return max(bar.high, previous_close) - min(bar.low, previous_close)


class SimpleMovingAverage:
    """The mean of the last `period` values; first value on the `period`-th update.

    The running sum is recomputed exactly (`math.fsum` of the window) once every `period`
    updates, so rounding never accumulates over a long feed and each update stays amortised O(1).
    """

    __slots__ = ("_since_exact", "_sum", "_value", "_window", "period")

    def __init__(self, period: int) -> None:
        _check_period("period", period)
        self.period = period
        self._window: deque[float] = deque()
        self._sum = 0.0
        self._since_exact = 0
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        return self._value

    def update(self, value: float) -> float | None:
        self._window.append(value)
        self._sum += value
        if len(self._window) > self.period:
            self._sum -= self._window.popleft()
        self._since_exact += 1
        if self._since_exact >= self.period:
            self._sum = math.fsum(self._window)
            self._since_exact = 0
        if len(self._window) == self.period:
            self._value = self._sum / self.period
        return self._value


class ExponentialMovingAverage:
    """EMA with α = 2 / (period + 1), seeded by the SMA of the first `period` values.

    First value on the `period`-th update (the SMA seed), then ema += α × (value − ema): the
    convention of TA-Lib and talipp.
    """

    __slots__ = ("_count", "_seed", "_value", "alpha", "period")

    def __init__(self, period: int) -> None:
        _check_period("period", period)
        self.period = period
        self.alpha = 2.0 / (period + 1.0)
        self._count = 0
        self._seed = 0.0
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        return self._value

    def update(self, value: float) -> float | None:
        if self._value is not None:
            self._value = self.alpha * value + (1.0 - self.alpha) * self._value
            return self._value
        self._count += 1
        self._seed += value
        if self._count == self.period:
            self._value = self._seed / self.period
        return self._value


class _WilderAverage:
    """Wilder's smoothing: the mean of the first `period` inputs, then (prior × (n − 1) + x) / n.

    That is an EMA with α = 1 / n. Wilder kept running sums (prior − prior / n + x); the
    average form is the same figure divided by n, so every ratio of two of them is the same.
    """

    __slots__ = ("_count", "_seed", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self._count = 0
        self._seed = 0.0
        self.value: float | None = None

    def update(self, x: float) -> float | None:
        if self.value is not None:
            self.value = (self.value * (self.period - 1) + x) / self.period
            return self.value
        self._count += 1
        self._seed += x
        if self._count == self.period:
            self.value = self._seed / self.period
        return self.value


class AverageTrueRange:
    """Wilder's average true range over `period` bars (default 14).

    The first bar's true range is its high − low (it has no previous close); the first ATR is the
    mean of the first `period` true ranges, on the `period`-th bar; after that Wilder's smoothing,
    ATR = (prior × (period − 1) + TR) / period. This is StockCharts' and talipp's convention;
    TA-Lib instead skips the first bar and seeds on bars 2…period + 1, a difference that fades
    as ((period − 1) / period) ** bars.
    """

    __slots__ = ("_average", "_previous_close")

    def __init__(self, period: int = 14) -> None:
        _check_period("period", period)
        self._average = _WilderAverage(period)
        self._previous_close: float | None = None

    @property
    def period(self) -> int:
        return self._average.period

    @property
    def value(self) -> float | None:
        return self._average.value

    def update(self, bar: Bar) -> float | None:
        tr = true_range(bar, self._previous_close)
        self._previous_close = bar.close
        return self._average.update(tr)


@dataclass(frozen=True, slots=True)
class DirectionalIndex:
    """Wilder's directional figures for one bar, each on a 0–100 scale."""

    adx: float
    """How strongly the market trends, whichever way: the smoothed DX."""
    plus_di: float
    """+DI: the smoothed up-movement as a share of the smoothed true range."""
    minus_di: float
    """−DI: the smoothed down-movement as a share of the smoothed true range."""


class AverageDirectionalIndex:
    """Wilder's ADX with +DI and −DI over `period` bars (default 14), as in his 1978 book.

    From the second bar on, each bar has a true range TR, an up-move (high − previous high) and
    a down-move (previous low − low); +DM is the up-move when it is positive and larger than the
    down-move, else 0, and −DM mirrors it (equal moves give 0 to both). TR, +DM and −DM are
    smoothed with Wilder's average (the mean of the first `period`, then (prior × (n − 1) + x)
    / n), so the smoothed TR is an ATR that starts on the second bar. Then
    +DI = 100 × smoothed +DM / smoothed TR, −DI likewise, DX = 100 × |+DI − −DI| / (+DI + −DI),
    and ADX is DX smoothed the same way. The first DI appear on bar `period` + 1 and the first
    ADX, the mean of the first `period` DX, on bar 2 × `period`: `update` returns None before.

    A bar series without any range has +DI = −DI = 0 and DX = 0 (no direction, no trend).
    talipp's ADX divides by its ATR, whose first true range is the first bar's high − low and
    which is seeded a bar earlier than the DM averages; its DI and ADX therefore differ from
    Wilder's at the start and converge to them as ((n − 1) / n) ** bars.
    """

    __slots__ = ("_adx", "_minus_dm", "_plus_dm", "_previous", "_range", "_value")

    def __init__(self, period: int = 14) -> None:
        _check_period("period", period)
        self._range = _WilderAverage(period)
        self._plus_dm = _WilderAverage(period)
        self._minus_dm = _WilderAverage(period)
        self._adx = _WilderAverage(period)
        self._previous: Bar | None = None
        self._value: DirectionalIndex | None = None

    @property
    def period(self) -> int:
        return self._adx.period

    @property
    def value(self) -> DirectionalIndex | None:
        return self._value

    def update(self, bar: Bar) -> DirectionalIndex | None:
        previous, self._previous = self._previous, bar
        if previous is None:
            return None
        up, down = bar.high - previous.high, previous.low - bar.low
        average_range = self._range.update(true_range(bar, previous.close))
        plus = self._plus_dm.update(up if up > down and up > 0 else 0.0)
        minus = self._minus_dm.update(down if down > up and down > 0 else 0.0)
        if average_range is None or plus is None or minus is None:
            return None
        plus_di = 100.0 * plus / average_range if average_range > 0 else 0.0
        minus_di = 100.0 * minus / average_range if average_range > 0 else 0.0
        total = plus_di + minus_di
        dx = 100.0 * abs(plus_di - minus_di) / total if total > 0 else 0.0
        adx = self._adx.update(dx)
        if adx is not None:
            self._value = DirectionalIndex(adx, plus_di, minus_di)
        return self._value


class SessionVWAP:
    """The volume-weighted average of the typical price (high + low + close) / 3 since the
    session began.

    The caller names each bar's session (`update(bar, session)`: a trading day, a session's
    start in UNIX seconds, anything comparable); a bar whose session differs from the previous
    bar's starts the sums afresh. None until the session has traded some volume.
    """

    __slots__ = ("_session", "_value", "_volume", "_weighted")

    def __init__(self) -> None:
        self._session: Hashable | None = None
        self._weighted = 0.0
        self._volume = 0.0
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        return self._value

    def update(self, bar: Bar, session: Hashable) -> float | None:
        if session != self._session:
            self._session, self._weighted, self._volume, self._value = session, 0.0, 0.0, None
        self._weighted += bar.volume * (bar.high + bar.low + bar.close) / 3.0
        self._volume += bar.volume
        if self._volume > 0:
            self._value = self._weighted / self._volume
        return self._value


class PercentileRank:
    """Where the latest value stands among the last `window` values, itself included: 0…1.

    rank = (values below it + ½ × values equal to it) / window, the textbook percentile rank
    (SciPy's `percentileofscore(kind="mean")` / 100): the window's unique maximum ranks
    1 − 1 / (2 × window), its median ½, and a window of equal values ½, so a constant series
    never looks extreme. None until `window` values have been seen.

    The window is kept sorted beside its arrival order: `bisect` finds each position in
    O(log N) comparisons; inserting into and deleting from the list shifts it (a memmove of at
    most N pointers), negligible for the windows of a few hundred values this serves.
    """

    __slots__ = ("_arrivals", "_sorted", "_value", "window")

    def __init__(self, window: int) -> None:
        _check_period("window", window)
        self.window = window
        self._arrivals: deque[float] = deque()
        self._sorted: list[float] = []
        self._value: float | None = None

    @property
    def value(self) -> float | None:
        return self._value

    def update(self, value: float) -> float | None:
        if math.isnan(value):
            raise ValueError("a percentile rank of NaN is undefined")
        self._arrivals.append(value)
        insort(self._sorted, value)
        if len(self._arrivals) > self.window:
            oldest = self._arrivals.popleft()
            del self._sorted[bisect_left(self._sorted, oldest)]
        if len(self._arrivals) == self.window:
            below = bisect_left(self._sorted, value)
            equal = bisect_right(self._sorted, value) - below
            self._value = (below + 0.5 * equal) / self.window
        return self._value
