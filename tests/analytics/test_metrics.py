"""`compute_metrics` against the reference implementation (plain Python, statistics,
statsmodels' Wilson interval) on the same trades, and its defined edge cases."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.analytics import TripArrays, compute_metrics, wilson_lower_bound

from . import reference
from .reference import Trade

DAY0 = date(2025, 1, 6).toordinal()
T0 = 1_736_150_400.0  # 2025-01-06 08:00 UTC


def arrays(trades: list[Trade]) -> TripArrays:
    return TripArrays.from_columns(
        opened_at=[t.opened_at for t in trades],
        closed_at=[t.closed_at for t in trades],
        net_pnl=[t.net_pnl for t in trades],
        r=[math.nan if t.r is None else t.r for t in trades],
        day=[t.day for t in trades],
        labels={
            "symbol": [t.symbol for t in trades],
            "strategy": [t.strategy for t in trades],
            "setup": [t.setup for t in trades],
            "regime": [t.regime for t in trades],
        },
    )


def assert_matches(ours: dict[str, Any], expected: dict[str, Any]) -> None:
    assert ours.keys() == expected.keys()
    for name, value in expected.items():
        got = ours[name]
        if value is None or isinstance(value, bool | int):
            assert got == value, name
            assert type(got) is type(value), name
        else:
            assert isinstance(got, float), name
            assert got == pytest.approx(value, rel=1e-9, abs=1e-9), name


def trade(
    net: float, *, i: int = 0, r: float | None = None, day: int = 0, hold: float = 60
) -> Trade:
    opened = T0 + i * 3600 + day * 86400
    return Trade(opened, opened + hold, net, r, DAY0 + day)


trades_strategy = st.lists(
    st.tuples(
        st.integers(-50_000, 50_000) | st.just(0),  # net P&L in cents
        st.none() | st.integers(2_000, 50_000),  # the trip's 1R in cents, or no R
        st.integers(0, 3),  # days after the previous trade's
        st.integers(1, 20_000),  # seconds held
        st.sampled_from(["MNQ", "ES", None]),
    ),
    max_size=60,
).map(
    lambda rows: [
        Trade(
            opened_at=T0 + i * 30_000 + sum(r[2] for r in rows[: i + 1]) * 86_400,
            closed_at=T0 + i * 30_000 + sum(r[2] for r in rows[: i + 1]) * 86_400 + held,
            net_pnl=cents / 100,
            r=None if risk is None else cents / risk,
            day=DAY0 + (i * 30_000 + sum(r[2] for r in rows[: i + 1]) * 86_400 + held) // 86_400,
            symbol=symbol,
        )
        for i, (cents, risk, _, held, symbol) in enumerate(rows)
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    trades=trades_strategy,
    window=st.none() | st.integers(1, 40),
    band=st.sampled_from([0.0, 5.0, 100.0]),
    balance=st.none() | st.sampled_from([1_000.0, 50_000.0]),
)
def test_compute_metrics_when_any_trades_then_every_figure_is_the_references(
    trades: list[Trade], window: int | None, band: float, balance: float | None
) -> None:
    ours = compute_metrics(arrays(trades), window=window, breakeven=band, starting_balance=balance)

    assert_matches(
        asdict(ours), reference.metrics(trades, window=window, band=band, balance=balance)
    )


@pytest.mark.parametrize(("wins", "trials"), [(0, 1), (1, 1), (7, 10), (55, 100), (0, 40), (9, 9)])
def test_wilson_lower_bound_when_counted_then_statsmodels_wilson_interval(
    wins: int, trials: int
) -> None:
    assert wilson_lower_bound(wins, trials) == pytest.approx(
        reference.wilson(wins, trials), abs=1e-12
    )


def test_compute_metrics_when_no_trades_then_counts_zero_and_the_rest_none() -> None:
    metrics = compute_metrics([])

    assert (metrics.window_trades, metrics.total_trades, metrics.trading_days) == (0, 0, 0)
    assert (metrics.net_pnl, metrics.max_drawdown, metrics.max_drawdown_duration) == (0, 0, 0)
    assert (metrics.win_rate, metrics.win_rate_wilson_lb) == (None, None)
    assert (metrics.profit_factor, metrics.profit_factor_infinite) == (None, False)
    assert (metrics.expected_r, metrics.max_drawdown_r, metrics.sqn) == (None, None, None)
    assert (metrics.expectancy, metrics.best_day, metrics.consistency) == (None, None, None)
    assert (metrics.sharpe, metrics.sortino, metrics.avg_duration) == (None, None, None)


def test_compute_metrics_when_one_winning_trade_then_what_one_trade_can_say() -> None:
    metrics = compute_metrics(arrays([trade(120.0, r=1.2, hold=300)]), starting_balance=50_000)

    assert (metrics.total_wins, metrics.win_rate, metrics.expectancy) == (1, 1.0, 120.0)
    # statsmodels: proportion_confint(1, 1, method="wilson")[0] = 0.2065…
    assert metrics.win_rate_wilson_lb == pytest.approx(0.2065493143772374)
    assert (metrics.profit_factor, metrics.profit_factor_infinite) == (None, True)
    assert (metrics.payoff_ratio, metrics.avg_loss) == (None, None)
    assert (metrics.expected_r, metrics.sqn, metrics.max_drawdown_r) == (1.2, None, 0.0)
    assert (metrics.sharpe, metrics.sortino) == (None, None)  # one day is no series
    assert (metrics.best_day, metrics.worst_day, metrics.consistency) == (120.0, 120.0, 1.0)
    assert metrics.avg_duration == 300


def test_compute_metrics_when_no_losses_then_profit_factor_none_and_flagged_infinite() -> None:
    trades = [trade(50.0, i=0), trade(0.0, i=1), trade(25.0, i=2, day=1)]

    metrics = compute_metrics(arrays(trades), starting_balance=10_000)

    assert (metrics.profit_factor, metrics.profit_factor_infinite) == (None, True)
    assert (metrics.total_breakeven, metrics.win_rate) == (1, 1.0)
    assert (metrics.sortino, metrics.sortino_infinite) == (None, True)
    assert metrics.sharpe is not None


def test_compute_metrics_when_all_breakeven_then_no_rate_and_no_profit_factor() -> None:
    trades = [trade(0.0, i=0), trade(3.0, i=1), trade(-3.0, i=2)]

    metrics = compute_metrics(arrays(trades), breakeven=5)

    assert (metrics.total_breakeven, metrics.total_wins, metrics.total_losses) == (3, 0, 0)
    assert (metrics.win_rate, metrics.win_rate_wilson_lb) == (None, None)
    assert (metrics.profit_factor, metrics.profit_factor_infinite) == (None, False)
    assert (metrics.consistency, metrics.expectancy) == (None, 0.0)


def test_compute_metrics_when_no_trade_has_r_then_the_r_figures_are_none() -> None:
    metrics = compute_metrics(arrays([trade(10.0, i=0), trade(-5.0, i=1)]))

    assert metrics.r_trades == 0
    assert (metrics.expected_r, metrics.avg_win_r, metrics.avg_loss_r) == (None, None, None)
    assert (metrics.max_drawdown_r, metrics.sqn) == (None, None)
    assert metrics.profit_factor == 2.0


def test_compute_metrics_when_a_drawdown_recovers_then_its_depth_and_time_under_water() -> None:
    trades = [
        trade(100.0, i=0),  # peak 100 at T0 + 60
        trade(-30.0, i=1),
        trade(-50.0, i=2),  # trough 20: 80 below the peak
        trade(80.0, i=3),  # back to 100 at T0 + 3 h + 60: 3 h under water
        trade(-10.0, i=4),  # under water again from T0 + 3 h + 60, not recovered
    ]

    metrics = compute_metrics(arrays(trades))

    assert metrics.max_drawdown == 80.0
    assert metrics.max_drawdown_duration == 3 * 3600


def test_compute_metrics_when_it_loses_first_then_under_water_from_the_first_opening() -> None:
    metrics = compute_metrics(arrays([trade(-10.0, i=0, hold=120), trade(5.0, i=1)]))

    # never back at 0: from the first opening to the last close
    assert metrics.max_drawdown == 10.0
    assert metrics.max_drawdown_duration == 3600 + 60


def test_compute_metrics_when_float_sums_leave_a_residue_then_it_is_no_drawdown() -> None:
    # 0.1 + 0.1 − 1.1 + 1.1 is 0.19999999999999996 in float64, 0.2 in Decimal: recovered
    trades = [trade(0.1, i=0), trade(0.1, i=1), trade(-1.1, i=2), trade(1.1, i=3)]

    metrics = compute_metrics(arrays([*trades, trade(0.0, i=10)]))

    assert metrics.max_drawdown == pytest.approx(1.1)
    assert metrics.max_drawdown_duration == 2 * 3600  # not 9 h: back at the peak at i=3


def test_compute_metrics_when_two_days_then_sharpe_and_sortino_from_equity_at_each_start() -> None:
    trades = [trade(1_000.0, day=0), trade(-500.0, day=1), trade(1_100.0, day=2)]

    metrics = compute_metrics(arrays(trades), starting_balance=100_000)

    returns = np.array([1_000 / 100_000, -500 / 101_000, 1_100 / 100_500])
    sharpe = returns.mean() / returns.std(ddof=1) * math.sqrt(252)
    sortino = returns.mean() / math.sqrt(np.mean(np.minimum(returns, 0) ** 2)) * math.sqrt(252)
    assert metrics.sharpe == pytest.approx(sharpe)
    assert metrics.sortino == pytest.approx(sortino)


def test_compute_metrics_when_equity_is_gone_at_a_days_start_then_no_sharpe() -> None:
    trades = [trade(-1_000.0, day=0), trade(10.0, day=1)]

    metrics = compute_metrics(arrays(trades), starting_balance=1_000)

    assert (metrics.sharpe, metrics.sortino, metrics.sortino_infinite) == (None, None, False)


def test_compute_metrics_when_a_window_then_the_last_trades_by_close() -> None:
    trades = [trade(-100.0, i=0), trade(10.0, i=1), trade(20.0, i=2)]

    metrics = compute_metrics(arrays(trades[::-1]), window=2)

    assert (metrics.window_trades, metrics.total_trades, metrics.net_pnl) == (2, 3, 30.0)
    with pytest.raises(ValueError, match="window"):
        compute_metrics(arrays(trades), window=0)


def test_compute_metrics_when_days_are_not_in_close_order_then_grouped_all_the_same() -> None:
    trades = [trade(10.0, i=0, day=0), trade(-4.0, i=1), trade(7.0, i=2)]
    shuffled = [
        Trade(t.opened_at, t.closed_at, t.net_pnl, t.r, d)
        for t, d in zip(trades, [5, 1, 5], strict=True)
    ]

    ours = compute_metrics(arrays(shuffled), starting_balance=1_000)

    assert_matches(asdict(ours), reference.metrics(shuffled, balance=1_000))
    assert (ours.trading_days, ours.best_day) == (2, 17.0)


def test_metrics_when_any_then_json_safe() -> None:
    metrics = compute_metrics(arrays([trade(1.0, i=0), trade(1.0, i=1)]), starting_balance=10)

    for value in asdict(metrics).values():
        assert value is None or isinstance(value, bool | int | float)
        assert not isinstance(value, float) or math.isfinite(value)
