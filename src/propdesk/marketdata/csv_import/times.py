"""Times: UNIX stamps, dates and times of day in a zone, to the stored UTC stamp."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from propdesk.domain.instruments import SessionSchedule
from propdesk.marketdata.csv_import.header import _Layout
from propdesk.marketdata.csv_import.model import Timeframe

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
