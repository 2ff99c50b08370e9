"""The header row: its delimiter, and which column holds the time and each price."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from propdesk.marketdata.csv_import.model import CsvFormatError


def _normalized(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# First alias wins when a file has several; real volume before tick volume.
_ALIASES: dict[str, tuple[str, ...]] = {
    "datetime": (
        "datetime",
        "timestamp",
        "opentime",
        "unix",
        "unixtime",
        "unixtimestamp",
        "gmttime",
        "localtime",
        "timeutc",
        "datetimeutc",
    ),
    "date": ("date", "day", "tradedate", "tradingday"),
    "time": ("time",),
    "open": ("open", "o", "openprice"),
    "high": ("high", "h", "highprice"),
    "low": ("low", "l", "lowprice"),
    "close": ("close", "c", "closeprice", "last"),
    "volume": ("volume", "vol", "v", "totalvolume", "realvolume", "basevolume"),
    "tickvolume": ("tickvol", "tickvolume", "ticks"),
}
_DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True, slots=True)
class _Layout:
    delimiter: str
    headers: list[str]
    time: int
    """The date-time column, or the date column when `clock` is set."""
    clock: int | None
    """The separate time-of-day column."""
    open: int
    high: int
    low: int
    close: int
    volume: int | None
    tick_volume: int | None

    def columns(self) -> dict[str, str]:
        roles: dict[str, int | None] = {
            "date" if self.clock is not None else "time": self.time,
            "time" if self.clock is not None else "date": self.clock,
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "volume": self.volume,
        }
        return {role: self.headers[i] for role, i in roles.items() if i is not None}


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise CsvFormatError(
            f"cannot tell the columns apart in the header {line.strip()!r}: "
            "expected a comma, semicolon, tab or | between them"
        )
    return best


def _layout(header_line: str) -> _Layout:
    delimiter = _sniff_delimiter(header_line)
    headers = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
    if headers and re.fullmatch(r"[\d\s.:/+-]+", headers[0]):
        raise CsvFormatError(
            "the first line is data, not a header: add one such as "
            "`Date,Time,Open,High,Low,Close,Volume`"
        )
    position: dict[str, int] = {}
    for index, name in enumerate(headers):
        position.setdefault(_normalized(name), index)

    def find(role: str) -> int | None:
        return next((position[a] for a in _ALIASES[role] if a in position), None)

    date_column, clock, stamp = find("date"), find("time"), find("datetime")
    if date_column is not None and clock is not None:
        time_column: int | None = date_column
    else:
        clock = None
        time_column = next((c for c in (stamp, find("time"), date_column) if c is not None), None)
    prices = {role: find(role) for role in ("open", "high", "low", "close")}
    missing = [role for role, column in prices.items() if column is None]
    if time_column is None:
        missing.insert(0, "date/time")
    if time_column is None or missing:
        raise CsvFormatError(
            f"no {', '.join(missing)} column in the header ({', '.join(headers)}); "
            "expected names such as Date, Time, Open, High, Low, Close, Volume"
        )
    o, h, low, c = (column or 0 for column in prices.values())  # none is None: checked above
    volume, tick_volume = find("volume"), find("tickvolume")
    if volume is None:  # e.g. CryptoDataDownload's `Volume BTC,Volume USDT`: the base asset's
        volume = next((position[n] for n in position if n.startswith("volume")), None)
    if volume is None:
        volume, tick_volume = tick_volume, None
    return _Layout(delimiter, headers, time_column, clock, o, h, low, c, volume, tick_volume)
