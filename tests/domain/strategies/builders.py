"""Bars for the strategy tests: five-minute bars from (high, low, close) rows, mirror images,
and regime readings made up by hand."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from propdesk.domain.bars import Bar
from propdesk.domain.regime import Regime, RegimeReading
from propdesk.domain.strategies import Signal, Strategy

START = 1_700_006_400  # 2023-11-15 00:00 UTC, a session start by the default (UTC day)
FIVE_MINUTES = 300
TICK = Decimal("0.25")


def bars(
    rows: Iterable[tuple[float, float, float]], *, first: int = START, volume: float = 1.0
) -> list[Bar]:
    """Five-minute bars from (high, low, close); the open is the middle of the range."""
    return [
        Bar("MNQ", first + i * FIVE_MINUTES, (high + low) / 2, high, low, close, volume)
        for i, (high, low, close) in enumerate(rows)
    ]


def mirrored(series: Sequence[Bar], around: float = 200.0) -> list[Bar]:
    """The same bars upside down around `around`: every long setup becomes its short."""
    return [
        Bar(
            b.symbol,
            b.ts,
            2 * around - b.open,
            2 * around - b.low,
            2 * around - b.high,
            2 * around - b.close,
            b.volume,
        )
        for b in series
    ]


def reading(regime: Regime, *, adx: float = 30.0, ts: int = START) -> RegimeReading:
    return RegimeReading(regime, adx, 30.0, 10.0, 2.0, 0.5, ts, changed=False)


def run(
    strategy: Strategy[Any],
    series: Sequence[Bar],
    regime: RegimeReading | None = None,
) -> list[tuple[int, Signal]]:
    """Each signal with the index of the bar it fired on."""
    fired = []
    for i, b in enumerate(series):
        signal = strategy.on_bar(b, regime)
        if signal is not None:
            fired.append((i, signal))
    return fired


def prices(signal: Signal) -> tuple[Decimal, Decimal, Decimal]:
    return signal.entry, signal.stop, signal.target
