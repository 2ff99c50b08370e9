"""The equity curve (Alpaca's portfolio history, from closed trips) and the P&L calendar."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from propdesk.analytics.arrays import TradingDay, TripArrays, as_arrays
from propdesk.analytics.metrics import TOLERANCE, daily_pnl
from propdesk.domain.journal import RoundTrip

Granularity = Literal["trade", "day"]
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """The account after one trade (or one trading day), counting closed trips only."""

    time: float
    """UNIX seconds: the trade's close, or the close of the day's last trade."""
    day: str
    """The trading day, ISO 8601 (YYYY-MM-DD)."""
    equity: float
    """Starting balance + the cumulative net P&L to this point."""
    pnl: float
    """The cumulative net P&L to this point (Alpaca's `profit_loss`)."""
    period_pnl: float
    """The net P&L of this trade, or of this day."""
    drawdown: float
    """The highest equity so far (the starting balance included) − equity: ≥ 0."""


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: str
    """The trading day, ISO 8601."""
    pnl: float
    """Σ net P&L of the trips that closed on it (money)."""
    trades: int
    r: float | None
    """Σ R multiple of its trips that have one; None when none has."""


def equity_curve(
    trips: TripArrays | Iterable[RoundTrip],
    starting_balance: Decimal | float,
    granularity: Granularity = "trade",
    *,
    trading_day: TradingDay | None = None,
) -> list[EquityPoint]:
    """One point per closed trip, or per trading day with a close, in time order."""
    arrays = as_arrays(trips, trading_day)
    if granularity == "trade":
        period, times, days = arrays.net_pnl, arrays.closed_at, arrays.day
    elif granularity == "day":
        period = daily_pnl(arrays.day, arrays.net_pnl)
        last = _last_of_each_day(arrays.day)
        times, days = arrays.closed_at[last], arrays.day[last]
    else:
        raise ValueError(f"unknown granularity {granularity!r}")
    pnl = np.cumsum(period)
    equity = pnl + float(starting_balance)
    peak = np.maximum(np.maximum.accumulate(equity), float(starting_balance)) if len(pnl) else pnl
    drawdown = peak - equity
    drawdown[drawdown < TOLERANCE] = 0.0
    return [
        EquityPoint(t, date.fromordinal(d).isoformat(), e, p, q, w)
        for t, d, e, p, q, w in zip(
            times.tolist(),
            days.tolist(),
            equity.tolist(),
            pnl.tolist(),
            period.tolist(),
            drawdown.tolist(),
            strict=True,
        )
    ]


def calendar(
    trips: TripArrays | Iterable[RoundTrip],
    month: str,
    *,
    trading_day: TradingDay | None = None,
) -> list[CalendarDay]:
    """The trading days of `month` ("YYYY-MM") on which trips closed, in order."""
    matched = _MONTH.fullmatch(month)
    if matched is None or not 1 <= int(matched[2]) <= 12:
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    year, number = int(matched[1]), int(matched[2])
    first = date(year, number, 1).toordinal()
    after = (date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)).toordinal()
    arrays = as_arrays(trips, trading_day)
    rows = np.flatnonzero((arrays.day >= first) & (arrays.day < after))
    if not len(rows):
        return []
    days, inverse, counts = np.unique(arrays.day[rows], return_inverse=True, return_counts=True)
    pnl = np.bincount(inverse, weights=arrays.net_pnl[rows], minlength=len(days))
    r = arrays.r[rows]
    has_r = ~np.isnan(r)
    r_sum = np.bincount(inverse[has_r], weights=r[has_r], minlength=len(days))
    r_count = np.bincount(inverse[has_r], minlength=len(days))
    return [
        CalendarDay(date.fromordinal(d).isoformat(), p, c, s if k else None)
        for d, p, c, s, k in zip(
            days.tolist(),
            pnl.tolist(),
            counts.tolist(),
            r_sum.tolist(),
            r_count.tolist(),
            strict=True,
        )
    ]


def _last_of_each_day(day: NDArray[np.int64]) -> NDArray[np.intp]:
    """The row of each day's last close (closes are in order, so days come in runs)."""
    if not len(day):
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(np.concatenate((day[1:] != day[:-1], [True])))
