"""Bar series for the indicator and regime tests: a seeded random walk and hand-made shapes."""

from __future__ import annotations

import random
from collections.abc import Iterable

from propdesk.domain.bars import Bar

START = 1_700_006_400  # 2023-11-15 00:00 UTC
MINUTE = 60


def bar(high: float, low: float, close: float, *, i: int = 0, open_: float | None = None) -> Bar:
    """One bar of the series at minute `i`; the open defaults to the middle of the range."""
    opened = (high + low) / 2 if open_ is None else open_
    return Bar("MNQ", START + i * MINUTE, opened, high, low, close, 10.0)


def bars(rows: Iterable[tuple[float, float, float]]) -> list[Bar]:
    """Bars from (high, low, close) rows, one minute apart."""
    return [bar(high, low, close, i=i) for i, (high, low, close) in enumerate(rows)]


def random_walk(n: int = 1500, *, seed: int = 7, start: float = 100.0) -> list[Bar]:
    """A fixed geometric random walk: gaps between bars, wicks and varying volume."""
    rng = random.Random(seed)
    out: list[Bar] = []
    close = start
    for i in range(n):
        opened = close * (1 + rng.gauss(0, 0.002))
        close = opened * (1 + rng.gauss(0, 0.004))
        high = max(opened, close) * (1 + abs(rng.gauss(0, 0.002)))
        low = min(opened, close) * (1 - abs(rng.gauss(0, 0.002)))
        volume = float(rng.randint(1, 500))
        out.append(Bar("MNQ", START + i * MINUTE, opened, high, low, close, volume))
    return out


def trend(n: int, *, step: float = 1.0, start: float = 100.0, first: int = 0) -> list[Bar]:
    """A steady trend: each bar `step` above (below, when negative) the last, with a range of 2
    and a close ¾ of the way in the trend's direction, so every true range is exactly 2."""
    out = []
    for k in range(n):
        low = start + step * k
        close = low + (1.5 if step > 0 else 0.5)
        out.append(bar(low + 2, low, close, i=first + k))
    return out


def zigzag(n: int, *, after: float = 100.0, first: int = 0) -> list[Bar]:
    """A flat market that swings one point up, one point down, bar after bar, after a close
    at `after`: every true range is exactly 2, +DM and −DM take turns."""
    level = after - 0.5
    out = []
    for k in range(n):
        if k % 2 == 0:
            out.append(bar(level + 1, level - 1, level, i=first + k))
        else:
            out.append(bar(level + 2, level, level + 1, i=first + k))
    return out
