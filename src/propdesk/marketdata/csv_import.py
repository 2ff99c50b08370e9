"""CSV import of OHLCV bars: the common export layouts, validated, as one-minute base bars.

Layouts: a header row naming a date-time column (or separate date and time columns) and Open,
High, Low, Close and optionally Volume, matched by known aliases in any case and order:
TradingView (`time,open,…`), Yahoo Finance (`Date,…,Adj Close,Volume`), MetaTrader
(`<DATE>,<TIME>,<OPEN>,…,<TICKVOL>,<VOL>`), NinjaTrader/Kibot-style `Date,Time,…`, Binance
(`open_time` in UNIX milliseconds) and their like; comma, semicolon, tab or pipe delimited
(sniffed from the header), UTF-8 with or without a BOM, or UTF-16 with one.

Times: UNIX seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude); dates
`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, `MM/DD/YYYY` (US) and `DD.MM.YYYY`;
times `HH:MM[:SS[.fff]]` or `HHMM[SS]`, joined to the date by `T` or a space, optionally with
`Z` or an offset. A UNIX time or a time with an offset is absolute; a naive time is read in the
zone given (default UTC). Stored times are UTC.

Storage: every bar is stored as a one-minute base bar, so
- `1m` rows are stored at their minute;
- `1h` rows as one bar at the hour's open: resolutions of 60 minutes and more serve them back;
- `1D` rows as one bar at the start of their trading day's session (`session.bounds(day)[0]`),
  so that the daily aggregation, which groups by trading day, serves back exactly that row.
  The trading day is the row's date in the given zone, so a daily row must be stamped 00:00
  there (UNIX and offset times are 00:00 UTC by default, as TradingView and UDF stamp days).

`parse_bars` reads and validates text lines, before anything is written, into either the bars
or the bad rows; the database write and the command line are kept apart from it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from propdesk.domain.instruments import SessionSchedule
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


# ---------------------------------------------------------------------------------------------
# Header


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


# ---------------------------------------------------------------------------------------------
# Times

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - naive on purpose: local wall-clock arithmetic
_DATES = (
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), (0, 1, 2)),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), (0, 1, 2)),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), (2, 0, 1)),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (2, 1, 0)),
)
_CLOCK = re.compile(
    r"(?P<h>\d{1,2}):?(?P<m>\d{2})(?::?(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?\s*(?P<half>[AP]M)?"
    r"\s*(?P<z>Z|UTC|GMT)?\s*(?:(?P<sign>[+-])(?P<oh>\d{1,2}):?(?P<om>\d{2})?)?",
    re.IGNORECASE,
)
_STAMP = re.compile(r"([^T\s]+)(?:(?:T|\s+)(.+))?")
_UNIX = re.compile(r"[+-]?\d{9,}(?:\.\d*)?")


def _date_seconds(text: str) -> int:
    """Seconds from 1970-01-01 to 00:00 of the written date (no zone)."""
    stripped = text.strip()
    for pattern, (y, m, d) in _DATES:
        match = pattern.fullmatch(stripped)
        if match:
            parts = match.groups()
            try:
                day = date(int(parts[y]), int(parts[m]), int(parts[d]))
            except ValueError:
                break
            return (day.toordinal() - _EPOCH_ORDINAL) * 86_400
    raise ValueError(f"cannot read the date {text!r}")


def _clock_seconds(text: str) -> tuple[int, int | None]:
    """(seconds after midnight, UTC offset in seconds or None when naive)."""
    match = _CLOCK.fullmatch(text.strip())
    if not match:
        raise ValueError(f"cannot read the time of day {text!r}")
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time of day")
        hour = hour % 12 + (12 if match["half"].upper() == "PM" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} is not a time of day")
    if match["f"] and int(match["f"]):
        raise ValueError(f"{text!r} has fractional seconds; bars start on whole minutes")
    offset = None
    if match["sign"]:
        offset = int(match["oh"]) * 3600 + int(match["om"] or 0) * 60
        offset = -offset if match["sign"] == "-" else offset
    elif match["z"]:
        offset = 0
    return hour * 3600 + minute * 60 + second, offset


def _unix_seconds(text: str) -> int:
    """A UNIX time in s, ms, µs or ns (by magnitude: any of them lands within years 1973–5138)."""
    value = Decimal(text.strip())  # exact, where a float would blur nanoseconds
    for divisor in (1, 1_000, 1_000_000, 1_000_000_000):
        if abs(value) < 100_000_000_000 * divisor:
            seconds, rest = divmod(value, divisor)
            if rest:
                raise ValueError(f"{text!r} has fractional seconds; bars start on whole minutes")
            return int(seconds)
    raise ValueError(f"{text!r} is too large for a UNIX time")


class _Clock:
    """Times to UNIX seconds: cached per distinct date and time-of-day text (a million rows
    hold a few thousand of each), with UTC offsets of a zone cached per local hour."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.is_utc = zone.key in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu")
        self.dates: dict[str, int] = {}
        self.clocks: dict[str, tuple[int, int | None]] = {"": (0, None)}
        self.offsets: dict[int, int] = {}
        self.ambiguous: dict[int, int] = {}
        """A naive time that occurs twice (clocks going back): first reading → second one."""

    def split(self, date_text: str, clock_text: str | None) -> tuple[int, int | None]:
        """(seconds, offset): local seconds when offset is None, else the UTC instant."""
        if clock_text is None:
            if _UNIX.fullmatch(date_text.strip()):
                return _unix_seconds(date_text.strip()), 0
            match = _STAMP.fullmatch(date_text.strip())
            if not match:
                raise ValueError(f"cannot read the time {date_text!r}")
            date_text, clock_text = match[1], match[2] or ""
        day = self.dates.get(date_text)
        if day is None:
            day = self.dates[date_text] = _date_seconds(date_text)
        clock = self.clocks.get(clock_text)
        if clock is None:
            clock = self.clocks[clock_text] = _clock_seconds(clock_text)
        seconds, offset = clock
        return (day + seconds, None) if offset is None else (day + seconds - offset, 0)

    def to_utc(self, local: int) -> int:
        """UTC of naive `local` seconds in the zone; raises inside a daylight-saving gap."""
        if self.is_utc:
            return local
        hour = local // 3600
        offset = self.offsets.get(hour)
        if offset is not None:
            return local - offset
        wall = _EPOCH + timedelta(seconds=local)
        first = local - self._offset(wall, 0)
        second = local - self._offset(wall, 1)
        if first == second:
            start = _EPOCH + timedelta(hours=hour)
            end = start + timedelta(seconds=3599)
            # Cache only hours wholly on one side of a transition.
            if all(self._offset(w, f) == local - first for w in (start, end) for f in (0, 1)):
                self.offsets[hour] = local - first
            return first
        if datetime.fromtimestamp(first, UTC).astimezone(self.zone).replace(tzinfo=None) != wall:
            raise ValueError(
                f"{wall:%Y-%m-%d %H:%M} does not exist in {self.zone.key} "
                "(the clocks skip it for daylight saving); is --tz right?"
            )
        self.ambiguous[first] = second
        return first

    def _offset(self, wall: datetime, fold: int) -> int:
        offset = wall.replace(tzinfo=self.zone, fold=fold).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def local(self, utc: int) -> int:
        offset = datetime.fromtimestamp(utc, UTC).astimezone(self.zone).utcoffset()
        return utc + int(offset.total_seconds()) if offset else utc


