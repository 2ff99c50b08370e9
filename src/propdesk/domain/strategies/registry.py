"""The built-in strategies by name, and a fresh instance of one."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from propdesk.domain.strategies.base import Strategy
from propdesk.domain.strategies.ma_cross import MovingAverageCross
from propdesk.domain.strategies.opening_range import OpeningRangeBreakout
from propdesk.domain.strategies.vwap_pullback import VwapPullback

BUILTINS: Mapping[str, type[Strategy[Any]]] = MappingProxyType(
    {cls.name: cls for cls in (MovingAverageCross, OpeningRangeBreakout, VwapPullback)}
)
"""Every built-in strategy class under its `name`; read-only."""


class UnknownStrategy(LookupError):
    """No built-in strategy has that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown strategy {name!r}; built in: {', '.join(sorted(BUILTINS))}")
        self.name = name


def strategy(name: str) -> Strategy[Any]:
    """A new, not yet started instance of the built-in strategy `name`."""
    try:
        return BUILTINS[name]()
    except KeyError:
        raise UnknownStrategy(name) from None
