"""When an account's day rolls and when it may trade: its calendar and its trading windows.

An account has one trading day, the day its daily loss limit, its trade counters and its
end-of-day high are measured over; a daily loss cannot be measured over two days at once.
Its rule set names the calendar that day follows (`Calendar`):

- `cme`: CME Globex futures. The trading day ends at 17:00 America/Chicago: Sunday 18:00
  belongs to Monday, Friday 16:00 closes the week. Topstep, Apex and the other futures
  firms roll here.
- `crypto`: coins trade around the clock and every day. The trading day is the UTC
  calendar day (it ends at 00:00 UTC): the daily candle of the major exchanges, and the
  daily reset of the crypto prop firms.

A trading window (`TradingWindow`) is per instrument family (an asset class): new exposure
in that family is accepted only while the window is open, and at its end, if it says so,
the family's positions are closed at market and its working orders canceled. Topstep:
futures from the session's open at 17:00 until 15:10, Chicago time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from propdesk.domain.instruments import AssetClass
from propdesk.domain.ledger import DayBoundary


class Calendar(StrEnum):
    """Which trading day an account's rules are measured over (see the module's docstring)."""

    cme = "cme"
    """Ends at 17:00 America/Chicago."""
    crypto = "crypto"
    """The UTC calendar day: ends at 00:00 UTC."""

    @property
    def boundary(self) -> DayBoundary:
        return _BOUNDARIES[self]


_BOUNDARIES = MappingProxyType(
    {
        Calendar.cme: DayBoundary("America/Chicago", time(17)),
        Calendar.crypto: DayBoundary("UTC", time(0)),
    }
)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError naming it when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


@dataclass(frozen=True, slots=True)
class TradingWindow:
    """The hours, local to `timezone`, in which new exposure in `asset_class` is accepted.

    The window is [start, end); it spans midnight when `start` is later than `end` (17:00 to
    15:10 is the evening before and the day). Outside it an order that adds exposure in the
    family is refused with `OUTSIDE_TRADING_WINDOW`; an order that only reduces a position
    never is. With `flatten`, at `end` the family's working orders are canceled and its
    positions closed at market.
    """

    asset_class: AssetClass
    start: time
    end: time
    timezone: str = "America/Chicago"
    flatten: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.asset_class, AssetClass):
            raise ValueError(f"asset_class must be an AssetClass, not {self.asset_class!r}")
        if self.start == self.end:
            raise ValueError("a trading window's start and end must differ")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is not None or value.second or value.microsecond:
                raise ValueError(f"{name} must be a local time in whole minutes, not {value!r}")
        zone(self.timezone)

    def contains(self, ts: float) -> bool:
        """Whether UNIX second `ts` is inside the window."""
        local = datetime.fromtimestamp(ts, zone(self.timezone)).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_end(self, after: float) -> float:
        """The first end of the window strictly after UNIX second `after`."""
        tz = zone(self.timezone)
        day = datetime.fromtimestamp(after, tz).date()
        for offset in range(3):  # a day later always has one, daylight saving or not
            at = datetime.combine(day + timedelta(days=offset), self.end, tz).timestamp()
            if at > after:
                return at
        raise AssertionError("unreachable: every day has an end")  # pragma: no cover

    def to_json(self) -> dict[str, Any]:
        return {
            "asset_class": self.asset_class.value,
            "start": self.start.isoformat("minutes"),
            "end": self.end.isoformat("minutes"),
            "timezone": self.timezone,
            "flatten": self.flatten,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TradingWindow:
        return cls(
            asset_class=AssetClass(data["asset_class"]),
            start=time.fromisoformat(str(data["start"])),
            end=time.fromisoformat(str(data["end"])),
            timezone=str(data.get("timezone", "America/Chicago")),
            flatten=bool(data.get("flatten", True)),
        )


CME_OPEN = time(17)
"""When the CME Globex session opens, the evening before its trading day (Chicago)."""


def futures_until(flatten_at: time) -> TradingWindow:
    """Futures from the CME session's open (17:00) until `flatten_at`, Chicago time, flat at
    its end: Topstep's window with 15:10."""
    return TradingWindow(AssetClass.futures, CME_OPEN, flatten_at, "America/Chicago")