def time_zone(name: str) -> ZoneInfo:
    """The zone of naive times, by IANA name; ValueError naming the problem otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as UTC or America/Chicago"
        ) from None


def _stamper(
    layout: _Layout, clock: _Clock, timeframe: Timeframe, session: SessionSchedule, sample: str
) -> Callable[[list[str]], int]:
    """Row → the stored stamp (UTC seconds). The intraday fast path is chosen from the first
    row's format and costs two dict lookups; anything else falls back to the full parser."""
    if timeframe is Timeframe.day:
        return _daily_stamper(layout, clock, session)
    column, clock_column = layout.time, layout.clock
    dates, clocks, to_utc = clock.dates, clock.clocks, clock.to_utc

    def exact(row: list[str]) -> int:
        seconds, offset = clock.split(
            row[column], None if clock_column is None else row[clock_column]
        )
        return seconds if offset is not None else to_utc(seconds)

    if clock_column is None and _UNIX.fullmatch(sample.strip()):

        def unix(row: list[str]) -> int:
            try:
                value = int(row[column])
            except ValueError:
                return exact(row)
            if -100_000_000_000 < value < 100_000_000_000:
                return value
            seconds, millis = divmod(value, 1000)  # Binance and most APIs: milliseconds
            if not millis and -100_000_000_000 < seconds < 100_000_000_000:
                return seconds
            return _unix_seconds(row[column])

        return unix

    separator = "T" if "T" in sample else " "
    is_utc = clock.is_utc

    def text(row: list[str]) -> int:
        if clock_column is None:
            head, _, tail = row[column].partition(separator)
        else:
            head, tail = row[column], row[clock_column]
        try:
            seconds, offset = clocks[tail]
            local = dates[head] + seconds
        except KeyError:
            return exact(row)
        if offset is not None:
            return local - offset
        return local if is_utc else to_utc(local)

    return text


