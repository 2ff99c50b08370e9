"""Instruments and their sessions: the CME overnight session, NYSE hours, crypto, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.domain.instruments import AssetClass, Instrument, SessionSchedule, utc_midnight

CME = SessionSchedule("America/Chicago", time(17), time(16))
NYSE = SessionSchedule("America/New_York", time(9, 30), time(16))
CRYPTO = SessionSchedule("UTC", time(0), time(0), frozenset(range(7)))


def local(text: str, zone: str = "America/Chicago") -> int:
    """UNIX seconds of a wall-clock time in `zone`."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def instrument(tick_size: str, *, symbol: str = "X", lot_step: str = "1") -> Instrument:
    return Instrument(
        symbol=symbol,
        description=symbol,
        asset_class=AssetClass.futures,
        exchange="CME",
        currency="USD",
        tick_size=Decimal(tick_size),
        point_value=Decimal(1000),
        lot_step=Decimal(lot_step),
        margin=Decimal(2000),
        commission=Decimal("2.25"),
        session=CME,
        reference_price=Decimal(100),
        annual_volatility=0.1,
    )


# 2026-03-04 is a Wednesday; 2026-03-06 a Friday.
@pytest.mark.parametrize(
    ("wall_clock", "expected"),
    [
        ("2026-03-03T17:00:00", date(2026, 3, 4)),
        ("2026-03-03T23:59:59", date(2026, 3, 4)),
        ("2026-03-04T00:00:00", date(2026, 3, 4)),
        ("2026-03-04T15:59:59", date(2026, 3, 4)),
        ("2026-03-04T16:00:00", None),
        ("2026-03-04T16:59:59", None),
        ("2026-03-04T17:00:00", date(2026, 3, 5)),
    ],
)
def test_trading_day_when_cme_clock_given_then_session_of_the_close(
    wall_clock: str, expected: date | None
) -> None:
    ts = local(wall_clock)

    day = CME.trading_day(ts)

    assert day == expected
    assert CME.is_open(ts) is (expected is not None)


@pytest.mark.parametrize(
    "wall_clock",
    [
        "2026-03-06T16:00:00",  # Friday's close
        "2026-03-06T17:00:00",  # would be Saturday's trading day
        "2026-03-07T12:00:00",
        "2026-03-08T16:59:59",  # Sunday, a second before the week opens
    ],
)
def test_is_open_when_cme_weekend_then_closed(wall_clock: str) -> None:
    assert not CME.is_open(local(wall_clock))


def test_trading_day_when_cme_opens_sunday_evening_then_monday() -> None:
    ts = local("2026-03-08T17:00:00")

    assert CME.trading_day(ts) == date(2026, 3, 9)


def test_next_open_when_cme_closed_for_weekend_then_sunday_five_pm_central() -> None:
    friday_close = local("2026-03-06T16:00:00")

    opens = CME.next_open(friday_close)

    assert opens == local("2026-03-08T17:00:00")


def test_next_open_when_already_open_then_now() -> None:
    ts = local("2026-03-04T10:00:00")

    assert CME.next_open(ts) == ts


def test_bounds_when_spring_forward_then_utc_open_moves_one_hour_earlier() -> None:
    # DST starts Sunday 2026-03-08 at 02:00 in Chicago, while the market is closed.
    friday = CME.bounds(date(2026, 3, 6))
    monday = CME.bounds(date(2026, 3, 9))

    assert friday == (utc("2026-03-05T23:00:00"), utc("2026-03-06T22:00:00"))
    assert monday == (utc("2026-03-08T22:00:00"), utc("2026-03-09T21:00:00"))
    assert CME.is_open(utc("2026-03-08T22:30:00"))
    assert not CME.is_open(utc("2026-03-01T22:30:00"))  # the Sunday before: 16:30 CST


def test_bounds_when_fall_back_then_utc_open_moves_one_hour_later() -> None:
    # DST ends Sunday 2026-11-01 at 02:00 in Chicago.
    friday = CME.bounds(date(2026, 10, 30))
    monday = CME.bounds(date(2026, 11, 2))

    assert friday == (utc("2026-10-29T22:00:00"), utc("2026-10-30T21:00:00"))
    assert monday == (utc("2026-11-01T23:00:00"), utc("2026-11-02T22:00:00"))
    assert not CME.is_open(utc("2026-11-01T22:30:00"))  # 16:30 CST, before the open
    assert monday[1] - monday[0] == friday[1] - friday[0] == 23 * 3600


