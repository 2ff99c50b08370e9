"""The figures of `Metrics` per group of trips: by label, by weekday, by hour of entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from propdesk.analytics.arrays import LABELS, TradingDay, TripArrays, as_arrays
from propdesk.analytics.metrics import Metrics, compute_metrics
from propdesk.domain.journal import RoundTrip

GroupBy = Literal["strategy", "setup", "symbol", "regime", "weekday", "hour"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
QUARTER_HOUR = 900
"""Every UTC offset, and every change of one, has fallen on a quarter hour since 1972: the
local hour is the same throughout each UTC quarter hour."""


def group_metrics(
    trips: TripArrays | Iterable[RoundTrip],
    by: GroupBy,
    *,
    window: int | None = None,
    breakeven: Decimal | float = 0.0,
    trading_day: TradingDay | None = None,
    starting_balance: Decimal | float | None = None,
    timezone: str = "UTC",
) -> dict[str, Metrics]:
    """`compute_metrics` over each group of the closed trips that has any.

    Groups: a label's value (`strategy`, `setup`, `symbol`, `regime`; "" for trips without
    one), in alphabetical order; `weekday`, of the trading day of the close ("monday" …
    "sunday"); `hour`, of the entry (`opened_at`) in `timezone` ("00" … "23"). `window`
    applies within each group, and a group's daily returns are its own P&L over
    `starting_balance` plus its own earlier days.
    """
    arrays = as_arrays(trips, trading_day)
    codes, names = _groups(arrays, by, timezone)
    order = np.argsort(codes, kind="stable")  # keeps the close order within each group
    ends = np.cumsum(np.bincount(codes, minlength=len(names))).tolist()
    starts = [0, *ends[:-1]]
    result: dict[str, Metrics] = {}
    in_order: Iterable[int] = range(len(names))
    if by in LABELS:
        in_order = sorted(in_order, key=names.__getitem__)
    for code in in_order:
        if starts[code] == ends[code]:
            continue
        result[names[code]] = compute_metrics(
            arrays.take(order[starts[code] : ends[code]]),
            window=window,
            breakeven=breakeven,
            starting_balance=starting_balance,
        )
    return result


def _groups(arrays: TripArrays, by: str, timezone: str) -> tuple[NDArray[np.intp], list[str]]:
    """Each trip's group code, and the groups' names."""
    if by == "weekday":
        return ((arrays.day + 6) % 7).astype(np.intp), list(WEEKDAYS)
    if by == "hour":
        return _local_hours(arrays.opened_at, ZoneInfo(timezone)), [f"{h:02d}" for h in range(24)]
    if by not in LABELS:
        raise ValueError(f"cannot group by {by!r}")
    labels = arrays.labels.get(by)
    if labels is None:
        raise ValueError(f"these trips carry no {by!r} label")
    return labels.codes.astype(np.intp), [name or "" for name in labels.names]


def _local_hours(ts: NDArray[np.float64], zone: ZoneInfo) -> NDArray[np.intp]:
    quarters, inverse = np.unique(np.floor(ts / QUARTER_HOUR), return_inverse=True)
    hours = [datetime.fromtimestamp(q * QUARTER_HOUR, zone).hour for q in quarters.tolist()]
    return np.asarray(hours, dtype=np.intp)[inverse]