def _daily_stamper(
    layout: _Layout, clock: _Clock, session: SessionSchedule
) -> Callable[[list[str]], int]:
    opens: dict[int, int] = {}

    def daily(row: list[str]) -> int:
        text = row[layout.time]
        seconds, offset = clock.split(text, None if layout.clock is None else row[layout.clock])
        local = seconds if offset is None else clock.local(seconds)
        days, rest = divmod(local, 86_400)
        if rest:
            raise ValueError(
                f"a daily row is stamped 00:00 of its day in {clock.zone.key}, not "
                f"{rest // 3600:02d}:{rest // 60 % 60:02d} ({text.strip()}); is --tz right?"
            )
        stamp = opens.get(days)
        if stamp is None:
            day = date.fromordinal(days + _EPOCH_ORDINAL)
            if day.weekday() not in session.days:
                raise ValueError(f"{day:%Y-%m-%d} is a {day:%A}, not a trading day here")
            stamp = opens[days] = session.bounds(day)[0]
        return stamp

    return daily


def _decimal_comma(text: str) -> float:
    return float(text.replace(",", "."))


# ---------------------------------------------------------------------------------------------
# Parsing and validation


def parse_bars(
    lines: Iterable[str],
    *,
    session: SessionSchedule,
    timeframe: Timeframe = Timeframe.minute,
    tz: str | ZoneInfo = "UTC",
) -> ParsedBars | RejectedRows:
    """Read CSV text lines into the bars to store, or the rows that forbid storing any.

    Raises CsvFormatError when the file is not bars at all (no header, missing columns, no
    rows) and ValueError for an unknown zone. `session` stamps daily rows.
    """
    zone = tz if isinstance(tz, ZoneInfo) else time_zone(tz)
    source = iter(lines)
    skipped, reader = 0, None
    try:
        layout, skipped = _find_header(source)
        reader = csv.reader(source, delimiter=layout.delimiter)
        return _parse_rows(reader, skipped, layout, _Clock(zone), timeframe, session)
    except csv.Error as error:
        line = skipped + (reader.line_num if reader is not None else 0)
        raise CsvFormatError(f"line {max(line, 1)}: {error}") from None
    except UnicodeDecodeError:
        # Text is decoded in blocks ahead of the rows: the bad bytes are at or after this line.
        line = skipped + (reader.line_num if reader is not None else 0) + 1
        raise CsvFormatError(
            f"not UTF-8 text (nor UTF-16 with a BOM), from about line {line}"
        ) from None


_PREAMBLE_LINES = 3