@pytest.mark.parametrize(
    ("wall_clock", "is_open"),
    [
        ("2026-03-04T09:29:59", False),
        ("2026-03-04T09:30:00", True),
        ("2026-03-04T15:59:59", True),
        ("2026-03-04T16:00:00", False),
        ("2026-03-07T12:00:00", False),  # Saturday
    ],
)
def test_is_open_when_nyse_clock_given_then_regular_hours_only(
    wall_clock: str, is_open: bool
) -> None:
    assert NYSE.is_open(local(wall_clock, "America/New_York")) is is_open


def test_bounds_when_nyse_across_dst_then_same_wall_clock_hours() -> None:
    before = NYSE.bounds(date(2026, 3, 6))
    after = NYSE.bounds(date(2026, 3, 9))

    assert before == (utc("2026-03-06T14:30:00"), utc("2026-03-06T21:00:00"))
    assert after == (utc("2026-03-09T13:30:00"), utc("2026-03-09T20:00:00"))


def test_trading_day_when_crypto_on_saturday_then_utc_date() -> None:
    ts = utc("2026-03-07T23:59:59")

    assert CRYPTO.trading_day(ts) == date(2026, 3, 7)
    assert CRYPTO.bounds(date(2026, 3, 7)) == (
        utc("2026-03-07T00:00:00"),
        utc("2026-03-08T00:00:00"),
    )


def test_sessions_when_listing_a_week_then_five_cme_sessions() -> None:
    sessions = list(CME.sessions(local("2026-03-07T00:00:00"), local("2026-03-14T00:00:00")))

    assert [day.isoformat() for day, _, _ in sessions] == [
        "2026-03-09",
        "2026-03-10",
        "2026-03-11",
        "2026-03-12",
        "2026-03-13",
    ]


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (CME, "1700-1600:23456"),
        (NYSE, "0930-1600:23456"),
        (CRYPTO, "24x7"),
        (SessionSchedule("UTC", time(0), time(0)), "0000-0000:23456"),
    ],
)
def test_udf_session_when_rendered_then_tradingview_notation(
    schedule: SessionSchedule, expected: str
) -> None:
    assert schedule.udf_session() == expected


@pytest.mark.parametrize(
    ("tick_size", "pricescale", "minmov"),
    [("0.015625", 1_000_000, 15_625), ("0.00005", 100_000, 5), ("0.25", 100, 25), ("1", 1, 1)],
)
def test_pricescale_when_tick_size_given_then_minmov_over_pricescale_is_the_tick(
    tick_size: str, pricescale: int, minmov: int
) -> None:
    spec = instrument(tick_size)

    assert (spec.pricescale, spec.minmov) == (pricescale, minmov)
    assert Decimal(spec.minmov) / spec.pricescale == Decimal(tick_size)


def test_round_to_tick_when_between_ticks_then_nearest_tick() -> None:
    zn = instrument("0.015625")

    assert zn.round_to_tick(112.01) == Decimal("112.015625")
    assert instrument("0.00005").round_to_tick(1.160024) == Decimal("1.16000")
    assert zn.is_tick_aligned(Decimal("112.015625"))
    assert not zn.is_tick_aligned(Decimal("112.01"))


def test_tick_value_when_computed_then_tick_times_point_value() -> None:
    assert instrument("0.25").tick_value == Decimal("250")


def test_instrument_when_tick_size_not_positive_then_rejected() -> None:
    with pytest.raises(ValueError, match="tick_size"):
        instrument("0")


def test_utc_midnight_when_given_a_day_then_its_first_second() -> None:
    assert utc_midnight(date(2026, 3, 9)) == utc("2026-03-09T00:00:00")


@given(
    schedule=st.sampled_from([CME, NYSE, CRYPTO]),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31)),
    offset=st.integers(min_value=-3 * 86_400, max_value=4 * 86_400),
)
def test_bounds_when_compared_with_trading_day_then_hold_exactly_its_seconds(
    schedule: SessionSchedule, day: date, offset: int
) -> None:
    if day.weekday() not in schedule.days:
        return
    start, end = schedule.bounds(day)
    ts = start + offset

    assert (schedule.trading_day(ts) == day) is (start <= ts < end)


@given(
    schedule=st.sampled_from([CME, NYSE, CRYPTO]),
    ts=st.integers(min_value=utc("2020-01-01T00:00:00"), max_value=utc("2032-12-31T00:00:00")),
)
def test_next_open_when_asked_anywhere_then_first_open_second(
    schedule: SessionSchedule, ts: int
) -> None:
    opens = schedule.next_open(ts)

    assert opens >= ts
    assert schedule.is_open(opens)
    assert opens == ts or not schedule.is_open(opens - 1)
    assert opens - ts < timedelta(days=3).total_seconds()
