"""Opening-range breakout: the session's first minutes set a range; a close beyond it trades."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from propdesk.domain.bars import Bar
from propdesk.domain.regime import RegimeReading
from propdesk.domain.strategies.base import (
    Direction,
    Signal,
    Strategy,
    StrategyParams,
    check_positive,
    check_positive_int,
    trend_agreement,
)


class RangeStop(StrEnum):
    """Where a breakout's stop goes."""

    opposite = "opposite"
    """The other side of the range: its low for a long, its high for a short."""
    middle = "middle"
    """The middle of the range."""


@dataclass(frozen=True, slots=True)
class OpeningRangeBreakoutParams(StrategyParams):
    minutes: int = 30
    """The opening range's length from the session start; a multiple of the bar's minutes."""
    stop: RangeStop = RangeStop.opposite
    reward_risk: float = 2.0
    """Target distance ÷ stop distance."""

    def __post_init__(self) -> None:
        StrategyParams.__post_init__(self)
        check_positive_int("minutes", self.minutes)
        if not isinstance(self.stop, RangeStop):
            raise ValueError(f"stop must be one of {', '.join(RangeStop)}")
        check_positive("reward_risk", self.reward_risk)


class OpeningRangeBreakout(Strategy[OpeningRangeBreakoutParams]):
    """Trades the first close beyond the session's opening range, once per direction.

    The session of a bar is `session_start(bar.ts)` (given to `on_start`; the UTC day by
    default). The opening range is the highest high and lowest low of the session's bars whose
    ts lies in [session start, session start + `minutes`); it is set once a later bar of the
    session arrives, and a session without a bar in that window has no range and no signal.
    After it, the first close above the range high goes long and the first close below the
    range low goes short: at most one signal per direction per session. Entry = the close;
    stop = the range low (high for a short) or its middle (`stop`); target = entry ±
    `reward_risk` × risk (snapped as `bracket` does). Confidence = 0.5, 0.75 when the regime
    reading is a trend the breakout's way, 0.25 when it is a trend against it.

    Intraday resolutions only, and `minutes` must be a whole number of bars: `on_start`
    raises ValueError otherwise.
    """

    name = "opening_range_breakout"
    params_model = OpeningRangeBreakoutParams

    def _begin(self) -> None:
        resolution = self.context.resolution
        if not resolution.intraday:
            raise ValueError(f"{self.name} needs intraday bars, not {resolution}")
        if self.params.minutes * 60 % resolution.seconds:
            raise ValueError(
                f"minutes ({self.params.minutes}) must be a multiple of the bar's "
                f"{resolution.seconds // 60} minutes"
            )
        self._session: int | None = None
        self._high: float | None = None
        self._low: float | None = None
        self._fired: set[Direction] = set()

    def on_bar(self, bar: Bar, regime: RegimeReading | None) -> Signal | None:
        start = self.context.session_start(bar.ts)
        if start != self._session:
            self._session, self._high, self._low = start, None, None
            self._fired = set()
        if bar.ts < start + self.params.minutes * 60:
            self._high = bar.high if self._high is None else max(self._high, bar.high)
            self._low = bar.low if self._low is None else min(self._low, bar.low)
            return None
        if self._high is None or self._low is None:
            return None
        if bar.close > self._high:
            direction = Direction.long
        elif bar.close < self._low:
            direction = Direction.short
        else:
            return None
        if direction in self._fired:
            return None
        self._fired.add(direction)
        if self.params.stop is RangeStop.middle:
            stop = (self._high + self._low) / 2
        else:
            stop = self._low if direction is Direction.long else self._high
        confidence = trend_agreement(direction, regime)
        return self._signal(bar, regime, direction, stop, self.params.reward_risk, confidence)
