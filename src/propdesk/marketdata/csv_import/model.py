"""What an import reads into and reports: the timeframe, the parsed bars, the bad rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from propdesk.marketdata.aggregate import BarColumns

MAX_REPORTED_ERRORS = 20
BarBatch = tuple[list[int], list[float], list[float], list[float], list[float], list[float]]


class Timeframe(StrEnum):
    minute = "1m"
    hour = "1h"
    day = "1D"


class CsvFormatError(ValueError):
    """The file as a whole cannot be read as bars (no header, missing columns, no rows)."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class RejectedRows:
    """Why nothing may be imported: the first bad rows by line, and how many rows are bad."""

    errors: tuple[RowError, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ParsedBars:
    """Validated bars as they will be stored: one-minute stamps, ascending and unique."""

    bars: BarColumns
    timeframe: Timeframe
    columns: dict[str, str]
    """Role (time, date, open, …, volume) → the header it was read from."""
    rows_read: int
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.bars)

    def batches(self, size: int = 50_000) -> Iterator[BarBatch]:
        """(ts, open, high, low, close, volume) columns of plain Python numbers (what database
        drivers take), `size` rows at a time."""
        bars = self.bars
        for start in range(0, len(bars), size):
            part = bars.slice(start, start + size)
            yield (
                part.ts.tolist(),
                part.open.tolist(),
                part.high.tolist(),
                part.low.tolist(),
                part.close.tolist(),
                part.volume.tolist(),
            )
