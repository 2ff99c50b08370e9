"""Performance analytics over the journal's round trips (NumPy, vectorised, float64)."""

from propdesk.analytics.arrays import LABELS, Labels, TradingDay, TripArrays
from propdesk.analytics.curves import CalendarDay, EquityPoint, Granularity, calendar, equity_curve
from propdesk.analytics.groups import WEEKDAYS, GroupBy, group_metrics
from propdesk.analytics.metrics import (
    TRADING_DAYS_PER_YEAR,
    WILSON_Z,
    Metrics,
    compute_metrics,
    wilson_lower_bound,
)

__all__ = [
    "LABELS",
    "TRADING_DAYS_PER_YEAR",
    "WEEKDAYS",
    "WILSON_Z",
    "CalendarDay",
    "EquityPoint",
    "Granularity",
    "GroupBy",
    "Labels",
    "Metrics",
    "TradingDay",
    "TripArrays",
    "calendar",
    "compute_metrics",
    "equity_curve",
    "group_metrics",
    "wilson_lower_bound",
]
