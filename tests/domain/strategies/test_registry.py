"""The strategies' life cycle, their parameters' validation and the registry of built-ins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from propdesk.domain.strategies import (
    BUILTINS,
    MovingAverageCross,
    MovingAverageCrossParams,
    OpeningRangeBreakout,
    OpeningRangeBreakoutParams,
    StrategyParams,
    UnknownStrategy,
    VwapPullback,
    VwapPullbackParams,
    strategy,
)

from .builders import TICK, bars


def test_registry_when_asked_by_name_then_a_fresh_instance_of_each_builtin() -> None:
    assert dict(BUILTINS) == {
        "ma_cross": MovingAverageCross,
        "opening_range_breakout": OpeningRangeBreakout,
        "vwap_pullback": VwapPullback,
    }
    first, second = strategy("ma_cross"), strategy("ma_cross")
    assert isinstance(first, MovingAverageCross)
    assert first is not second
    for name, cls in BUILTINS.items():
        assert cls.name == name
        assert issubclass(cls.params_model, StrategyParams)


def test_registry_when_the_name_is_unknown_then_unknown_strategy_listing_the_builtins() -> None:
    with pytest.raises(UnknownStrategy, match="ma_cross, opening_range_breakout, vwap_pullback"):
        strategy("martingale")
    with pytest.raises(TypeError):
        BUILTINS["martingale"] = MovingAverageCross  # type: ignore[index]


def test_on_bar_when_not_started_then_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="on_start"):
        VwapPullback().on_bar(bars([(101.0, 99.0, 100.0)])[0], None)


def test_on_start_when_params_of_another_strategy_then_type_error() -> None:
    with pytest.raises(TypeError, match="MovingAverageCrossParams"):
        MovingAverageCross().on_start("MNQ", "5", TICK, VwapPullbackParams())  # type: ignore[arg-type]


@pytest.mark.parametrize("tick", [Decimal(0), Decimal(-1), Decimal("NaN"), Decimal("Infinity")])
def test_on_start_when_the_tick_size_is_not_positive_then_value_error(tick: Decimal) -> None:
    with pytest.raises(ValueError, match="tick_size"):
        VwapPullback().on_start("MNQ", "5", tick)


def test_on_start_when_the_resolution_is_unsupported_then_value_error() -> None:
    with pytest.raises(ValueError, match="unsupported resolution"):
        VwapPullback().on_start("MNQ", "7", TICK)


def test_on_start_when_no_params_then_the_defaults() -> None:
    started = strategy("opening_range_breakout")
    started.on_start("MNQ", "5", TICK)

    assert started.params == OpeningRangeBreakoutParams()
    assert started.context.resolution.seconds == 300


@pytest.mark.parametrize(
    ("model", "fields", "named"),
    [
        (StrategyParams, {"expiry_bars": 0}, "expiry_bars"),
        (MovingAverageCrossParams, {"expiry_bars": True}, "expiry_bars"),
        (MovingAverageCrossParams, {"fast_period": 0}, "fast_period"),
        (MovingAverageCrossParams, {"fast_period": 30, "slow_period": 30}, "fast_period"),
        (MovingAverageCrossParams, {"atr_period": 2.0}, "atr_period"),
        (MovingAverageCrossParams, {"atr_mult": 0.0}, "atr_mult"),
        (MovingAverageCrossParams, {"reward_risk": float("inf")}, "reward_risk"),
        (MovingAverageCrossParams, {"full_confidence_adx": -5.0}, "full_confidence_adx"),
        (MovingAverageCrossParams, {"average": "wma"}, "average"),
        (OpeningRangeBreakoutParams, {"minutes": 0}, "minutes"),
        (OpeningRangeBreakoutParams, {"stop": "vwap"}, "stop"),
        (OpeningRangeBreakoutParams, {"reward_risk": float("nan")}, "reward_risk"),
        (VwapPullbackParams, {"ema_period": -1}, "ema_period"),
        (VwapPullbackParams, {"stop_offset_ticks": -1}, "stop_offset_ticks"),
        (VwapPullbackParams, {"reward_risk": "2"}, "reward_risk"),
    ],
)
def test_params_when_out_of_bounds_then_value_error_naming_the_field(
    model: type[StrategyParams], fields: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        model(**fields)


def test_params_when_defaults_then_valid_and_zero_offset_allowed() -> None:
    assert VwapPullbackParams(stop_offset_ticks=0).stop_offset_ticks == 0
    for cls in BUILTINS.values():
        assert cls.params_model().expiry_bars == 3
