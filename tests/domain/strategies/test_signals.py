"""Signals, and brackets on the tick grid: what every strategy's output must satisfy."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from propdesk.domain.codec import from_plain, to_plain
from propdesk.domain.strategies import Direction, Signal, bracket, to_tick, utc_day_start

from .builders import START, TICK

SIGNAL = Signal(
    id="ma_cross:MNQ:5:0",
    symbol="MNQ",
    resolution="5",
    strategy="ma_cross",
    direction=Direction.long,
    entry=Decimal("100"),
    stop=Decimal("99"),
    target=Decimal("102"),
    regime=None,
    confidence=0.5,
    created_at=300.0,
    expires_at=1200.0,
)


def _d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


@pytest.mark.parametrize(
    ("direction", "entry", "stop", "reward_risk", "tick", "expected"),
    [
        # entry to the nearest tick, stop away from it, target toward it
        (Direction.long, 100.1, 98.9, 2.0, "0.25", ("100.00", "98.75", "102.50")),
        (Direction.short, 100.1, 101.3, 2.0, "0.25", ("100.00", "101.50", "97.00")),
        # 1.5 × 0.25 = 0.375 beyond the entry is off the grid: the target keeps 0.25
        (Direction.long, 100.0, 99.9, 1.5, "0.25", ("100.00", "99.75", "100.25")),
        # a stop closer than a tick (a zero ATR) is pushed a tick away
        (Direction.long, 100.0, 100.0, 2.0, "0.25", ("100.00", "99.75", "100.50")),
        (Direction.short, 100.0, 99.0, 2.0, "0.25", ("100.00", "100.25", "99.50")),
        # a tiny reward still leaves the target a tick beyond the entry
        (Direction.short, 100.0, 100.25, 0.1, "0.25", ("100.00", "100.25", "99.75")),
        # floats off the grid of a cent-ticked or a five-point-ticked instrument
        (Direction.long, 10.050000000000001, 9.949999999, 1.0, "0.01", ("10.05", "9.94", "10.16")),
        (Direction.short, 4327.0, 4341.0, 2.0, "5", ("4325", "4345", "4285")),
    ],
)
def test_bracket_when_prices_are_off_the_grid_then_snapped_conservatively(
    direction: Direction,
    entry: float,
    stop: float,
    reward_risk: float,
    tick: str,
    expected: tuple[str, str, str],
) -> None:
    assert bracket(direction, entry, stop, reward_risk, Decimal(tick)) == _d(*expected)


def test_to_tick_when_a_decimal_then_exact_and_quantized_to_the_tick() -> None:
    assert str(to_tick(Decimal("101.3"), TICK)) == "101.25"
    assert str(to_tick(5.0, TICK)) == "5.00"


@pytest.mark.parametrize(
    "change",
    [
        {"stop": Decimal("100")},
        {"target": Decimal("99.5")},
        {"direction": Direction.short},
        {"confidence": 1.5},
        {"confidence": float("nan")},
        {"expires_at": 300.0},
    ],
)
def test_signal_when_inconsistent_then_value_error(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="ma_cross:MNQ:5:0"):
        replace(SIGNAL, **change)


def test_signal_when_valid_then_its_risk_and_reward() -> None:
    assert (SIGNAL.risk, SIGNAL.reward) == (Decimal(1), Decimal(2))


def test_utc_day_start_when_any_second_of_the_day_then_its_midnight() -> None:
    assert utc_day_start(START) == START
    assert utc_day_start(START + 86_399) == START
    assert utc_day_start(START - 1) == START - 86_400


def test_codec_when_a_signal_crosses_the_bus_then_it_comes_back_equal() -> None:
    short = replace(
        SIGNAL,
        direction=Direction.short,
        stop=Decimal("101"),
        target=Decimal("98"),
        regime="trend_down",
    )

    assert from_plain(to_plain(SIGNAL)) == SIGNAL
    assert from_plain(to_plain(short)) == short
