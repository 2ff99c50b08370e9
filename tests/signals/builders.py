"""Bar series for the signal runtime's tests: five-minute MNQ bars given as the feed gives
them (closed one-minute bars), and the small settings that make them warm in a few bars."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from propdesk.domain.bars import Bar
from propdesk.store.repositories.bars import BarRow

T = 1_773_154_800
"""Tuesday 10 March 2026, 15:00 UTC (10:00 in Chicago): the CME session is open, and a
five-minute bucket begins."""
FIVE_MINUTES = 300

REGIME_PARAMS: dict[str, int | float] = {
    "adx_period": 2,
    "atr_period": 2,
    "atr_percentile_window": 2,
}
"""A classifier warm after 4 bars (`RegimeParams.warm_up`)."""
MA_CROSS: dict[str, Any] = {
    "name": "ma_cross",
    "symbols": ["MNQ"],
    "resolution": "5",
    "params": {"fast_period": 2, "slow_period": 4, "atr_period": 3, "adx_period": 3,
               "atr_mult": 1.5},
}  # fmt: skip
"""The domain test's cross: on `TURN` it goes long at bar 11's close (106.5)."""
SETTINGS: dict[str, Any] = {
    "regime_resolutions": ["5"],
    "regime_symbols": ["MNQ"],
    "regime_params": REGIME_PARAMS,
    "strategies": [MA_CROSS],
}

# Closes 110, 109.5, … 105.5 (bars 0–9), then 106, 106.5, … (bars 10–17), each bar close ± 1:
# SMA(2) crosses above SMA(4) at bar 11 (tests/domain/strategies/test_ma_cross.py).
CLOSES = [110 - 0.5 * k for k in range(10)] + [106 + 0.5 * k for k in range(8)]
CROSS = 11


def five_minute_bars(closes: Sequence[float] = CLOSES, *, first: int = T) -> list[Bar]:
    return [
        Bar("MNQ", first + i * FIVE_MINUTES, close, close + 1, close - 1, close, 5.0)
        for i, close in enumerate(closes)
    ]


def minutes(bars: Iterable[Bar]) -> list[Bar]:
    """Each bar as five closed minutes: its range in the first, then flat at its close."""
    out = []
    for bar in bars:
        out.append(Bar(bar.symbol, bar.ts, bar.open, bar.high, bar.low, bar.close, 1.0))
        out.extend(
            Bar(bar.symbol, bar.ts + 60 * k, bar.close, bar.close, bar.close, bar.close, 1.0)
            for k in range(1, 5)
        )
    return out


def rows(bars: Iterable[Bar]) -> list[BarRow]:
    return [(b.ts, b.open, b.high, b.low, b.close, b.volume) for b in bars]
