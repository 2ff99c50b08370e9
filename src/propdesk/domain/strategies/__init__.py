"""Strategies: signal generators over closed bars, and a base to write one."""

from propdesk.domain.strategies.base import (
    Direction,
    SessionStart,
    Signal,
    Strategy,
    StrategyContext,
    StrategyParams,
    bracket,
    to_tick,
    utc_day_start,
)

__all__ = [
    "Direction",
    "SessionStart",
    "Signal",
    "Strategy",
    "StrategyContext",
    "StrategyParams",
    "bracket",
    "to_tick",
    "utc_day_start",
]
