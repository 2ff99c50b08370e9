"""The indicators against talipp (2.x, a streaming indicator library), against Wilder's own
arithmetic written out plainly, and against short series worked by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import pytest
from talipp.indicators import ADX, ATR, EMA, SMA, VWAP
from talipp.ohlcv import OHLCV

from propdesk.domain.bars import Bar
from propdesk.domain.indicators import (
    AverageDirectionalIndex,
    AverageTrueRange,
    DirectionalIndex,
    ExponentialMovingAverage,
    PercentileRank,
    SessionVWAP,
    SimpleMovingAverage,
    true_range,
)

from .builders import bars, random_walk

REL = 1e-9
SERIES = random_walk()
CLOSES = [b.close for b in SERIES]
# Bars 1…5 worked by hand below, with period 2.
HAND = bars([(10, 8, 9), (12, 9, 11), (11, 7, 8), (13, 8, 12), (15, 11, 14)])


def _ohlcv(bar: Bar) -> OHLCV:
    return OHLCV(bar.open, bar.high, bar.low, bar.close, bar.volume)


def _close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=REL, abs_tol=1e-12)


def _figures(value: DirectionalIndex | None) -> tuple[float, float, float]:
    assert value is not None
    return value.adx, value.plus_di, value.minus_di


def _wilder_reference(series: Sequence[Bar], n: int) -> list[DirectionalIndex | None]:
    """Wilder's worksheet as he wrote it: running sums TR14, +DM14, −DM14 seeded by the sum of
    the first n, then prior − prior / n + current; ADX seeded by the mean of the first n DX."""
    trs, pdms, mdms, dxs = [], [], [], []
    tr_n = pdm_n = mdm_n = 0.0
    adx: float | None = None
    out: list[DirectionalIndex | None] = [None]
    for previous, bar in pairwise(series):
        trs.append(
            max(bar.high - bar.low, abs(bar.high - previous.close), abs(bar.low - previous.close))
        )
        up, down = bar.high - previous.high, previous.low - bar.low
        pdms.append(up if up > down and up > 0 else 0.0)
        mdms.append(down if down > up and down > 0 else 0.0)
        if len(trs) < n:
            out.append(None)
            continue
        if len(trs) == n:
            tr_n, pdm_n, mdm_n = sum(trs), sum(pdms), sum(mdms)
        else:
            tr_n = tr_n - tr_n / n + trs[-1]
            pdm_n = pdm_n - pdm_n / n + pdms[-1]
            mdm_n = mdm_n - mdm_n / n + mdms[-1]
        plus, minus = 100 * pdm_n / tr_n, 100 * mdm_n / tr_n
        dxs.append(100 * abs(plus - minus) / (plus + minus))
        if len(dxs) == n:
            adx = sum(dxs) / n
        elif len(dxs) > n:
            assert adx is not None
            adx = (adx * (n - 1) + dxs[-1]) / n
        out.append(None if adx is None else DirectionalIndex(adx, plus, minus))
    return out


def test_true_range_when_the_bar_gaps_then_it_reaches_the_previous_close() -> None:
    gap_up, inside = HAND[3], HAND[1]

    assert true_range(gap_up, previous_close=7.0) == 6.0
    assert true_range(inside, previous_close=10.0) == 3.0
    assert true_range(inside, previous_close=None) == 3.0


def test_atr_when_fed_the_hand_worked_bars_then_the_mean_seed_and_wilder_smoothing() -> None:
    atr = AverageTrueRange(2)

    values = [atr.update(bar) for bar in HAND]

    # TR: 2 (first bar: high − low), 3, 4, 5, 4; seed (2 + 3) / 2, then (prior + TR) / 2.
    assert values == [None, 2.5, 3.25, 4.125, 4.0625]
    assert atr.value == 4.0625


def test_atr_when_fed_the_random_walk_then_talipp_from_the_first_value() -> None:
    atr, reference = AverageTrueRange(14), ATR(14)

    for i, bar in enumerate(SERIES):
        reference.add(_ohlcv(bar))
        value = atr.update(bar)

        assert (value is None) == (i < 13)
        assert _close(value, reference[-1]), i


def test_adx_when_fed_the_hand_worked_bars_then_wilder_figures() -> None:
    adx = AverageDirectionalIndex(2)

    values = [adx.update(bar) for bar in HAND]

    # TR 3, 4, 5, 4; +DM 2, 0, 2, 2; −DM 0, 2, 0, 0 (bars 2…5). Bar 3: TR 3.5, ±DM 1 and 1,
    # DX 0. Bar 4: TR 4.25, +DM 1.5, −DM 0.5, DX 50, ADX (0 + 50) / 2. Bar 5: TR 4.125,
    # +DM 1.75, −DM 0.25, DX 75, ADX (25 + 75) / 2.
    assert values[:3] == [None, None, None]
    assert _figures(values[3]) == pytest.approx((25.0, 600 / 17, 200 / 17), rel=REL)
    assert _figures(values[4]) == pytest.approx((50.0, 1400 / 33, 200 / 33), rel=REL)


def test_adx_when_fed_the_random_walk_then_wilder_worksheet_from_the_first_value() -> None:
    adx = AverageDirectionalIndex(14)

    values = [adx.update(bar) for bar in SERIES]

    expected = _wilder_reference(SERIES, 14)
    assert values[:27] == [None] * 27
    for i, (value, wanted) in enumerate(zip(values, expected, strict=True)):
        assert (value is None) == (wanted is None), i
        if wanted is not None:
            assert _figures(value) == pytest.approx(_figures(wanted), rel=REL), i


def test_adx_when_compared_with_talipp_then_it_differs_at_the_start_and_agrees_after_300() -> None:
    # talipp divides the DM averages by its ATR, seeded a bar earlier on the first bar's
    # high − low: the DI start a little apart and the gap fades as (13 / 14) ** bars.
    adx, reference = AverageDirectionalIndex(14), ADX(14, 14)
    gaps: list[float] = []

    for bar in SERIES:
        reference.add(_ohlcv(bar))
        value, theirs = adx.update(bar), reference[-1]
        if value is None:
            continue
        assert theirs is not None
        assert theirs.adx is not None
        gaps.append(
            max(
                abs(value.adx / theirs.adx - 1),
                abs(value.plus_di / theirs.plus_di - 1),
                abs(value.minus_di / theirs.minus_di - 1),
            )
        )

    assert len(gaps) == len(SERIES) - 27
    assert gaps[0] > 1e-3
    assert max(gaps[300 - 27 :]) < REL


def test_sma_and_ema_when_fed_the_closes_then_talipp_value_for_value() -> None:
    for ours, theirs in (
        (SimpleMovingAverage(20), SMA(20)),
        (ExponentialMovingAverage(20), EMA(20)),
        (ExponentialMovingAverage(1), EMA(1)),
    ):
        for i, close in enumerate(CLOSES):
            theirs.add(close)
            value = ours.update(close)

            assert (value is None) == (i < ours.period - 1)
            assert _close(value, theirs[-1]), (type(ours).__name__, i)
        assert ours.value == value


def test_sma_when_fed_a_long_series_far_from_zero_then_its_sum_does_not_drift() -> None:
    sma = SimpleMovingAverage(7)
    values = [1e9 + (i % 13) * 0.1 + i * 1e-3 for i in range(50_000)]

    for value in values:
        sma.update(value)

    assert sma.value == pytest.approx(math.fsum(values[-7:]) / 7, rel=1e-15)


def test_session_vwap_when_the_session_changes_then_it_restarts_like_a_fresh_talipp_vwap() -> None:
    vwap = SessionVWAP()
    session_length = 390  # bars
    reference = VWAP()

    for i, bar in enumerate(SERIES):
        if i % session_length == 0:
            reference = VWAP()
        reference.add(_ohlcv(bar))
        value = vwap.update(bar, session=i // session_length)

        assert _close(value, reference[-1]), i


def test_session_vwap_when_the_session_has_no_volume_yet_then_none() -> None:
    vwap = SessionVWAP()
    quiet = Bar("MNQ", 0, 10, 11, 9, 10, 0.0)

    assert vwap.update(quiet, session=1) is None
    assert vwap.update(Bar("MNQ", 60, 10, 12, 9, 12, 5.0), session=1) == pytest.approx(11.0)
    assert vwap.update(quiet, session=1) == pytest.approx(11.0)
    assert vwap.update(quiet, session=2) is None
    assert vwap.value is None


def _rank_by_definition(window: Sequence[float], value: float) -> float:
    below = sum(1 for x in window if x < value)
    equal = sum(1 for x in window if x == value)
    return (below + 0.5 * equal) / len(window)


def test_percentile_rank_when_values_repeat_then_the_mean_rank_of_the_window() -> None:
    rank = PercentileRank(50)
    values = [round(close, 1) for close in CLOSES]  # plenty of ties

    for i, value in enumerate(values):
        result = rank.update(value)

        if i < 49:
            assert result is None
        else:
            assert result == _rank_by_definition(values[i - 49 : i + 1], value), i


def test_percentile_rank_when_constant_then_a_half_and_the_maximum_nearly_one() -> None:
    rank = PercentileRank(4)

    assert [rank.update(1.0) for _ in range(5)] == [None, None, None, 0.5, 0.5]
    assert rank.update(2.0) == 1 - 1 / 8
    assert rank.update(0.0) == 1 / 8


def test_percentile_rank_when_nan_then_value_error() -> None:
    with pytest.raises(ValueError, match="NaN"):
        PercentileRank(3).update(math.nan)


@pytest.mark.parametrize("period", [0, -3, 1.5, True])
def test_indicators_when_the_period_is_not_a_positive_integer_then_value_error(
    period: object,
) -> None:
    for indicator in (
        SimpleMovingAverage,
        ExponentialMovingAverage,
        AverageTrueRange,
        AverageDirectionalIndex,
        PercentileRank,
    ):
        with pytest.raises(ValueError, match="positive integer"):
            indicator(period)  # type: ignore[arg-type]