def _find_header(source: Iterator[str]) -> tuple[_Layout, int]:
    """The header's layout and its line number. Some exports put a title or a link above it
    (CryptoDataDownload), so a few non-blank lines may precede it."""
    problem: CsvFormatError | None = None
    tried = 0
    for number, line in enumerate(source, start=1):
        text = line.lstrip("\ufeff")
        if not text.strip():
            continue
        try:
            return _layout(text), number
        except CsvFormatError as error:
            problem = problem or error
            tried += 1
            if tried > _PREAMBLE_LINES:
                break
    raise problem or CsvFormatError("the file is empty")


class _Columns:
    """Parsed values in compact arrays: a million rows of Python floats would take ~200 MB."""

    def __init__(self) -> None:
        self.ts = array("q")
        self.open, self.high, self.low, self.close = (array("d") for _ in range(4))
        self.volume, self.tick_volume = array("d"), array("d")
        self.line = array("q")
        self.errors: list[RowError] = []
        self.bad_rows = 0

    def numpy(self, name: str) -> npt.NDArray[Any]:
        return np.frombuffer(getattr(self, name), np.int64 if name in ("ts", "line") else float)


_CHUNK = 32_768


def _parse_rows(
    reader: Any,
    skipped: int,
    layout: _Layout,
    clock: _Clock,
    timeframe: Timeframe,
    session: SessionSchedule,
) -> ParsedBars | RejectedRows:
    chunk = list(islice(reader, _CHUNK))
    first = next((row for row in chunk if any(field.strip() for field in row)), None)
    if first is None:
        raise CsvFormatError("no data rows after the header")
    sample = first[layout.time] if len(first) > layout.time else ""
    stamp = _stamper(layout, clock, timeframe, session, sample)
    number: Callable[[str], float] = float
    sample_open = first[layout.open] if len(first) > layout.open else ""
    if layout.delimiter != "," and re.fullmatch(r"\s*-?\d+,\d+\s*", sample_open):
        number = _decimal_comma
    columns = _Columns()
    read = 0
    while chunk:
        if reader.line_num - read != len(chunk):
            raise CsvFormatError(
                f"a quoted value spans lines before line {skipped + reader.line_num}: "
                "a bar file has one row per line"
            )
        first_line = skipped + read + 1
        if not _add_chunk(columns, chunk, first_line, layout, number, stamp):
            _add_rows(columns, chunk, first_line, layout, number, stamp)
        read = reader.line_num
        chunk = list(islice(reader, _CHUNK))
    return _validate(columns, layout, clock, timeframe)


def _add_chunk(
    columns: _Columns,
    chunk: list[list[str]],
    first_line: int,
    layout: _Layout,
    number: Callable[[str], float],
    stamp: Callable[[list[str]], int],
) -> bool:
    """The fast path, column by column in C loops; False (and nothing added) when any value
    of the chunk is bad, or a row blank, so that `_add_rows` finds which."""
    wanted = [layout.open, layout.high, layout.low, layout.close]
    if layout.volume is not None:
        wanted.append(layout.volume)
    try:
        values = [array("d", map(number, map(itemgetter(i), chunk))) for i in wanted]
        ts = array("q", map(stamp, chunk))
        ticks = None
        if layout.tick_volume is not None:
            texts = map(itemgetter(layout.tick_volume), chunk)
            ticks = array("d", (_lenient(number, text) for text in texts))
    except (ValueError, IndexError, OverflowError):
        return False
    if layout.volume is None:
        values.append(array("d", bytes(8 * len(chunk))))
    if ticks is not None:
        columns.tick_volume.extend(ticks)
    for target, column in zip(
        (columns.open, columns.high, columns.low, columns.close, columns.volume),
        values,
        strict=True,
    ):
        target.extend(column)
    columns.ts.extend(ts)
    columns.line.extend(range(first_line, first_line + len(chunk)))
    return True


