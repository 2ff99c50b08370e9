"""The journal: metrics over 1,000,000 closed trips, and the journal rebuilt from 1,000,000
executions, each beside its ceiling measured in the same run.

- Metrics: `compute_metrics` over a prebuilt `TripArrays` of 1,000,000 trips (random P&L,
  80% of them with R, ~700 trading days, a starting balance so that Sharpe and Sortino are
  computed); the ceiling is a plain NumPy computation of the same figures on the same
  arrays, written without validation, dataclasses or edge cases (checked to agree with ours
  before it is timed). Which runs first alternates; medians of 15 runs.
- Rebuild: `Journal.rebuild` over 1,000,000 fills of 1,000 accounts in 5 symbols (scale-ins,
  partial exits, reversals; half the trips opened with a stop, a default 1R for the rest);
  the ceiling is a bare loop over the same executions doing only a dict lookup and a
  Decimal add per fill. The figures are checked: the trips' fees sum to the commissions.
  `TripArrays.from_trips` over the rebuilt trips is reported beside it (extra).
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.harness import Result
from propdesk.analytics import TripArrays, compute_metrics
from propdesk.domain.journal import Journal, TripContext
from propdesk.domain.orders import Fill, FillId, Liquidity, OrderId, OrderSide

TRIPS = 1_000_000
EXECUTIONS = 1_000_000
ACCOUNTS = 1_000
SYMBOLS = ("MNQ", "ES", "NQ", "CL", "GC")
BALANCE = 50_000.0
METRIC_ROUNDS = 15
REBUILD_ROUNDS = 3
RATIO_TARGET = 2.0
METRICS_SECONDS_TARGET = 1.0
REBUILD_SECONDS_TARGET = 10.0
START = 1_767_225_600.0  # 2026-01-01 00:00 UTC

# --------------------------------------------------------------------------- metrics


def _trip_arrays(seed: int = 1) -> TripArrays:
    rng = np.random.default_rng(seed)
    opened = START + np.cumsum(rng.integers(1, 120, TRIPS)).astype(np.float64)
    closed = np.sort(opened + rng.integers(1, 3_600, TRIPS))
    pnl = np.round(rng.normal(5, 100, TRIPS), 2)
    risk = rng.integers(50, 300, TRIPS)
    r = np.where(rng.random(TRIPS) < 0.8, pnl / risk, np.nan)
    day = (closed // 86_400).astype(np.int64) + date(1970, 1, 1).toordinal()
    return TripArrays.from_columns(opened_at=opened, closed_at=closed, net_pnl=pnl, r=r, day=day)


def plain_numpy(
    opened: NDArray[np.float64],
    closed: NDArray[np.float64],
    pnl: NDArray[np.float64],
    r: NDArray[np.float64],
    day: NDArray[np.int64],
    balance: float,
) -> dict[str, float]:
    """The same figures, the shortest way NumPy offers, for sorted closes with trades, wins
    and losses (the ceiling: no validation, no edge cases, no result type)."""
    z = 1.959963984540054
    win, loss = pnl > 0, pnl < 0
    wins, losses = int(win.sum()), int(loss.sum())
    profit, lost = pnl[win].sum(), pnl[loss].sum()
    rr = r[~np.isnan(r)]
    n_dec = wins + losses
    p = wins / n_dec
    wilson = (
        p + z * z / (2 * n_dec) - z * math.sqrt(p * (1 - p) / n_dec + z * z / (4 * n_dec**2))
    ) / (1 + z * z / n_dec)
    curve = np.concatenate(([0.0], np.cumsum(pnl)))
    peak = np.maximum.accumulate(curve)
    r_curve = np.concatenate(([0.0], np.cumsum(rr)))
    times = np.concatenate(([opened[0]], closed))
    under = curve < peak - 1e-6
    peak_at = np.maximum.accumulate(np.where(under, 0, np.arange(len(curve))))
    recovered = np.flatnonzero(~under[1:] & under[:-1]) + 1
    duration = max(
        (times[under] - times[peak_at[under]]).max(),
        (times[recovered] - times[peak_at[recovered - 1]]).max(),
    )
    starts = np.flatnonzero(np.concatenate(([True], day[1:] != day[:-1])))
    daily = np.add.reduceat(pnl, starts)
    equity = balance + np.concatenate(([0.0], np.cumsum(daily)[:-1]))
    returns = daily / equity
    downside = np.sqrt(np.mean(np.minimum(returns, 0) ** 2))
    net = pnl.sum()
    return {
        "total_wins": wins,
        "total_losses": losses,
        "total_breakeven": len(pnl) - n_dec,
        "net_pnl": net,
        "win_rate": p,
        "win_rate_wilson_lb": wilson,
        "profit_factor": profit / -lost,
        "expected_r": rr.mean(),
        "avg_win_r": r[win & ~np.isnan(r)].mean(),
        "avg_loss_r": r[loss & ~np.isnan(r)].mean(),
        "payoff_ratio": (profit / wins) / (-lost / losses),
        "expectancy": pnl.mean(),
        "max_drawdown": (peak - curve).max(),
        "max_drawdown_r": (np.maximum.accumulate(r_curve) - r_curve).max(),
        "max_drawdown_duration": duration,
        "sharpe": returns.mean() / returns.std(ddof=1) * math.sqrt(252),
        "sortino": returns.mean() / downside * math.sqrt(252),
        "sqn": math.sqrt(len(rr)) * rr.mean() / rr.std(ddof=1),
        "best_day": daily.max(),
        "worst_day": daily.min(),
        "consistency": daily.max() / net,
        "avg_duration": (closed - opened).mean(),
    }


def _metrics_result() -> Result:
    arrays = _trip_arrays()
    columns = (arrays.opened_at, arrays.closed_at, arrays.net_pnl, arrays.r, arrays.day)

    def ours() -> object:
        return compute_metrics(arrays, starting_balance=BALANCE)

    def ceiling() -> object:
        return plain_numpy(*columns, BALANCE)

    computed = compute_metrics(arrays, starting_balance=BALANCE)
    for name, value in plain_numpy(*columns, BALANCE).items():
        if not math.isclose(getattr(computed, name), float(value), rel_tol=1e-9, abs_tol=1e-9):
            raise RuntimeError(f"{name}: ours {getattr(computed, name)}, NumPy's {value}")
    for action in (ours, ceiling):  # unmeasured: page faults, caches
        action()
    our_runs, numpy_runs = [], []
    for round_ in range(METRIC_ROUNDS):
        pair = ((our_runs, ours), (numpy_runs, ceiling))
        for samples, action in pair if round_ % 2 == 0 else pair[::-1]:
            samples.append(_seconds(action))
    mine, theirs = statistics.median(our_runs), statistics.median(numpy_runs)
    return Result(
        "journal metrics over 1,000,000 trips",
        "s",
        mine,
        "plain NumPy, same figures, same arrays",
        theirs,
        higher_is_better=False,
        target=f"≤ {RATIO_TARGET:g}× plain NumPy and < {METRICS_SECONDS_TARGET:g} s",
        met=mine <= RATIO_TARGET * theirs and mine < METRICS_SECONDS_TARGET,
        extra={
            "trips": TRIPS,
            "trading_days": computed.trading_days,
            "rounds_s": [round(s, 4) for s in our_runs],
            "rounds_numpy_s": [round(s, 4) for s in numpy_runs],
        },
    )


# --------------------------------------------------------------------------- rebuild


def executions(
    count: int = EXECUTIONS, seed: int = 2
) -> list[tuple[Fill, Decimal, TripContext | None]]:
    """Random but plausible order flow: from flat a trip opens (half of them with a stop);
    then it adds (30%), exits in full (35%) or in part (30%), or reverses (5%)."""
    rng = random.Random(seed)
    keys = [(f"acct-{a}", s) for a in range(ACCOUNTS) for s in SYMBOLS]
    held = dict.fromkeys(keys, 0)
    ticks = dict.fromkeys(keys, 80_000)  # 20,000.00 in quarter points
    quarter, point_value, per_contract = Decimal("0.25"), Decimal(2), Decimal("0.62")
    quantities = [Decimal(q) for q in range(12)]
    buy, sell = OrderSide.buy, OrderSide.sell
    made: list[tuple[Fill, Decimal, TripContext | None]] = []
    ts = START
    for i in range(count):
        key = keys[rng.randrange(len(keys))]
        position = held[key]
        ticks[key] += rng.randint(-8, 8)
        context = None
        if position == 0:
            qty, side = rng.randint(1, 3), rng.choice((1, -1))
            if rng.random() < 0.5:
                stop_ticks = ticks[key] - side * rng.randint(8, 40)
                context = TripContext(stop=stop_ticks * quarter)
        else:
            size, draw = abs(position), rng.random()
            if draw < 0.3 and size < 8:
                qty, side = rng.randint(1, 2), 1 if position > 0 else -1
            else:
                side = -1 if position > 0 else 1
                if draw < 0.65:
                    qty = size
                elif draw < 0.95:
                    qty = rng.randint(1, size)
                else:
                    qty = size + 1
        held[key] = position + side * qty
        ts += 0.01
        quantity = quantities[qty]
        fill = Fill(
            FillId(f"f{i}"),
            OrderId(f"o{i // 2}"),
            key[0],
            key[1],
            buy if side > 0 else sell,
            quantity,
            ticks[key] * quarter,
            per_contract * quantity,
            Liquidity.taker,
            ts,
        )
        made.append((fill, point_value, context))
    return made


def _bare_loop(
    made: list[tuple[Fill, Decimal, TripContext | None]],
) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = {}
    zero = Decimal(0)
    for fill, _, _ in made:
        key = (fill.account_id, fill.symbol)
        totals[key] = totals.get(key, zero) + fill.qty
    return totals


def _rebuild_result() -> Result:
    made = executions()
    one_r = Decimal(100)

    def default_risk(account_id: str) -> Decimal:
        return one_r

    journals: list[Journal] = []

    def rebuild() -> None:
        journals[:] = [Journal.rebuild(made, default_risk=default_risk)]

    bare_runs, our_runs = [], []
    for round_ in range(REBUILD_ROUNDS):
        journals.clear()  # the last round's trips are freed before this one is timed
        pair: tuple[tuple[list[float], Callable[[], object]], ...] = (
            (our_runs, rebuild),
            (bare_runs, lambda: _bare_loop(made)),
        )
        for samples, action in pair if round_ % 2 == 0 else pair[::-1]:
            samples.append(_seconds(action))
    trips = journals[0].trips()
    fees = sum((t.fees for t in trips), Decimal(0))
    commissions = sum((f.commission for f, _, _ in made), Decimal(0))
    if fees != commissions:
        raise RuntimeError(f"the trips' fees {fees} are not the commissions {commissions}")
    began = time.perf_counter()
    arrays = TripArrays.from_trips(trips)
    from_trips = time.perf_counter() - began
    mine, bare = statistics.median(our_runs), statistics.median(bare_runs)
    with_stop = sum(1 for t in trips if t.risk_source == "stop")
    return Result(
        "journal rebuilt from 1,000,000 executions",
        "s",
        mine,
        "bare loop: dict lookup + Decimal add per fill",
        bare,
        higher_is_better=False,
        target=f"< {REBUILD_SECONDS_TARGET:g} s",
        met=mine < REBUILD_SECONDS_TARGET,
        extra={
            "executions": EXECUTIONS,
            "trips": len(trips),
            "closed_trips": len(arrays),
            "trips_with_stop_risk": with_stop,
            "us_per_execution": round(mine / EXECUTIONS * 1e6, 2),
            "rounds_s": [round(s, 3) for s in our_runs],
            "trip_arrays_from_trips_s": round(from_trips, 3),
        },
    )


def _seconds(action: Callable[[], Any]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def run() -> list[Result]:
    return [_metrics_result(), _rebuild_result()]
