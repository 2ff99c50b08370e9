"""Performance figures over closed round trips: win rate, profit factor, R, drawdown, Sharpe.

Every figure is defined in its field's docstring, which the API's documentation repeats.
They are computed in float64 over `TripArrays`, vectorised, and are always JSON-safe: a
figure that does not exist for the trades at hand is None (never NaN or infinity), with a
flag where None could mean two things.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from propdesk.analytics.arrays import TradingDay, TripArrays, as_arrays
from propdesk.domain.journal import RoundTrip

WILSON_Z = 1.959963984540054
"""The standard normal quantile of 0.975: a two-sided 95% interval."""
TRADING_DAYS_PER_YEAR = 252
TOLERANCE = 1e-6
"""A cumulative curve less than this below its peak is not under water: the float sums of
amounts that cancel exactly in Decimal may leave such a residue."""


@dataclass(frozen=True, slots=True)
class Metrics:
    """Figures over the closed trips of a window, in the order they closed.

    A trip is a win when its net P&L exceeds the breakeven band, a loss when it is below
    minus the band, and breakeven otherwise (|net P&L| ≤ band; the band is 0 by default, so
    only an exact zero is breakeven). Money is the account's currency; R is a trip's
    `r_multiple` (net P&L ÷ its 1R), and figures in R use only the trips that have one.
    """

    window_trades: int
    """Trades the figures are computed over: the last `window` closed trips, or all."""
    total_trades: int
    """Closed trips given, before the window is applied."""
    total_wins: int
    """Wins in the window."""
    total_losses: int
    """Losses in the window."""
    total_breakeven: int
    """Breakeven trades in the window (neither wins nor losses)."""
    net_pnl: float
    """Σ net P&L of the window's trades (money)."""
    gross_profit: float
    """Σ net P&L of the wins (money, ≥ 0)."""
    gross_loss: float
    """Σ net P&L of the losses (money, ≤ 0)."""
    win_rate: float | None
    """wins ÷ (wins + losses): breakeven trades count for neither. None without either."""
    win_rate_wilson_lb: float | None
    """The lower end of the Wilson score interval (95%, z = 1.959963984540054) of the win
    rate over wins + losses trades: the win rate the record supports with confidence."""
    profit_factor: float | None
    """gross profit ÷ |gross loss|. None without losses (see `profit_factor_infinite`)."""
    profit_factor_infinite: bool
    """True when there are wins and no losses: the profit factor is unbounded."""
    r_trades: int
    """Trades in the window that have an R multiple."""
    expected_r: float | None
    """Mean R multiple of the trades with R (R expectancy). None without any."""
    avg_win_r: float | None
    """Mean R multiple of the wins with R. None without any."""
    avg_loss_r: float | None
    """Mean R multiple of the losses with R (≤ 0). None without any."""
    avg_win: float | None
    """Mean net P&L of the wins (money). None without wins."""
    avg_loss: float | None
    """Mean net P&L of the losses (money, < 0). None without losses."""
    payoff_ratio: float | None
    """avg win ÷ |avg loss| (money). None without wins or without losses."""
    expectancy: float | None
    """Mean net P&L per trade (money), over every trade of the window. None without trades."""
    max_drawdown: float
    """The deepest fall of the cumulative net P&L, trade by trade, from a running peak, the
    curve starting at 0 before the first trade (money, ≥ 0; 0 when it never falls)."""
    max_drawdown_r: float | None
    """The same over the cumulative R of the trades with R (in R). None without any."""
    max_drawdown_duration: float
    """Seconds of the longest time under water: from a peak of the cumulative net P&L (the
    close of the trade that set it, or the first trade's opening for the start at 0) to
    the close of the trade that recovers it (back to the peak or above), or to the last
    trade's close if it has not recovered. 0 when never under water."""
    trading_days: int
    """Trading days (of the trips' closes) with at least one trade in the window."""
    sharpe: float | None
    """mean ÷ sample stdev (ddof 1) of the daily returns, × √252. A day's return is its net
    P&L ÷ the equity at its start: `starting_balance` + the net P&L of the window's earlier
    days. Only days with trades count: a day without trades is not a zero-return day here.
    None without a starting balance, with fewer than 2 days, when every day's return is
    the same, or when the equity at a day's start is not positive."""
    sortino: float | None
    """mean daily return ÷ downside deviation, × √252; the downside deviation is
    √(mean(min(r, 0)²)) over every day of the series (days that gained count as 0).
    None without a starting balance, with fewer than 2 days, when the equity at a day's
    start is not positive, or without a losing day (see `sortino_infinite`)."""
    sortino_infinite: bool
    """True when no day lost and the mean return is positive: the ratio is unbounded."""
    sqn: float | None
    """System quality number: √n × mean R ÷ sample stdev of R (ddof 1), over the n trades
    with R. None when n < 2 or every R is the same."""
    best_day: float | None
    """The largest net P&L of a trading day (money). None without trades."""
    worst_day: float | None
    """The smallest net P&L of a trading day (money). None without trades."""
    consistency: float | None
    """best day ÷ net P&L: the share of the profit made on the best day (as prop firms'
    consistency rules measure it). None unless the net P&L is positive."""
    avg_duration: float | None
    """Mean seconds from a trip's first entry to its last exit. None without trades."""


