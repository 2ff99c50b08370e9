"""ma_cross on a decline that turns: one golden cross at a known bar, its mirror a death cross."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.domain.indicators import AverageDirectionalIndex
from propdesk.domain.regime import Regime
from propdesk.domain.strategies import (
    Direction,
    MovingAverageCross,
    MovingAverageCrossParams,
    MovingAverageKind,
)

from .builders import FIVE_MINUTES, START, TICK, bars, mirrored, prices, reading, run

PARAMS = MovingAverageCrossParams(
    fast_period=2, slow_period=4, atr_period=3, adx_period=3, atr_mult=1.5, reward_risk=2.0
)
# Closes 110, 109.5, … 105.5 (bars 0–9), then 106, 106.5, … (bars 10–17); every bar spans
# close ± 1, so every true range and the ATR are exactly 2. SMA(2) − SMA(4): bar 9
# 105.75 − 106.25, bar 10 105.75 − 106, bar 11 106.25 − 106: the cross is bar 11.
CLOSES = [110 - 0.5 * k for k in range(10)] + [106 + 0.5 * k for k in range(8)]
TURN = bars([(c + 1, c - 1, c) for c in CLOSES])


def _started(params: MovingAverageCrossParams = PARAMS) -> MovingAverageCross:
    strategy = MovingAverageCross()
    strategy.on_start("MNQ", "5", TICK, params)
    return strategy


def _adx_at(index: int) -> float:
    adx = AverageDirectionalIndex(3)
    values = [adx.update(b) for b in TURN[: index + 1]]
    assert values[-1] is not None
    return values[-1].adx


def test_on_bar_when_the_fast_sma_crosses_above_then_one_long_at_that_close() -> None:
    fired = run(_started(), TURN, reading(Regime.TREND_UP))

    assert [i for i, _ in fired] == [11]
    signal = fired[0][1]
    assert signal.direction is Direction.long
    # entry 106.5, stop 106.5 − 1.5 × 2, target 106.5 + 2 × 3
    assert prices(signal) == (Decimal("106.50"), Decimal("103.50"), Decimal("112.50"))
    assert signal.id == f"ma_cross:MNQ:5:{START + 11 * FIVE_MINUTES}"
    assert signal.regime == "trend_up"
    assert signal.created_at == START + 12 * FIVE_MINUTES
    assert signal.expires_at == signal.created_at + 3 * FIVE_MINUTES
    assert signal.confidence == pytest.approx(min(_adx_at(11) / 50, 1.0))


def test_on_bar_when_the_mirror_image_then_one_death_cross_short() -> None:
    fired = run(_started(), mirrored(TURN), None)

    assert [i for i, _ in fired] == [11]
    signal = fired[0][1]
    assert signal.direction is Direction.short
    assert prices(signal) == (Decimal("293.50"), Decimal("296.50"), Decimal("287.50"))
    assert signal.regime is None


def test_on_bar_when_exponential_averages_then_one_long_on_the_way_up() -> None:
    params = MovingAverageCrossParams(
        fast_period=2, slow_period=4, atr_period=3, adx_period=3, average=MovingAverageKind.ema
    )

    fired = run(_started(params), TURN)

    assert len(fired) == 1
    index, signal = fired[0]
    assert index >= 10
    assert signal.direction is Direction.long
    assert signal.entry == Decimal(repr(CLOSES[index]))


def test_on_bar_when_the_cross_comes_before_the_atr_is_warm_then_no_signal() -> None:
    params = MovingAverageCrossParams(fast_period=2, slow_period=4, atr_period=15, adx_period=3)

    assert run(_started(params), TURN) == []


def test_on_start_when_started_again_then_it_forgets_the_bars_and_fires_again() -> None:
    strategy = _started()
    first = run(strategy, TURN)

    strategy.on_start("MNQ", "5", TICK, PARAMS)

    assert run(strategy, TURN) == first
