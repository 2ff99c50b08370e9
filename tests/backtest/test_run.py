"""The backtest on hand-made BTCUSD minutes ($1 a point, no commission, around the clock): a
moving-average cross enters at its bar's close, its stop and target fill at their own prices
inside a bar and at the open past a gap, one trade at a time, under the account's rules."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from propdesk.backtest.run import BacktestConfig, BacktestResult, run_backtest
from propdesk.domain.bars import Bar
from propdesk.domain.broker import BrokerSettings
from propdesk.domain.matching import FillModel
from propdesk.domain.orders import OrderSide
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.strategies import (
    Direction,
    MovingAverageCross,
    MovingAverageCrossParams,
    Signal,
)
from propdesk.marketdata.aggregate import BarColumns
from propdesk.marketdata.catalogue import Catalogue

INSTRUMENT = Catalogue.load()["BTCUSD"]
START = 1_735_689_600  # 2025-01-01 00:00 UTC
Row = tuple[float, float, float, float]


def walk(closes: list[float], first: float = 95_000.0) -> list[Row]:
    """Minutes that open at the last close and reach half a dollar beyond it and the close."""
    rows, previous = [], first
    for close in closes:
        rows.append((previous, max(previous, close) + 0.5, min(previous, close) - 0.5, close))
        previous = close
    return rows


# A slow fall, then a climb: the fast average crosses above the slow one on minute 47, a long
# at 94,960.00 with its stop at 94,935.06 and its target at 95,009.88.
WARM = walk([95_000 - 5 * i for i in range(40)] + [94_800 + 20 * i for i in range(1, 9)])


def columns(rows: list[Row]) -> BarColumns:
    o, h, low, c = (np.array(column, np.float64) for column in zip(*rows, strict=True))
    ts = START + 60 * np.arange(len(rows), dtype=np.int64)
    return BarColumns(ts, o, h, low, c, np.ones(len(rows)))


def first_signal(rows: list[Row]) -> tuple[int, Signal]:
    strategy = MovingAverageCross()
    strategy.on_start("BTCUSD", "1", INSTRUMENT.tick_size)
    for i, (o, h, low, c) in enumerate(rows):
        signal = strategy.on_bar(Bar("BTCUSD", START + 60 * i, o, h, low, c, 1.0), None)
        if signal is not None:
            return i, signal
    raise AssertionError("no signal")


def backtest(rows: list[Row], **config: object) -> BacktestResult:
    settings = {"resolution": "1", "starting_balance": Decimal(1_000_000), **config}
    return run_backtest(
        columns(rows),
        INSTRUMENT,
        BacktestConfig("ma_cross", **settings),  # type: ignore[arg-type]
    )


def test_signal_when_traded_then_entered_at_its_bars_close_with_its_bracket() -> None:
    index, signal = first_signal(WARM)

    result = backtest(WARM)

    assert (index, signal.direction) == (47, Direction.long)
    assert (result.signals, result.placed, result.trips) == (1, 1, [])
    [trip] = result.open_trips
    assert (trip.side, trip.avg_entry_price, trip.initial_stop) == (
        OrderSide.buy,
        signal.entry,
        signal.stop,
    )
    assert trip.opened_at == START + 60 * (index + 1)  # the bar's end
    assert (trip.strategy, trip.setup) == ("ma_cross", "ma_cross")


def test_stop_when_a_bar_runs_through_it_then_filled_at_the_stop_not_the_low() -> None:
    _, signal = first_signal(WARM)
    stop = float(signal.stop)
    close = WARM[-1][3]
    through = (close, close + 1, stop - 30, stop - 20)  # falls through the stop to 30 below

    result = backtest([*WARM, through])

    [trip] = result.trips
    assert trip.avg_exit_price == signal.stop
    assert trip.net_pnl == signal.stop - signal.entry
    assert trip.r_multiple == -1


def test_stop_when_the_open_gaps_past_it_then_filled_at_the_open() -> None:
    _, signal = first_signal(WARM)
    stop = float(signal.stop)
    gap = (stop - 50, stop - 40, stop - 60, stop - 55)

    [trip] = backtest([*WARM, gap]).trips

    assert trip.avg_exit_price == Decimal(repr(stop - 50))


def test_target_when_a_bar_rises_through_it_then_filled_at_the_target() -> None:
    _, signal = first_signal(WARM)
    target = float(signal.target)
    close = WARM[-1][3]

    [trip] = backtest([*WARM, (close, target + 10, close - 1, target + 5)]).trips

    assert trip.avg_exit_price == signal.target
    assert trip.r_multiple is not None
    assert float(trip.r_multiple) == pytest.approx(2.0, abs=0.01)


@pytest.mark.parametrize(("on_touch", "closed"), [(False, 0), (True, 1)])
def test_target_when_a_bar_only_touches_it_then_filled_as_the_fill_model_says(
    on_touch: bool, closed: int
) -> None:
    _, signal = first_signal(WARM)
    target = float(signal.target)
    close = WARM[-1][3]
    settings = BrokerSettings(fill_model=FillModel(fill_on_touch=on_touch))

    result = backtest([*WARM, (close, target, close - 1, target - 1)], broker=settings)

    assert len(result.trips) == closed


def test_signal_when_a_trade_is_open_then_skipped() -> None:
    # Stops and targets far away: the long is still open when the fall brings a death cross
    rows = walk([r[3] for r in WARM] + [94_950 - 30 * i for i in range(1, 15)])
    params = MovingAverageCrossParams(atr_mult=50.0, reward_risk=10.0)

    result = backtest(rows, params=params)

    assert (result.signals, result.placed, dict(result.skipped)) == (2, 1, {"position_open": 1})
    assert len(result.open_trips) == 1


def test_signal_when_the_rules_locked_the_account_then_skipped() -> None:
    # A $10 daily loss limit: the long's fall flattens and locks the account; the death
    # cross that follows is not traded
    rows = walk([r[3] for r in WARM] + [94_950 - 30 * i for i in range(1, 15)])
    rules = RuleSet("custom", daily_loss_limit=Decimal(10))

    result = backtest(rows, rules=rules)

    assert (result.signals, result.placed, dict(result.skipped)) == (2, 1, {"locked": 1})
    [trip] = result.trips
    assert trip.net_pnl <= -10


def test_backtest_when_five_minute_bars_then_signals_on_their_closes_fills_on_the_minutes() -> None:
    # The same climb in five-minute bars: each bar is five of the minutes
    rows = walk([95_000 - 2 * i for i in range(300)] + [94_400 + 8 * i for i in range(1, 80)])

    result = backtest(rows, resolution="5")

    assert (result.minute_bars, result.bars) == (379, 76)
    assert result.placed >= 1
    opened = (result.trips or result.open_trips)[0].opened_at
    assert opened % 300 == 0  # at a five-minute bar's end