def compute_metrics(
    trips: TripArrays | Iterable[RoundTrip],
    *,
    window: int | None = None,
    breakeven: Decimal | float = 0.0,
    trading_day: TradingDay | None = None,
    starting_balance: Decimal | float | None = None,
) -> Metrics:
    """The figures of `Metrics` over the closed ones of `trips` (the last `window` of them).

    `breakeven` is the band in money (|net P&L| ≤ band is breakeven); `trading_day` names
    the day of a close when `trips` are RoundTrips (default: the ledger's CME day);
    `starting_balance` is the equity before the window's first day, for the daily returns.
    """
    arrays = as_arrays(trips, trading_day)
    total = len(arrays)
    if window is not None:
        if window < 1:
            raise ValueError("window must be at least 1")
        if window < total:
            arrays = arrays.take(slice(total - window, None))
    band = float(breakeven)
    if band < 0 or not math.isfinite(band):
        raise ValueError("the breakeven band must be finite and not negative")
    balance = None if starting_balance is None else float(starting_balance)
    return _metrics(arrays, total, band, balance)


def _metrics(a: TripArrays, total: int, band: float, balance: float | None) -> Metrics:
    n = len(a)
    pnl = a.net_pnl
    win = pnl > band
    loss = pnl < -band
    wins = int(np.count_nonzero(win))
    losses = int(np.count_nonzero(loss))
    gross_profit = float(pnl[win].sum())
    gross_loss = float(pnl[loss].sum())
    net = float(pnl.sum())

    has_r = ~np.isnan(a.r)
    r = a.r[has_r]
    r_win = a.r[has_r & win]
    r_loss = a.r[has_r & loss]

    decided = wins + losses
    sharpe, sortino, sortino_infinite, days, best, worst = _daily(a, balance)
    return Metrics(
        window_trades=n,
        total_trades=total,
        total_wins=wins,
        total_losses=losses,
        total_breakeven=n - decided,
        net_pnl=net,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        win_rate=wins / decided if decided else None,
        win_rate_wilson_lb=wilson_lower_bound(wins, decided),
        profit_factor=gross_profit / -gross_loss if losses else None,
        profit_factor_infinite=wins > 0 and losses == 0,
        r_trades=len(r),
        expected_r=_mean(r),
        avg_win_r=_mean(r_win),
        avg_loss_r=_mean(r_loss),
        avg_win=gross_profit / wins if wins else None,
        avg_loss=gross_loss / losses if losses else None,
        payoff_ratio=(gross_profit / wins) / (-gross_loss / losses) if wins and losses else None,
        expectancy=net / n if n else None,
        max_drawdown=_max_drawdown(pnl),
        max_drawdown_r=_max_drawdown(r) if len(r) else None,
        max_drawdown_duration=_longest_under_water(pnl, a.opened_at, a.closed_at),
        trading_days=days,
        sharpe=sharpe,
        sortino=sortino,
        sortino_infinite=sortino_infinite,
        sqn=_sqn(r),
        best_day=best,
        worst_day=worst,
        consistency=best / net if best is not None and net > 0 else None,
        avg_duration=float((a.closed_at - a.opened_at).mean()) if n else None,
    )