def _add_rows(
    columns: _Columns,
    chunk: list[list[str]],
    first_line: int,
    layout: _Layout,
    number: Callable[[str], float],
    stamp: Callable[[list[str]], int],
) -> None:
    """Row by row, skipping blank lines and recording what is wrong with bad rows."""
    for line, row in enumerate(chunk, start=first_line):
        try:
            prices = [number(row[i]) for i in (layout.open, layout.high, layout.low, layout.close)]
            volume = number(row[layout.volume]) if layout.volume is not None else 0.0
            ts = stamp(row)
        except (ValueError, IndexError, OverflowError):
            if any(field.strip() for field in row):
                columns.bad_rows += 1
                if len(columns.errors) < MAX_REPORTED_ERRORS:
                    columns.errors.append(RowError(line, _diagnose(row, layout, number, stamp)))
            continue
        for target, value in zip(
            (columns.open, columns.high, columns.low, columns.close, columns.volume),
            (*prices, volume),
            strict=True,
        ):
            target.append(value)
        columns.ts.append(ts)
        columns.line.append(line)
        if layout.tick_volume is not None:
            ticks = row[layout.tick_volume] if len(row) > layout.tick_volume else ""
            columns.tick_volume.append(_lenient(number, ticks))


def _lenient(number: Callable[[str], float], text: str) -> float:
    """Tick volume is only a fallback for an all-zero volume column: never a reason to reject."""
    try:
        return number(text)
    except ValueError:
        return float("nan")


def _diagnose(
    row: list[str],
    layout: _Layout,
    number: Callable[[str], float],
    stamp: Callable[[list[str]], int],
) -> str:
    needed = [layout.time, layout.open, layout.high, layout.low, layout.close]
    needed += [c for c in (layout.clock, layout.volume) if c is not None]
    if len(row) <= max(needed):
        return f"{len(row)} fields where the header has {len(layout.headers)}"
    problems = []
    for index in needed[1:]:
        if index == layout.clock:
            continue
        try:
            number(row[index])
        except ValueError:
            problems.append(f"{layout.headers[index]} {row[index]!r} is not a number")
    try:
        stamp(row)
    except (ValueError, OverflowError) as error:
        problems.insert(0, str(error))
    return "; ".join(problems) or "cannot be read"


def _validate(
    columns: _Columns, layout: _Layout, clock: _Clock, timeframe: Timeframe
) -> ParsedBars | RejectedRows:
    ts = columns.numpy("ts").copy()
    prices = [columns.numpy(name) for name in ("open", "high", "low", "close", "volume")]
    o, h, low, c, v = prices
    line = columns.numpy("line")
    notes: list[str] = []
    if clock.ambiguous:
        _resolve_repeated_hour(ts, clock.ambiguous)
    if layout.tick_volume is not None and len(v) and not v.any():
        ticks = columns.numpy("tick_volume")
        if np.isfinite(ticks).all() and ticks.any():
            v = prices[4] = ticks
            notes.append(
                f"{layout.headers[layout.volume or 0]} is 0 on every row: "
                f"volume read from {layout.headers[layout.tick_volume]}"
            )
    step = {Timeframe.minute: 60, Timeframe.hour: 3600, Timeframe.day: 1}[timeframe]
    with np.errstate(invalid="ignore"):
        wrong = ~np.logical_and.reduce(
            [np.isfinite(p) for p in prices]
            + [h >= np.maximum(np.maximum(o, c), low), low <= np.minimum(o, c), v >= 0]
            + [ts % step == 0]
        )
    order = np.argsort(ts, kind="stable")
    repeats = np.flatnonzero(ts[order][1:] == ts[order][:-1])
    earlier, later = order[repeats], order[repeats + 1]
    same = np.logical_and.reduce([p[earlier] == p[later] for p in prices])
    conflicts = dict(zip(later[~same].tolist(), earlier[~same].tolist(), strict=True))
    flagged = np.union1d(np.flatnonzero(wrong), np.array(list(conflicts), np.int64))
    errors, bad = columns.errors, columns.bad_rows
    if bad or len(flagged):
        for index in flagged[:MAX_REPORTED_ERRORS].tolist():
            problems = _problems(index, ts, prices, step, timeframe)
            if index in conflicts:
                what = "trading day" if timeframe is Timeframe.day else "time"
                problems.append(
                    f"same {what} as line {line[conflicts[index]]} with different values"
                )
            errors.append(RowError(int(line[index]), "; ".join(problems)))
        errors.sort(key=lambda e: e.line)
        return RejectedRows(tuple(errors[:MAX_REPORTED_ERRORS]), bad + len(flagged))
    keep = np.ones(len(ts), bool)
    keep[later] = False
    if len(later):
        notes.append(f"{len(later)} rows repeat an earlier row exactly and were skipped")
    if layout.volume is None:
        notes.append("no volume column: volumes are stored as 0")
    used = {layout.time, layout.clock, layout.open, layout.high, layout.low, layout.close}
    used |= {layout.volume, layout.tick_volume}
    ignored = [h for i, h in enumerate(layout.headers) if i not in used and h]
    if ignored:
        notes.append(f"columns not imported: {', '.join(ignored)}")
    kept = order[keep[order]]
    bars = BarColumns(ts[kept], *(np.ascontiguousarray(p[kept]) for p in prices))
    return ParsedBars(bars, timeframe, layout.columns(), len(ts), tuple(notes))


