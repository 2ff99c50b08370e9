"""The extremes of a symbol's marks since any moment, for the MAE and MFE of its open trips.

Between two fills of a trip its average entry and quantity stay put, so of all the marks in
between only the lowest and the highest can move its MAE or MFE. A quote therefore only
updates the current chunk's four extremes (lowest and highest bid, lowest and highest ask):
four comparisons, whatever the number of trips. A fill in the symbol closes the chunk; the
closed chunks' extremes go into four monotonic stacks, so that the extremes of every chunk
from the n-th on (a trip's marks since its last fill) are one binary search away.
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal

Extremes = tuple[Decimal, Decimal, Decimal, Decimal]
"""(lowest bid, highest bid, lowest ask, highest ask)."""


class _Stack:
    """Suffix minima (or maxima) of the closed chunks: (chunk number, value) pairs whose
    values rise from the bottom (minima) or fall (maxima); the extreme of every chunk from
    n on is the value of the first pair numbered n or more."""

    __slots__ = ("lowest", "numbers", "values")

    def __init__(self, lowest: bool) -> None:
        self.lowest = lowest
        self.numbers: list[int] = []
        self.values: list[Decimal] = []

    def push(self, number: int, value: Decimal) -> None:
        values, numbers = self.values, self.numbers
        if self.lowest:
            while values and values[-1] >= value:
                values.pop()
                numbers.pop()
        else:
            while values and values[-1] <= value:
                values.pop()
                numbers.pop()
        values.append(value)
        numbers.append(number)

    def since(self, number: int) -> Decimal | None:
        at = bisect_left(self.numbers, number)
        return self.values[at] if at < len(self.values) else None

    def drop_before(self, number: int) -> None:
        at = bisect_left(self.numbers, number)
        if at:
            del self.numbers[:at], self.values[:at]


class SymbolMarks:
    """One symbol's marks, chunked at its fills."""

    __slots__ = ("chunks", "current", "stacks")

    def __init__(self) -> None:
        self.current: list[Decimal] | None = None
        """The open chunk's [lowest bid, highest bid, lowest ask, highest ask]."""
        self.chunks = 0
        """Chunks closed so far: the open one is numbered `chunks`."""
        self.stacks = (_Stack(True), _Stack(False), _Stack(True), _Stack(False))

    def quote(self, bid: Decimal, ask: Decimal) -> None:
        current = self.current
        if current is None:
            self.current = [bid, bid, ask, ask]
            return
        if bid < current[0]:
            current[0] = bid
        elif bid > current[1]:
            current[1] = bid
        if ask < current[2]:
            current[2] = ask
        elif ask > current[3]:
            current[3] = ask

    def close(self) -> None:
        """A fill in the symbol: the chunk ends here (a no-op when no quote came since)."""
        current = self.current
        if current is None:
            return
        number = self.chunks
        for stack, value in zip(self.stacks, current, strict=True):
            stack.push(number, value)
        self.chunks = number + 1
        self.current = None

    def since(self, number: int) -> Extremes | None:
        """The extremes of the marks of chunk `number` on, the open one included; None when
        there were none."""
        found: list[Decimal | None] = [stack.since(number) for stack in self.stacks]
        current = self.current
        if current is not None:
            found = [
                value if seen is None else pick(seen, value)
                for seen, value, pick in zip(found, current, (min, max, min, max), strict=True)
            ]
        low_bid, high_bid, low_ask, high_ask = found
        if low_bid is None or high_bid is None or low_ask is None or high_ask is None:
            return None  # the four are set together: all or none
        return low_bid, high_bid, low_ask, high_ask

    def drop_before(self, number: int) -> None:
        """Forget the chunks before `number` (no open trip looks that far back)."""
        for stack in self.stacks:
            stack.drop_before(number)

    @property
    def size(self) -> int:
        return max(len(stack.values) for stack in self.stacks)
