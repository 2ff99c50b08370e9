"""Every figure of `Metrics` again, written from its definition with plain Python loops and the
`statistics` module, and the Wilson bound from statsmodels: what the vectorised code is
checked against. Nothing here imports propdesk.analytics' arithmetic."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from statsmodels.stats.proportion import proportion_confint

TOLERANCE = 1e-6  # the definition's: less than this below the peak is not under water


@dataclass(frozen=True)
class Trade:
    opened_at: float
    closed_at: float
    net_pnl: float
    r: float | None
    day: int  # an ordinal
    symbol: str | None = None
    strategy: str | None = None
    setup: str | None = None
    regime: str | None = None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _drawdown(values: list[float]) -> float:
    cum = peak = deepest = 0.0
    for value in values:
        cum += value
        peak = max(peak, cum)
        deepest = max(deepest, peak - cum)
    return deepest if deepest >= TOLERANCE else 0.0


def _under_water(trades: list[Trade]) -> float:
    if not trades:
        return 0.0
    cum, peak, peak_time, under, longest = 0.0, 0.0, trades[0].opened_at, False, 0.0
    for trade in trades:
        cum += trade.net_pnl
        peak = max(peak, cum)
        if cum < peak - TOLERANCE:
            under = True
            longest = max(longest, trade.closed_at - peak_time)
        else:
            if under:
                longest = max(longest, trade.closed_at - peak_time)
            under = False
            peak_time = trade.closed_at
    return longest


def wilson(wins: int, trials: int) -> float | None:
    if not trials:
        return None
    low, _ = proportion_confint(wins, trials, alpha=0.05, method="wilson")
    return float(low)


def metrics(
    trades: list[Trade],
    *,
    window: int | None = None,
    band: float = 0.0,
    balance: float | None = None,
) -> dict[str, Any]:
    ordered = sorted(trades, key=lambda t: t.closed_at)  # sorted() is stable
    total = len(ordered)
    if window is not None:
        ordered = ordered[-window:]
    n = len(ordered)
    wins = [t for t in ordered if t.net_pnl > band]
    losses = [t for t in ordered if t.net_pnl < -band]
    gross_profit = sum((t.net_pnl for t in wins), 0.0)
    gross_loss = sum((t.net_pnl for t in losses), 0.0)
    net = sum((t.net_pnl for t in ordered), 0.0)
    rs = [t.r for t in ordered if t.r is not None]
    win_rs = [t.r for t in wins if t.r is not None]
    loss_rs = [t.r for t in losses if t.r is not None]
    decided = len(wins) + len(losses)

    by_day: dict[int, float] = {}
    for t in ordered:
        by_day[t.day] = by_day.get(t.day, 0.0) + t.net_pnl
    daily = [by_day[d] for d in sorted(by_day)]

    sharpe = sortino = None
    sortino_infinite = False
    if balance is not None and len(daily) >= 2:
        equity, returns, ok = balance, [], True
        for pnl in daily:
            if equity <= 0:
                ok = False
            returns.append(pnl / equity if equity > 0 else 0.0)
            equity += pnl
        if ok:
            mean = statistics.fmean(returns)
            if len(set(returns)) > 1:
                sharpe = mean / statistics.stdev(returns) * math.sqrt(252)
            downside = math.sqrt(statistics.fmean([min(r, 0.0) ** 2 for r in returns]))
            if downside:
                sortino = mean / downside * math.sqrt(252)
            else:
                sortino_infinite = mean > 0

    best = max(daily) if daily else None
    return {
        "window_trades": n,
        "total_trades": total,
        "total_wins": len(wins),
        "total_losses": len(losses),
        "total_breakeven": n - decided,
        "net_pnl": net,
        "gross_profit": gross_profit,
        "gross_loss": gross_loss,
        "win_rate": len(wins) / decided if decided else None,
        "win_rate_wilson_lb": wilson(len(wins), decided),
        "profit_factor": gross_profit / -gross_loss if losses else None,
        "profit_factor_infinite": bool(wins) and not losses,
        "r_trades": len(rs),
        "expected_r": _mean(rs),
        "avg_win_r": _mean(win_rs),
        "avg_loss_r": _mean(loss_rs),
        "avg_win": gross_profit / len(wins) if wins else None,
        "avg_loss": gross_loss / len(losses) if losses else None,
        "payoff_ratio": (
            (gross_profit / len(wins)) / (-gross_loss / len(losses)) if wins and losses else None
        ),
        "expectancy": net / n if n else None,
        "max_drawdown": _drawdown([t.net_pnl for t in ordered]),
        "max_drawdown_r": _drawdown(rs) if rs else None,
        "max_drawdown_duration": _under_water(ordered),
        "trading_days": len(daily),
        "sharpe": sharpe,
        "sortino": sortino,
        "sortino_infinite": sortino_infinite,
        "sqn": (
            math.sqrt(len(rs)) * statistics.fmean(rs) / statistics.stdev(rs)
            if len(rs) >= 2 and len(set(rs)) > 1
            else None
        ),
        "best_day": best,
        "worst_day": min(daily) if daily else None,
        "consistency": best / net if best is not None and net > 0 else None,
        "avg_duration": _mean([t.closed_at - t.opened_at for t in ordered]),
    }
