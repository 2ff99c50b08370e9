"""Market regime from bars: trending up or down, ranging, or volatile, by ADX and ATR."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from propdesk.domain.bars import Bar
from propdesk.domain.indicators import AverageDirectionalIndex, AverageTrueRange, PercentileRank


class Regime(StrEnum):
    TREND_UP = "trend_up"
    TREND_DOWN = "trend_down"
    RANGE = "range"
    VOLATILE = "volatile"


@dataclass(frozen=True, slots=True)
class RegimeParams:
    """The classifier's periods and thresholds; invalid values raise ValueError naming the field.

    The defaults are the usual ones: Wilder's 14 bars, ADX 25 as a trend and 20 as no trend,
    and an ATR in the top tenth of its last 100 values as volatile.
    """

    adx_period: int = 14
    atr_period: int = 14
    atr_percentile_window: int = 100
    """How many ATR values (the latest included) its percentile rank is taken among."""
    trend_adx: float = 25.0
    """ADX at or above this is a trend (up or down, by the DI)."""
    range_adx: float = 20.0
    """ADX below this is a range; from here up to `trend_adx` the previous regime holds."""
    volatile_percentile: float = 0.9
    """An ATR whose percentile rank reaches this (0 < p ≤ 1) is volatile."""

    def __post_init__(self) -> None:
        for name in ("adx_period", "atr_period"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer ≥ 1, not {value!r}")
        window = self.atr_percentile_window
        if isinstance(window, bool) or not isinstance(window, int) or window < 2:
            raise ValueError(f"atr_percentile_window must be an integer ≥ 2, not {window!r}")
        if not 0 <= self.range_adx <= self.trend_adx <= 100:
            raise ValueError(
                "range_adx and trend_adx must satisfy 0 ≤ range_adx ≤ trend_adx ≤ 100, not "
                f"{self.range_adx!r} and {self.trend_adx!r}"
            )
        if not 0 < self.volatile_percentile <= 1:
            raise ValueError(
                f"volatile_percentile must be in (0, 1], not {self.volatile_percentile!r}"
            )

    @property
    def warm_up(self) -> int:
        """Bars before the first reading: the ADX's 2 × period, or the ATR's percentile window."""
        return max(2 * self.adx_period, self.atr_period + self.atr_percentile_window - 1)


@dataclass(frozen=True, slots=True)
class RegimeReading:
    """The regime after one bar, with the figures it was decided on."""

    regime: Regime
    adx: float
    plus_di: float
    minus_di: float
    atr: float
    atr_percentile: float
    """The ATR's percentile rank among its last `atr_percentile_window` values, 0…1."""
    ts: int
    """The bar's ts (UNIX seconds of its open)."""
    changed: bool
    """The regime differs from the previous reading's; True for the first reading."""


class RegimeClassifier:
    """Classifies each closed bar of one symbol at one resolution; feed bars in time order.

    After each bar, with ADX, +DI and −DI Wilder's over `adx_period` bars and the ATR Wilder's
    over `atr_period` bars (propdesk.domain.indicators):

    1. **volatile** when the ATR's percentile rank among its last `atr_percentile_window`
       values (the current one included; ties count half) is ≥ `volatile_percentile`;
    2. otherwise the **directional state**, which every bar updates whether or not it is
       volatile:
       - ADX ≥ `trend_adx` and +DI > −DI → **trend_up**; +DI < −DI → **trend_down**;
       - ADX < `range_adx` → **range**;
       - anything else (`range_adx` ≤ ADX < `trend_adx`, the hysteresis band, or a strong ADX
         with +DI = −DI) keeps the directional state of the bar before; it is **range** at
         the start.

    The band keeps the last *directional* state rather than the last reading, so a volatile
    burst does not linger as "volatile" once the ATR calms while the ADX sits in the band.
    `update` returns None until both the ADX and the ATR's percentile rank are warm
    (`RegimeParams.warm_up` bars: 113 with the defaults).
    """

    __slots__ = ("_adx", "_atr", "_last", "_percentile", "_state", "params")

    def __init__(self, params: RegimeParams | None = None) -> None:
        self.params = params or RegimeParams()
        self._adx = AverageDirectionalIndex(self.params.adx_period)
        self._atr = AverageTrueRange(self.params.atr_period)
        self._percentile = PercentileRank(self.params.atr_percentile_window)
        self._state = Regime.RANGE
        self._last: RegimeReading | None = None

    @property
    def value(self) -> RegimeReading | None:
        """The latest reading."""
        return self._last

    def update(self, bar: Bar) -> RegimeReading | None:
        directional = self._adx.update(bar)
        atr = self._atr.update(bar)
        percentile = None if atr is None else self._percentile.update(atr)
        if directional is not None:
            self._state = self._directional_state(
                directional.adx, directional.plus_di, directional.minus_di
            )
        if directional is None or atr is None or percentile is None:
            return None
        volatile = percentile >= self.params.volatile_percentile
        regime = Regime.VOLATILE if volatile else self._state
        reading = RegimeReading(
            regime=regime,
            adx=directional.adx,
            plus_di=directional.plus_di,
            minus_di=directional.minus_di,
            atr=atr,
            atr_percentile=percentile,
            ts=bar.ts,
            changed=self._last is None or self._last.regime is not regime,
        )
        self._last = reading
        return reading

    def _directional_state(self, adx: float, plus_di: float, minus_di: float) -> Regime:
        if adx >= self.params.trend_adx and plus_di != minus_di:
            return Regime.TREND_UP if plus_di > minus_di else Regime.TREND_DOWN
        if adx < self.params.range_adx:
            return Regime.RANGE
        return self._state
