"""Instruments and their trading sessions (contract specs and the calendar a bar belongs to)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo


class AssetClass(StrEnum):
    futures = "futures"
    stock = "stock"
    crypto = "crypto"


# TradingView numbers weekdays 1 = Sunday … 7 = Saturday; Python 0 = Monday … 6 = Sunday.
_TV_DAY = {6: 1, 0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 5: 7}


@dataclass(frozen=True, slots=True)
class SessionSchedule:
    """One session per trading day, `open`–`close` in the instrument's time zone.

    When `open` is later than `close` the session starts the evening before its trading day
    (CME Globex: 17:00 the day before to 16:00, the hour between is the daily break).
    `open == close == 00:00` is a 24-hour session. `days` are the weekdays (0 = Monday) of the
    trading day, i.e. of the session's close. Exchange holidays are not modelled.
    """

    timezone: str
    open: time
    close: time
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def overnight(self) -> bool:
        return self.open > self.close

    @property
    def around_the_clock(self) -> bool:
        return self.open == self.close

    def trading_day(self, ts: int) -> date | None:
        """The trading day whose session contains UNIX second `ts`, or None outside sessions."""
        local = datetime.fromtimestamp(ts, self.zone)
        clock = local.time()
        if self.around_the_clock:
            day = local.date()
        elif self.overnight:
            if clock >= self.open:
                day = local.date() + timedelta(days=1)
            elif clock < self.close:
                day = local.date()
            else:
                return None
        elif self.open <= clock < self.close:
            day = local.date()
        else:
            return None
        return day if day.weekday() in self.days else None

    def is_open(self, ts: int) -> bool:
        return self.trading_day(ts) is not None

    def bounds(self, day: date) -> tuple[int, int]:
        """UNIX seconds [start, end) of the session of trading day `day` (if it trades)."""
        zone = self.zone
        if self.around_the_clock:
            start = datetime.combine(day, self.open, zone)
            end = datetime.combine(day + timedelta(days=1), self.close, zone)
        else:
            start_day = day - timedelta(days=1) if self.overnight else day
            start = datetime.combine(start_day, self.open, zone)
            end = datetime.combine(day, self.close, zone)
        return int(start.timestamp()), int(end.timestamp())

    def sessions(self, from_ts: int, to_ts: int) -> Iterator[tuple[date, int, int]]:
        """Every (trading day, start, end) whose session overlaps [from_ts, to_ts)."""
        first = datetime.fromtimestamp(from_ts, self.zone).date() - timedelta(days=1)
        last = datetime.fromtimestamp(to_ts, self.zone).date() + timedelta(days=1)
        day = first
        while day <= last:
            if day.weekday() in self.days:
                start, end = self.bounds(day)
                if start < to_ts and end > from_ts:
                    yield day, start, end
            day += timedelta(days=1)

    def next_open(self, ts: int) -> int:
        """The first second at or after `ts` when a session is open."""
        if self.is_open(ts):
            return ts
        for _, start, _ in self.sessions(ts, ts + 10 * 86_400):
            if start >= ts:
                return start
        raise ValueError("no session within ten days")  # pragma: no cover - schedules trade weekly

    def udf_session(self) -> str:
        """The session in TradingView's notation, e.g. `1700-1600:23456` or `24x7`."""
        if self.around_the_clock and len(self.days) == 7:
            return "24x7"
        hours = f"{self.open:%H%M}-{self.close:%H%M}"
        if self.around_the_clock:
            hours = "0000-0000"
        days = "".join(str(_TV_DAY[d]) for d in sorted(self.days, key=lambda d: _TV_DAY[d]))
        return f"{hours}:{days}"


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    description: str
    asset_class: AssetClass
    exchange: str
    currency: str
    tick_size: Decimal
    point_value: Decimal
    """Money per one point of price per contract (MNQ: $2, NQ: $20)."""
    lot_step: Decimal
    margin: Decimal
    """Initial margin per contract (per unit for stocks and crypto)."""
    commission: Decimal
    """Commission per contract per side."""
    session: SessionSchedule
    reference_price: Decimal
    """A realistic price level, where the simulator starts when nothing is stored."""
    annual_volatility: float
    """Annualized volatility the simulator uses (0.2 = 20%)."""
    micro: bool = False
    """A micro contract (MNQ, MES, …): prop-firm contract caps weigh it as a fraction of one."""

    def __post_init__(self) -> None:
        for name in ("tick_size", "point_value", "lot_step", "reference_price"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{self.symbol}: {name} must be positive")
        if self.margin < 0 or self.commission < 0:
            raise ValueError(f"{self.symbol}: margin and commission cannot be negative")

    @property
    def tick_value(self) -> Decimal:
        return self.tick_size * self.point_value

    @property
    def price_decimals(self) -> int:
        exponent = self.tick_size.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0

    @property
    def pricescale(self) -> int:
        """TradingView's pricescale: 10 ** decimals of the tick size."""
        return int(10**self.price_decimals)

    @property
    def minmov(self) -> int:
        """TradingView's minmov: the tick size in units of 1 / pricescale."""
        return int(self.tick_size * self.pricescale)

    def is_tick_aligned(self, price: Decimal) -> bool:
        return price % self.tick_size == 0

    def round_to_tick(self, price: float) -> Decimal:
        ticks = round(Decimal(repr(price)) / self.tick_size)
        return (ticks * self.tick_size).quantize(self.tick_size)


def utc_midnight(day: date) -> int:
    """UNIX seconds of 00:00 UTC on `day`, the stamp of daily and longer UDF bars."""
    return int(datetime.combine(day, time(0), UTC).timestamp())
