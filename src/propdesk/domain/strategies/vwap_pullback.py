"""VWAP pullback: in a trend, price dips to the session VWAP and closes back on the trend's side."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR

from propdesk.domain.bars import Bar
from propdesk.domain.indicators import ExponentialMovingAverage, SessionVWAP
from propdesk.domain.regime import Regime, RegimeReading
from propdesk.domain.strategies.base import (
    Direction,
    Signal,
    Strategy,
    StrategyParams,
    check_positive,
    check_positive_int,
    to_tick,
)


@dataclass(frozen=True, slots=True)
class VwapPullbackParams(StrategyParams):
    ema_period: int = 20
    """The EMA of closes whose slope is the trend when no regime reading is given."""
    stop_offset_ticks: int = 1
    """The stop lies this many ticks beyond the pullback bar's extreme (0: at it)."""
    reward_risk: float = 2.0
    """Target distance ÷ stop distance."""
    full_confidence_adx: float = 50.0
    """The regime's ADX at which confidence reaches 1."""

    def __post_init__(self) -> None:
        StrategyParams.__post_init__(self)
        check_positive_int("ema_period", self.ema_period)
        check_positive_int("stop_offset_ticks", self.stop_offset_ticks, minimum=0)
        check_positive("reward_risk", self.reward_risk)
        check_positive("full_confidence_adx", self.full_confidence_adx)


class VwapPullback(Strategy[VwapPullbackParams]):
    """Buys a dip to the session VWAP in an uptrend, sells a rally to it in a downtrend.

    VWAP is the session's (`SessionVWAP`, reset at `session_start(bar.ts)`), including the bar
    at hand. A long fires on a bar when
    - the trend is up: the regime reading is trend_up, or, when no reading is given, the
      EMA(`ema_period`) of closes rose on this bar;
    - the bar before, of the same session, stood clear above VWAP (its low above its VWAP);
    - this bar touched VWAP and closed back above it (low ≤ VWAP < close).
    Entry = the close; stop = `stop_offset_ticks` ticks below the bar's low (floored to the
    grid); target = entry + `reward_risk` × risk (snapped as `bracket` does). A short mirrors
    it: trend_down or a falling EMA, the bar before clear below VWAP (its high below), high ≥
    VWAP > close, stop `stop_offset_ticks` ticks above the bar's high (ceiled). Since the bar
    before must be clear of VWAP, a run of bars hugging it fires once.
    Confidence = the regime's ADX ÷ `full_confidence_adx`, at most 1; 0.5 without a reading.
    """

    name = "vwap_pullback"
    params_model = VwapPullbackParams

    def _begin(self) -> None:
        self._vwap = SessionVWAP()
        self._ema = ExponentialMovingAverage(self.params.ema_period)
        self._previous: tuple[int, Bar, float | None] | None = None
        """The bar before: its session, itself and its VWAP."""

    def on_bar(self, bar: Bar, regime: RegimeReading | None) -> Signal | None:
        session = self.context.session_start(bar.ts)
        vwap = self._vwap.update(bar, session)
        ema_before = self._ema.value
        ema = self._ema.update(bar.close)
        previous, self._previous = self._previous, (session, bar, vwap)
        if vwap is None or previous is None:
            return None
        previous_session, before, before_vwap = previous
        if previous_session != session or before_vwap is None:
            return None
        rising = ema is not None and ema_before is not None and ema > ema_before
        falling = ema is not None and ema_before is not None and ema < ema_before
        up = regime.regime is Regime.TREND_UP if regime is not None else rising
        down = regime.regime is Regime.TREND_DOWN if regime is not None else falling
        tick = self.context.tick_size
        offset = self.params.stop_offset_ticks * tick
        if up and before.low > before_vwap and bar.low <= vwap < bar.close:
            direction, stop = Direction.long, to_tick(bar.low, tick, ROUND_FLOOR) - offset
        elif down and before.high < before_vwap and bar.high >= vwap > bar.close:
            direction, stop = Direction.short, to_tick(bar.high, tick, ROUND_CEILING) + offset
        else:
            return None
        confidence = 0.5 if regime is None else regime.adx / self.params.full_confidence_adx
        return self._signal(bar, regime, direction, stop, self.params.reward_risk, confidence)
