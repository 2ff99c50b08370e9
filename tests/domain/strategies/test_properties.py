"""Properties of every built-in strategy over random bars: each signal is a sane bracket."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.bars import Bar
from propdesk.domain.regime import RegimeClassifier, RegimeParams
from propdesk.domain.strategies import (
    Direction,
    MovingAverageCross,
    MovingAverageCrossParams,
    OpeningRangeBreakout,
    OpeningRangeBreakoutParams,
    Signal,
    Strategy,
    VwapPullback,
    VwapPullbackParams,
)

from ..regime.builders import random_walk

MINUTE = 60
START = 1_700_006_400


def _hourly(ts: int) -> int:
    return ts // 3600 * 3600


def _run(series: Sequence[Bar], tick: Decimal, classify: bool) -> list[tuple[Bar, Signal]]:
    """Every built-in over `series` (one-minute bars, hourly sessions), with short periods so
    that a few dozen bars can make each fire, and a quick regime classifier or none."""
    started: list[tuple[Strategy[Any], Any]] = [
        (
            MovingAverageCross(),
            MovingAverageCrossParams(fast_period=2, slow_period=3, atr_period=2, adx_period=2),
        ),
        (OpeningRangeBreakout(), OpeningRangeBreakoutParams(minutes=5)),
        (VwapPullback(), VwapPullbackParams(ema_period=2)),
    ]
    strategies = [strategy for strategy, _ in started]
    for strategy, params in started:
        strategy.on_start("X", "1", tick, params, session_start=_hourly)
    classifier = RegimeClassifier(RegimeParams(adx_period=3, atr_period=3, atr_percentile_window=5))
    fired = []
    for bar in series:
        reading = classifier.update(bar) if classify else None
        for strategy in strategies:
            signal = strategy.on_bar(bar, reading)
            if signal is not None:
                fired.append((bar, signal))
    return fired


def _assert_sane(bar: Bar, signal: Signal, tick: Decimal) -> None:
    if signal.direction is Direction.long:
        assert signal.stop < signal.entry < signal.target
    else:
        assert signal.target < signal.entry < signal.stop
    for price in (signal.entry, signal.stop, signal.target):
        assert price % tick == 0
    assert abs(signal.entry - Decimal(repr(bar.close))) <= tick / 2
    assert 0.0 <= signal.confidence <= 1.0
    assert signal.id == f"{signal.strategy}:X:1:{bar.ts}"
    assert signal.created_at == bar.ts + MINUTE < signal.expires_at


moves = st.lists(
    st.tuples(
        st.integers(-12, 12),  # close − open, in ticks
        st.integers(-4, 4),  # open − previous close (a gap), in ticks
        st.integers(0, 6),  # upper wick
        st.integers(0, 6),  # lower wick
        st.integers(0, 50),  # volume
    ),
    min_size=1,
    max_size=150,
)


def _bars(rows: list[tuple[int, int, int, int, int]], tick: Decimal) -> list[Bar]:
    step, level, out = float(tick), 2000, []
    for i, (body, gap, upper, lower, volume) in enumerate(rows):
        opened, closed = level + gap, level + gap + body
        high, low = max(opened, closed) + upper, min(opened, closed) - lower
        out.append(
            Bar(
                "X",
                START + i * MINUTE,
                opened * step,
                high * step,
                low * step,
                closed * step,
                float(volume),
            )
        )
        level = closed
    return out


@settings(max_examples=150, deadline=None)
@given(
    moves,
    st.sampled_from([Decimal("0.25"), Decimal("0.01"), Decimal("1"), Decimal("5")]),
    st.booleans(),
)
def test_on_bar_when_random_bars_then_no_stop_on_the_wrong_side_of_the_entry(
    rows: list[tuple[int, int, int, int, int]], tick: Decimal, classify: bool
) -> None:
    for bar, signal in _run(_bars(rows, tick), tick, classify):
        _assert_sane(bar, signal, tick)


def test_on_bar_when_a_long_random_walk_then_every_builtin_fires_and_every_signal_is_sane() -> None:
    series = [Bar("X", b.ts, b.open, b.high, b.low, b.close, b.volume) for b in random_walk(3000)]
    tick = Decimal("0.01")

    fired = _run(series, tick, classify=True)

    assert {signal.strategy for _, signal in fired} == {
        "ma_cross",
        "opening_range_breakout",
        "vwap_pullback",
    }
    assert {signal.direction for _, signal in fired} == set(Direction)
    for bar, signal in fired:
        _assert_sane(bar, signal, tick)