def wilson_lower_bound(successes: int, trials: int, z: float = WILSON_Z) -> float | None:
    """The lower end of the Wilson score interval; None without trials."""
    if trials == 0:
        return None
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, (centre - spread) / (1 + z2 / trials))


def _mean(values: NDArray[np.float64]) -> float | None:
    return float(values.mean()) if len(values) else None


def _sqn(r: NDArray[np.float64]) -> float | None:
    if len(r) < 2 or r.min() == r.max():
        return None
    return float(math.sqrt(len(r)) * r.mean() / r.std(ddof=1))


def _max_drawdown(values: NDArray[np.float64]) -> float:
    """Peak to trough of the cumulative sum of `values`, starting from 0."""
    if not len(values):
        return 0.0
    curve = np.cumsum(values)
    peak = np.maximum.accumulate(curve)
    np.maximum(peak, 0.0, out=peak)
    deepest = float((peak - curve).max())
    return deepest if deepest >= TOLERANCE else 0.0


def _longest_under_water(
    pnl: NDArray[np.float64], opened_at: NDArray[np.float64], closed_at: NDArray[np.float64]
) -> float:
    """`Metrics.max_drawdown_duration`: point 0 is the start (the first trade's opening)."""
    n = len(pnl)
    if not n:
        return 0.0
    curve = np.empty(n + 1)
    curve[0] = 0.0
    np.cumsum(pnl, out=curve[1:])
    times = np.empty(n + 1)
    times[0] = opened_at[0]
    times[1:] = closed_at
    under = curve < np.maximum.accumulate(curve) - TOLERANCE
    if not under.any():
        return 0.0
    # The last point at or near its running peak, at or before each point.
    index = np.arange(n + 1)
    peak_at = np.maximum.accumulate(np.where(under, 0, index))
    longest = float((times[under] - times[peak_at[under]]).max())
    recovered = np.flatnonzero(~under[1:] & under[:-1]) + 1
    if len(recovered):
        longest = max(longest, float((times[recovered] - times[peak_at[recovered - 1]]).max()))
    return longest


def _daily(
    a: TripArrays, balance: float | None
) -> tuple[float | None, float | None, bool, int, float | None, float | None]:
    """(sharpe, sortino, sortino_infinite, trading days, best day, worst day)."""
    daily = daily_pnl(a.day, a.net_pnl)
    if not len(daily):
        return None, None, False, 0, None, None
    best, worst = float(daily.max()), float(daily.min())
    days = len(daily)
    if balance is None or days < 2:
        return None, None, False, days, best, worst
    equity = np.empty(days)
    equity[0] = balance
    np.cumsum(daily[:-1], out=equity[1:])
    equity[1:] += balance
    if equity.min() <= 0:
        return None, None, False, days, best, worst
    returns = daily / equity
    mean = float(returns.mean())
    scale = math.sqrt(TRADING_DAYS_PER_YEAR)
    sharpe = None if returns.min() == returns.max() else mean / float(returns.std(ddof=1)) * scale
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
    if downside == 0:
        return sharpe, None, mean > 0, days, best, worst
    return sharpe, mean / downside * scale, False, days, best, worst


def daily_pnl(day: NDArray[np.int64], pnl: NDArray[np.float64]) -> NDArray[np.float64]:
    """Net P&L per trading day, in the days' order (each day once)."""
    if not len(day):
        return np.empty(0)
    if np.all(day[1:] >= day[:-1]):  # closes in order: each day is one run
        starts = np.flatnonzero(np.concatenate(([True], day[1:] != day[:-1])))
        return np.add.reduceat(pnl, starts)
    _, inverse = np.unique(day, return_inverse=True)
    return np.bincount(inverse, weights=pnl).astype(np.float64, copy=False)
