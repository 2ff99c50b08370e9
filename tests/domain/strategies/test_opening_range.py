"""opening_range_breakout on a session whose first 15 minutes span 99–102."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.domain.regime import Regime
from propdesk.domain.strategies import (
    Direction,
    OpeningRangeBreakout,
    OpeningRangeBreakoutParams,
    RangeStop,
)

from .builders import FIVE_MINUTES, START, TICK, bars, mirrored, prices, reading, run

DAY = 86_400
OPENING = [(101.0, 99.0, 100.0), (102.0, 100.0, 101.0), (101.5, 99.5, 100.5)]  # range 99–102
INSIDE = (101.75, 100.25, 101.5)
BREAKOUT_UP = (103.0, 101.25, 102.75)  # bar 4
ABOVE = (104.0, 102.5, 103.5)
BREAKDOWN = (103.0, 98.0, 98.5)  # bar 6
BELOW = (99.0, 97.0, 97.5)
SESSION = bars([*OPENING, INSIDE, BREAKOUT_UP, ABOVE, BREAKDOWN, BELOW])


def _started(stop: RangeStop = RangeStop.opposite, **kwargs: object) -> OpeningRangeBreakout:
    strategy = OpeningRangeBreakout()
    params = OpeningRangeBreakoutParams(minutes=15, stop=stop)
    strategy.on_start("MNQ", "5", TICK, params, **kwargs)  # type: ignore[arg-type]
    return strategy


def test_on_bar_when_a_close_clears_the_range_high_then_one_long_at_that_bar() -> None:
    fired = run(_started(), SESSION[:6])

    assert [i for i, _ in fired] == [4]
    signal = fired[0][1]
    assert signal.direction is Direction.long
    # entry 102.75, stop at the range low 99, target 102.75 + 2 × 3.75
    assert prices(signal) == (Decimal("102.75"), Decimal("99.00"), Decimal("110.25"))
    assert signal.id == f"opening_range_breakout:MNQ:5:{START + 4 * FIVE_MINUTES}"
    assert signal.confidence == 0.5


@pytest.mark.parametrize(
    ("stop", "long_prices", "short_prices"),
    [
        (RangeStop.opposite, ("102.75", "99", "110.25"), ("98.5", "102", "91.5")),
        (RangeStop.middle, ("102.75", "100.5", "107.25"), ("98.5", "100.5", "94.5")),
    ],
)
def test_on_bar_when_both_sides_break_then_one_signal_per_direction_per_session(
    stop: RangeStop, long_prices: tuple[str, ...], short_prices: tuple[str, ...]
) -> None:
    fired = run(_started(stop), SESSION)

    assert [(i, s.direction) for i, s in fired] == [(4, Direction.long), (6, Direction.short)]
    assert prices(fired[0][1]) == tuple(Decimal(p) for p in long_prices)
    assert prices(fired[1][1]) == tuple(Decimal(p) for p in short_prices)


def test_on_bar_when_a_new_session_starts_then_a_new_range_and_new_signals() -> None:
    strategy = _started()
    next_day = bars([*OPENING, INSIDE, BREAKOUT_UP], first=START + DAY)

    fired = run(strategy, [*SESSION, *next_day])

    assert [(i, s.direction) for i, s in fired] == [
        (4, Direction.long),
        (6, Direction.short),
        (12, Direction.long),
    ]


def test_on_bar_when_the_mirror_image_then_the_short_comes_first() -> None:
    fired = run(_started(), mirrored(SESSION[:6]))

    assert [(i, s.direction) for i, s in fired] == [(4, Direction.short)]
    assert prices(fired[0][1]) == (Decimal("297.25"), Decimal("301"), Decimal("289.75"))


def test_on_bar_when_the_regime_trends_then_confidence_follows_the_agreement() -> None:
    with_trend = run(_started(), SESSION[:6], reading(Regime.TREND_UP))
    against = run(_started(), SESSION[:6], reading(Regime.TREND_DOWN))
    volatile = run(_started(), SESSION[:6], reading(Regime.VOLATILE))

    assert [s.confidence for _, s in with_trend + against + volatile] == [0.75, 0.25, 0.5]
    assert with_trend[0][1].regime == "trend_up"


def test_on_bar_when_the_session_starts_later_then_earlier_bars_are_not_in_the_range() -> None:
    open_at = START + 14 * 3600 + 30 * 60  # 14:30 UTC
    premarket = bars([(150.0, 50.0, 100.0)], first=open_at - FIVE_MINUTES)
    session = bars([*OPENING, INSIDE, BREAKOUT_UP], first=open_at)

    fired = run(
        _started(session_start=lambda ts: open_at if ts >= open_at else open_at - DAY),
        [*premarket, *session],
    )

    assert [i for i, _ in fired] == [5]
    assert run(_started(), [*premarket, *session]) == []  # a UTC day: the 50–150 bar is in it


def test_on_bar_when_the_session_has_no_bar_in_the_opening_window_then_no_signal() -> None:
    late = bars([INSIDE, BREAKOUT_UP, BREAKDOWN], first=START + 30 * 60)

    assert run(_started(), late) == []


def test_on_start_when_daily_bars_or_a_range_not_a_whole_number_of_bars_then_value_error() -> None:
    strategy = OpeningRangeBreakout()

    with pytest.raises(ValueError, match="intraday"):
        strategy.on_start("MNQ", "1D", TICK)
    with pytest.raises(ValueError, match="multiple"):
        strategy.on_start("MNQ", "15", TICK, OpeningRangeBreakoutParams(minutes=20))
