"""The regime classifier on bar series whose regime is known, and its rule on a random walk."""

from __future__ import annotations

import pytest

from propdesk.domain.bars import Bar
from propdesk.domain.regime import Regime, RegimeClassifier, RegimeParams, RegimeReading

from .builders import bar, random_walk, trend, zigzag

DEFAULTS = RegimeParams()


def _readings(series: list[Bar], params: RegimeParams = DEFAULTS) -> list[RegimeReading | None]:
    classifier = RegimeClassifier(params)
    return [classifier.update(b) for b in series]


def _warm(readings: list[RegimeReading | None]) -> list[RegimeReading]:
    return [r for r in readings if r is not None]


def test_update_when_not_warm_then_none_until_the_percentile_window_fills() -> None:
    readings = _readings(trend(150))

    assert DEFAULTS.warm_up == 113
    assert readings[:112] == [None] * 112
    assert readings[112] is not None
    assert readings[112].changed


def test_update_when_a_steady_uptrend_then_trend_up_all_along() -> None:
    readings = _warm(_readings(trend(150)))

    assert {r.regime for r in readings} == {Regime.TREND_UP}
    assert [r.changed for r in readings] == [True] + [False] * (len(readings) - 1)
    last = readings[-1]
    assert (last.adx, last.plus_di, last.minus_di, last.atr) == pytest.approx((100, 50, 0, 2))
    assert last.atr_percentile == 0.5  # a constant ATR ranks in the middle of its window


def test_update_when_a_steady_downtrend_then_trend_down_all_along() -> None:
    readings = _warm(_readings(trend(150, step=-1.0, start=500.0)))

    assert {r.regime for r in readings} == {Regime.TREND_DOWN}
    assert readings[-1].minus_di > readings[-1].plus_di


def test_update_when_a_flat_market_swings_then_range_all_along() -> None:
    readings = _warm(_readings(zigzag(200)))

    assert {r.regime for r in readings} == {Regime.RANGE}
    assert max(r.adx for r in readings) < DEFAULTS.range_adx


def test_update_when_the_range_bursts_then_volatile_from_that_bar_until_the_atr_calms() -> None:
    calm = zigzag(150)
    level = calm[-1].close
    burst = bar(level + 10, level - 10, level, i=150)  # an outside bar: no direction, TR 20
    after = zigzag(60, after=level, first=151)

    readings = _readings([*calm, burst, *after])

    assert {r.regime for r in _warm(readings[:150])} == {Regime.RANGE}
    at_burst = readings[150]
    assert at_burst is not None
    assert at_burst.regime is Regime.VOLATILE
    assert at_burst.changed
    assert at_burst.atr_percentile == 1 - 1 / 200  # the window's new maximum
    tail = [r.regime for r in _warm(readings[150:])]
    calmed = tail.index(Regime.RANGE)
    assert tail[:calmed] == [Regime.VOLATILE] * calmed
    assert set(tail[calmed:]) == {Regime.RANGE}


def test_update_when_a_trend_fades_into_the_band_then_it_holds_until_adx_drops_below_range() -> (
    None
):
    up = trend(150)
    readings = _warm(_readings([*up, *zigzag(200, after=up[-1].close, first=150)]))

    band = [r for r in readings if DEFAULTS.range_adx <= r.adx < DEFAULTS.trend_adx]
    assert band  # the fade crosses the band bar by bar
    assert {r.regime for r in band} == {Regime.TREND_UP}
    first_range = next(i for i, r in enumerate(readings) if r.adx < DEFAULTS.range_adx)
    assert readings[first_range].regime is Regime.RANGE
    assert readings[first_range].changed
    assert {r.regime for r in readings[:first_range]} == {Regime.TREND_UP}
    assert {r.regime for r in readings[first_range:]} == {Regime.RANGE}


def test_update_when_a_range_turns_into_a_trend_then_range_holds_through_the_band() -> None:
    flat = zigzag(150)
    readings = _warm(_readings([*flat, *trend(100, start=flat[-1].close - 0.5, first=150)]))

    band = [r for r in readings if DEFAULTS.range_adx <= r.adx < DEFAULTS.trend_adx]
    assert band
    assert {r.regime for r in band} == {Regime.RANGE}
    first_trend = next(i for i, r in enumerate(readings) if r.adx >= DEFAULTS.trend_adx)
    assert readings[first_trend].regime is Regime.TREND_UP
    assert readings[first_trend].changed
    assert [r.changed for r in readings].count(True) == 2


@pytest.mark.parametrize(
    "params",
    [DEFAULTS, RegimeParams(adx_period=5, atr_period=7, atr_percentile_window=20)],
)
def test_update_when_fed_a_random_walk_then_every_reading_follows_the_rule(
    params: RegimeParams,
) -> None:
    readings = _warm(_readings(random_walk(), params))
    state = Regime.RANGE
    previous: Regime | None = None

    for reading in readings:
        if reading.adx >= params.trend_adx and reading.plus_di != reading.minus_di:
            state = Regime.TREND_UP if reading.plus_di > reading.minus_di else Regime.TREND_DOWN
        elif reading.adx < params.range_adx:
            state = Regime.RANGE
        volatile = reading.atr_percentile >= params.volatile_percentile
        expected = Regime.VOLATILE if volatile else state

        assert reading.regime is expected, reading
        assert reading.changed == (expected is not previous)
        previous = expected
    assert {r.regime for r in readings} == set(Regime)  # the walk visits every regime


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"adx_period": 0}, "adx_period"),
        ({"atr_period": 2.5}, "atr_period"),
        ({"atr_percentile_window": 1}, "atr_percentile_window"),
        ({"range_adx": 30.0}, "range_adx"),
        ({"trend_adx": 101.0}, "trend_adx"),
        ({"range_adx": -1.0}, "range_adx"),
        ({"volatile_percentile": 0.0}, "volatile_percentile"),
        ({"volatile_percentile": 1.5}, "volatile_percentile"),
        ({"volatile_percentile": float("nan")}, "volatile_percentile"),
    ],
)
def test_params_when_out_of_bounds_then_value_error_naming_the_field(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        RegimeParams(**fields)  # type: ignore[arg-type]
