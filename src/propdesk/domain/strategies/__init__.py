"""Strategies: signal generators over closed bars, a base to write one, and the built-ins."""

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
from propdesk.domain.strategies.ma_cross import (
    MovingAverageCross,
    MovingAverageCrossParams,
    MovingAverageKind,
)
from propdesk.domain.strategies.opening_range import (
    OpeningRangeBreakout,
    OpeningRangeBreakoutParams,
    RangeStop,
)
from propdesk.domain.strategies.registry import BUILTINS, UnknownStrategy, strategy
from propdesk.domain.strategies.vwap_pullback import VwapPullback, VwapPullbackParams

__all__ = [
    "BUILTINS",
    "Direction",
    "MovingAverageCross",
    "MovingAverageCrossParams",
    "MovingAverageKind",
    "OpeningRangeBreakout",
    "OpeningRangeBreakoutParams",
    "RangeStop",
    "SessionStart",
    "Signal",
    "Strategy",
    "StrategyContext",
    "StrategyParams",
    "UnknownStrategy",
    "VwapPullback",
    "VwapPullbackParams",
    "bracket",
    "strategy",
    "to_tick",
    "utc_day_start",
]
