"""Ticks, bars and chart resolutions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Tick:
    """One trade print with the quote around it; prices lie on the instrument's tick grid."""

    symbol: str
    ts: float
    """UNIX seconds (fractional)."""
    last: Decimal
    bid: Decimal
    ask: Decimal
    size: Decimal


@dataclass(frozen=True, slots=True)
class Bar:
    """OHLCV over [ts, ts + resolution); chart data, so plain floats."""

    symbol: str
    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    def merge(self, price: float, size: float) -> Bar:
        return Bar(
            self.symbol,
            self.ts,
            self.open,
            max(self.high, price),
            min(self.low, price),
            price,
            self.volume + size,
        )


@dataclass(frozen=True, slots=True)
class BarEvent:
    """A one-minute bar on the bus: still forming (after each tick), or closed."""

    bar: Bar
    closed: bool


class Unit(StrEnum):
    minute = "minute"
    day = "day"
    week = "week"
    month = "month"


@dataclass(frozen=True, slots=True)
class Resolution:
    """A chart resolution in TradingView's notation: `1`…`240` minutes, `1D`, `1W`, `1M`."""

    unit: Unit
    count: int

    SUPPORTED = ("1", "3", "5", "15", "30", "60", "240", "1D", "1W", "1M")

    @classmethod
    def parse(cls, text: str) -> Resolution:
        """Parse a UDF resolution; raises ValueError naming the supported ones."""
        value = text.strip().upper()
        if value in ("D", "W", "M"):
            value = "1" + value
        if value not in cls.SUPPORTED:
            raise ValueError(
                f"unsupported resolution {text!r}; supported: {', '.join(cls.SUPPORTED)}"
            )
        if value.endswith("D"):
            return cls(Unit.day, 1)
        if value.endswith("W"):
            return cls(Unit.week, 1)
        if value.endswith("M"):
            return cls(Unit.month, 1)
        return cls(Unit.minute, int(value))

    @property
    def intraday(self) -> bool:
        return self.unit is Unit.minute

    @property
    def seconds(self) -> int:
        """Length of an intraday bar; an upper bound for the others (used to size ranges)."""
        return {
            Unit.minute: 60 * self.count,
            Unit.day: 86_400,
            Unit.week: 7 * 86_400,
            Unit.month: 31 * 86_400,
        }[self.unit]

    def __str__(self) -> str:
        if self.unit is Unit.minute:
            return str(self.count)
        return f"{self.count}{self.unit.value[0].upper()}"


class MinuteBarBuilder:
    """Builds one-minute bars from ticks of one symbol; returns each bar as it closes."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.forming: Bar | None = None
        self._closed_ts: int | None = None

    def add(self, tick: Tick) -> Bar | None:
        minute = int(tick.ts) // 60 * 60
        price, size = float(tick.last), float(tick.size)
        closed = None
        if self._closed_ts is not None and minute <= self._closed_ts:
            return None  # its minute has closed already (after a roll): never reopen it
        if self.forming is not None and minute > self.forming.ts:
            closed, self.forming = self.forming, None
            self._closed_ts = closed.ts
        if self.forming is None:
            self.forming = Bar(self.symbol, minute, price, price, price, price, size)
        elif minute == self.forming.ts:
            self.forming = self.forming.merge(price, size)
        # A tick older than the forming minute (clock skew) is ignored: bars never rewind.
        return closed

    def roll(self, now: float) -> Bar | None:
        """Close the forming bar when its minute has passed without a new tick."""
        if self.forming is not None and int(now) // 60 * 60 > self.forming.ts:
            closed, self.forming = self.forming, None
            self._closed_ts = closed.ts
            return closed
        return None
