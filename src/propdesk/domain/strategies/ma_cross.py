"""Moving-average cross: long when a fast average crosses above a slow one, short below."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from propdesk.domain.bars import Bar
from propdesk.domain.indicators import (
    AverageDirectionalIndex,
    AverageTrueRange,
    ExponentialMovingAverage,
    SimpleMovingAverage,
)
from propdesk.domain.regime import RegimeReading
from propdesk.domain.strategies.base import (
    Direction,
    Signal,
    Strategy,
    StrategyParams,
    check_positive,
    check_positive_int,
)


class MovingAverageKind(StrEnum):
    sma = "sma"
    ema = "ema"


@dataclass(frozen=True, slots=True)
class MovingAverageCrossParams(StrategyParams):
    fast_period: int = 10
    """Bars in the fast average of closes; fewer than `slow_period`."""
    slow_period: int = 30
    average: MovingAverageKind = MovingAverageKind.sma
    """Simple or exponential averages (both averages are of the same kind)."""
    atr_period: int = 14
    atr_mult: float = 2.0
    """The stop lies this many ATRs from the entry."""
    reward_risk: float = 2.0
    """Target distance ÷ stop distance."""
    adx_period: int = 14
    full_confidence_adx: float = 50.0
    """The ADX at which confidence reaches 1."""

    def __post_init__(self) -> None:
        StrategyParams.__post_init__(self)
        for name in ("fast_period", "slow_period", "atr_period", "adx_period"):
            check_positive_int(name, getattr(self, name))
        if self.fast_period >= self.slow_period:
            raise ValueError(
                f"fast_period must be less than slow_period, not {self.fast_period!r} "
                f"and {self.slow_period!r}"
            )
        if not isinstance(self.average, MovingAverageKind):
            raise ValueError(f"average must be one of {', '.join(MovingAverageKind)}")
        for name in ("atr_mult", "reward_risk", "full_confidence_adx"):
            check_positive(name, getattr(self, name))


class MovingAverageCross(Strategy[MovingAverageCrossParams]):
    """A golden cross goes long, a death cross short, at the close of the crossing bar.

    The fast and the slow average are of closes (`average`: SMA or EMA). A golden cross is a
    bar whose fast average closes above the slow one while at the last bar where they differed
    it was below; a death cross the mirror. Nothing fires until the averages, the ATR and the
    ADX are all warm (a cross before that is only remembered as the side the averages are on).
    Entry = the close; stop = entry ∓ `atr_mult` × ATR(`atr_period`); target = entry ±
    `reward_risk` × risk (snapped as `bracket` does). Confidence = ADX(`adx_period`) ÷
    `full_confidence_adx`, at most 1: a cross in a trending market is trusted more than one in
    chop. The regime reading only labels the signal.
    """

    name = "ma_cross"
    params_model = MovingAverageCrossParams

    def _begin(self) -> None:
        p = self.params
        kind = (
            SimpleMovingAverage if p.average is MovingAverageKind.sma else ExponentialMovingAverage
        )
        self._fast = kind(p.fast_period)
        self._slow = kind(p.slow_period)
        self._atr = AverageTrueRange(p.atr_period)
        self._adx = AverageDirectionalIndex(p.adx_period)
        self._side = 0
        """+1 when the fast average was last above the slow one, −1 below, 0 not yet known."""

    def on_bar(self, bar: Bar, regime: RegimeReading | None) -> Signal | None:
        fast = self._fast.update(bar.close)
        slow = self._slow.update(bar.close)
        atr = self._atr.update(bar)
        directional = self._adx.update(bar)
        if fast is None or slow is None or fast == slow:
            return None
        side, before = (1 if fast > slow else -1), self._side
        self._side = side
        if before in (0, side) or atr is None or directional is None:
            return None
        p = self.params
        direction = Direction.long if side > 0 else Direction.short
        offset = p.atr_mult * atr
        stop = bar.close - offset if direction is Direction.long else bar.close + offset
        confidence = directional.adx / p.full_confidence_adx
        return self._signal(bar, regime, direction, stop, p.reward_risk, confidence)