def _resolve_repeated_hour(ts: npt.NDArray[np.int64], ambiguous: dict[int, int]) -> None:
    """When clocks go back, a naive time names two instants: in a file in time order, a
    reading that would step back in time is the second one."""
    for index in np.flatnonzero(np.isin(ts, list(ambiguous))).tolist():
        second = ambiguous[int(ts[index])]
        if index and ts[index] <= ts[index - 1] < second:
            ts[index] = second


def _problems(
    index: int,
    ts: npt.NDArray[np.int64],
    prices: list[npt.NDArray[np.float64]],
    step: int,
    timeframe: Timeframe,
) -> list[str]:
    o, h, low, c, v = (float(p[index]) for p in prices)
    problems = [
        f"{name} is {value}"
        for name, value in zip(
            ("open", "high", "low", "close", "volume"), (o, h, low, c, v), strict=True
        )
        if not np.isfinite(value)
    ]
    for name, value in (("open", o), ("close", c), ("low", low)):
        if h < value:
            problems.append(f"high {h} is below {name} {value}")
    for name, value in (("open", o), ("close", c)):
        if low > value:
            problems.append(f"low {low} is above {name} {value}")
    if v < 0:
        problems.append(f"volume {v} is negative")
    stamp = int(ts[index])
    if stamp % step:
        unit = "minute" if timeframe is Timeframe.minute else "hour"
        problems.append(
            f"{datetime.fromtimestamp(stamp, UTC):%Y-%m-%dT%H:%M:%SZ} is not on a whole {unit}"
            f" ({timeframe.value} bars start on one)"
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Files


class _CountingReader(io.RawIOBase):
    """Reports the bytes read, so that a progress bar can follow a file being parsed."""

    def __init__(self, raw: IO[bytes], on_bytes: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self._on_bytes(count)
        return int(count or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text(path: Path, on_bytes: Callable[[int], None] | None = None) -> IO[str]:
    """The file as text lines: UTF-8 (BOM or not) or UTF-16 with its BOM."""
    raw = path.open("rb", buffering=0)
    head = raw.read(2)
    raw.seek(0)
    utf16 = head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    counted: Any = raw if on_bytes is None else _CountingReader(raw, on_bytes)
    return io.TextIOWrapper(
        io.BufferedReader(counted, 1 << 20),
        encoding="utf-16" if utf16 else "utf-8-sig",
        newline="",
    )


def parse_file(
    path: Path,
    *,
    session: SessionSchedule,
    timeframe: Timeframe = Timeframe.minute,
    tz: str | ZoneInfo = "UTC",
    on_bytes: Callable[[int], None] | None = None,
) -> ParsedBars | RejectedRows:
    """`parse_bars` over a file; OSError when it cannot be opened."""
    with open_text(path, on_bytes) as text:
        return parse_bars(text, session=session, timeframe=timeframe, tz=tz)
