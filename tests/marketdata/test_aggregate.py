"""Aggregation of one-minute bars: session-aligned buckets, UDF stamps, history windows.

The US switched to daylight time on Sunday 2026-03-08, so the weeks around it show that
buckets follow the exchange's clock: CME opens at 23:00 UTC before and 22:00 UTC after.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest

from propdesk.domain.bars import Bar, Resolution
from propdesk.domain.instruments import SessionSchedule
from propdesk.marketdata.aggregate import (
    BarColumns,
    aggregate,
    bucket_keys,
    close_before_trading_day,
    history,
    latest_trading_day,
)
from propdesk.marketdata.catalogue import Catalogue

CATALOGUE = Catalogue.load()
CME = CATALOGUE["ES"].session
NYSE = CATALOGUE["AAPL"].session
CRYPTO = CATALOGUE["BTCUSD"].session


def utc(*fields: int) -> int:
    return int(datetime(*fields, tzinfo=UTC).timestamp())  # type: ignore[misc]


def columns(*rows: tuple[int, float, float, float, float, float]) -> BarColumns:
    return BarColumns.from_bars([Bar("X", *row) for row in rows])


def flat(
    ts: int, price: float, volume: float = 1.0
) -> tuple[int, float, float, float, float, float]:
    return (ts, price, price, price, price, volume)


def keys(session: SessionSchedule, resolution: str, *stamps: int) -> list[int]:
    ts = np.array(stamps, np.int64)
    return [int(k) for k in bucket_keys(ts, session, Resolution.parse(resolution))]


def as_rows(bars: BarColumns) -> list[tuple[int, float, float, float, float, float]]:
    return [
        (int(t), float(o), float(h), float(lo), float(c), float(v))
        for t, o, h, lo, c, v in zip(
            bars.ts, bars.open, bars.high, bars.low, bars.close, bars.volume, strict=True
        )
    ]


def test_cme_240_when_winter_then_buckets_start_at_17_21_01_ct() -> None:
    stamps = (utc(2026, 3, 4, 23, 0), utc(2026, 3, 5, 2, 59), utc(2026, 3, 5, 3, 0))
    stamps += (utc(2026, 3, 5, 7, 0), utc(2026, 3, 5, 21, 59))

    result = keys(CME, "240", *stamps)

    # 17:00, 17:00, 21:00, 01:00 CST; 15:59 CST is in the 13:00 CST bucket
    assert result == [
        utc(2026, 3, 4, 23, 0),
        utc(2026, 3, 4, 23, 0),
        utc(2026, 3, 5, 3, 0),
        utc(2026, 3, 5, 7, 0),
        utc(2026, 3, 5, 19, 0),
    ]


def test_cme_240_when_summer_time_began_then_buckets_move_an_hour_in_utc() -> None:
    stamps = (utc(2026, 3, 8, 22, 0), utc(2026, 3, 9, 1, 59), utc(2026, 3, 9, 2, 0))
    stamps += (utc(2026, 3, 9, 20, 59),)

    result = keys(CME, "240", *stamps)

    # 17:00 CDT is 22:00 UTC now; 15:59 CDT is in the 13:00 CDT (18:00 UTC) bucket
    assert result == [
        utc(2026, 3, 8, 22, 0),
        utc(2026, 3, 8, 22, 0),
        utc(2026, 3, 9, 2, 0),
        utc(2026, 3, 9, 18, 0),
    ]


def test_cme_240_when_bars_fall_in_the_daily_break_then_epoch_bucket_after_the_close() -> None:
    # 16:30 and 16:59 CST: the break. Their epoch bucket (20:00 UTC) would reach back into the
    # session's last bucket (19:00 UTC), so theirs starts at the close (22:00 UTC) instead.
    stamps = (utc(2026, 3, 5, 21, 59), utc(2026, 3, 5, 22, 30), utc(2026, 3, 5, 22, 59))

    result = keys(CME, "240", *stamps)

    assert result == [utc(2026, 3, 5, 19, 0), utc(2026, 3, 5, 22, 0), utc(2026, 3, 5, 22, 0)]


def test_cme_daily_when_sunday_evening_then_stamped_on_monday_00_utc() -> None:
    stamps = (utc(2026, 3, 6, 20, 0), utc(2026, 3, 8, 22, 0), utc(2026, 3, 9, 20, 59))

    result = keys(CME, "1D", *stamps)

    assert result == [utc(2026, 3, 6), utc(2026, 3, 9), utc(2026, 3, 9)]


def test_cme_weekly_and_monthly_when_session_opens_the_evening_before_then_trading_day_counts() -> (
    None
):
    friday, sunday_evening = utc(2026, 3, 6, 20, 0), utc(2026, 3, 8, 22, 0)
    march_31_evening = utc(2026, 3, 31, 22, 30)  # 17:30 CDT: trading day Wednesday April 1

    weekly = keys(CME, "1W", friday, sunday_evening)
    monthly = keys(CME, "1M", friday, march_31_evening)

    assert weekly == [utc(2026, 3, 2), utc(2026, 3, 9)]
    assert monthly == [utc(2026, 3, 1), utc(2026, 4, 1)]


def test_nyse_60_when_dst_changes_then_buckets_stay_at_half_past_new_york() -> None:
    stamps = (utc(2026, 3, 6, 14, 30), utc(2026, 3, 6, 15, 29), utc(2026, 3, 6, 15, 30))
    stamps += (utc(2026, 3, 6, 20, 59), utc(2026, 3, 9, 13, 30), utc(2026, 3, 9, 14, 30))

    result = keys(NYSE, "60", *stamps)

    assert result == [
        utc(2026, 3, 6, 14, 30),
        utc(2026, 3, 6, 14, 30),
        utc(2026, 3, 6, 15, 30),
        utc(2026, 3, 6, 20, 30),
        utc(2026, 3, 9, 13, 30),
        utc(2026, 3, 9, 14, 30),
    ]


def test_nyse_when_pre_market_bar_then_epoch_hour_intraday_and_same_utc_day_daily() -> None:
    pre_market, open_ = utc(2026, 3, 9, 12, 10), utc(2026, 3, 9, 13, 30)

    hourly = keys(NYSE, "60", pre_market, open_)
    daily = keys(NYSE, "1D", pre_market, open_)

    assert hourly == [utc(2026, 3, 9, 12, 0), utc(2026, 3, 9, 13, 30)]
    assert daily == [utc(2026, 3, 9), utc(2026, 3, 9)]


def test_crypto_when_us_dst_changes_then_buckets_stay_on_utc() -> None:
    stamps = (utc(2026, 3, 7, 23, 59), utc(2026, 3, 8, 0, 0), utc(2026, 3, 8, 3, 59))
    stamps += (utc(2026, 3, 8, 4, 0), utc(2026, 3, 9, 0, 0))

    h4 = keys(CRYPTO, "240", *stamps)
    weekly = keys(CRYPTO, "1W", *stamps)

    assert h4 == [
        utc(2026, 3, 7, 20, 0),
        utc(2026, 3, 8, 0, 0),
        utc(2026, 3, 8, 0, 0),
        utc(2026, 3, 8, 4, 0),
        utc(2026, 3, 9, 0, 0),
    ]
    # Sunday belongs to the week that began on Monday 2 March
    assert weekly == [utc(2026, 3, 2)] * 4 + [utc(2026, 3, 9)]


def test_aggregate_when_minutes_share_a_bucket_then_first_open_extremes_last_close_sum() -> None:
    bars = columns(
        (utc(2026, 3, 8, 0, 0), 10.0, 12.0, 9.5, 11.0, 2.0),
        (utc(2026, 3, 8, 0, 1), 11.0, 13.5, 10.5, 13.0, 3.0),
        (utc(2026, 3, 8, 0, 7), 13.0, 13.25, 8.75, 9.0, 5.0),
        (utc(2026, 3, 8, 4, 0), 9.0, 9.5, 9.0, 9.25, 1.0),
    )

    result = aggregate(bars, CRYPTO, Resolution.parse("240"))

    assert as_rows(result) == [
        (utc(2026, 3, 8, 0, 0), 10.0, 13.5, 8.75, 9.0, 10.0),
        (utc(2026, 3, 8, 4, 0), 9.0, 9.5, 9.0, 9.25, 1.0),
    ]


def test_aggregate_when_cme_daily_then_one_session_from_sunday_evening() -> None:
    bars = columns(
        flat(utc(2026, 3, 6, 21, 59), 100.0),  # Friday's last minute (15:59 CST)
        flat(utc(2026, 3, 8, 22, 0), 101.0),  # Sunday 17:00 CDT: Monday's session
        flat(utc(2026, 3, 9, 15, 0), 99.0),
        flat(utc(2026, 3, 9, 20, 59), 100.5),  # Monday 15:59 CDT
        flat(utc(2026, 3, 9, 22, 0), 102.0),  # Monday 17:00 CDT: Tuesday's session
    )

    result = aggregate(bars, CME, Resolution.parse("1D"))

    assert as_rows(result) == [
        (utc(2026, 3, 6), 100.0, 100.0, 100.0, 100.0, 1.0),
        (utc(2026, 3, 9), 101.0, 101.0, 99.0, 100.5, 3.0),
        (utc(2026, 3, 10), 102.0, 102.0, 102.0, 102.0, 1.0),
    ]


@pytest.mark.parametrize("symbol", ["ES", "AAPL", "BTCUSD"])
@pytest.mark.parametrize("resolution", Resolution.SUPPORTED)
def test_aggregate_when_random_minutes_then_ascending_consistent_and_volume_conserved(
    symbol: str, resolution: str
) -> None:
    rng = np.random.default_rng(11)
    ts = np.unique(rng.integers(utc(2026, 2, 20), utc(2026, 4, 10), 5_000)) // 60 * 60
    ts = np.unique(ts)
    close = 100 + np.cumsum(rng.normal(0, 0.5, len(ts)))
    spread = rng.random(len(ts))
    bars = BarColumns(
        ts, close + 0.1, close + spread + 0.2, close - spread, close, np.ones(len(ts))
    )

    result = aggregate(bars, CATALOGUE[symbol].session, Resolution.parse(resolution))

    assert (np.diff(result.ts) > 0).all()
    assert (result.low <= np.minimum(result.open, result.close)).all()
    assert (result.high >= np.maximum(result.open, result.close)).all()
    assert result.volume.sum() == len(ts)
    if not Resolution.parse(resolution).intraday:
        assert (result.ts % 86_400 == 0).all()


def _per_bar(bars: BarColumns, session: SessionSchedule, resolution: Resolution) -> list[tuple]:
    """The definition, bar by bar: group the minutes by their bucket key."""
    keys = bucket_keys(bars.ts, session, resolution).tolist()
    rows = []
    for key, members in itertools.groupby(range(len(keys)), key=keys.__getitem__):
        i = list(members)
        rows.append(
            (
                key,
                float(bars.open[i[0]]),
                float(bars.high[i].max()),
                float(bars.low[i].min()),
                float(bars.close[i[-1]]),
                float(bars.volume[i].sum()),
            )
        )
    return rows


@pytest.mark.parametrize("symbol", ["ES", "AAPL", "BTCUSD"])
@pytest.mark.parametrize("resolution", Resolution.SUPPORTED)
@pytest.mark.parametrize("outside_sessions", [False, True])
def test_aggregate_when_compared_with_grouping_bar_by_bar_then_identical(
    symbol: str, resolution: str, outside_sessions: bool
) -> None:
    session = CATALOGUE[symbol].session
    rng = np.random.default_rng(5)
    ts = np.unique(rng.integers(utc(2026, 2, 20), utc(2026, 4, 10), 8_000) // 60 * 60)
    if not outside_sessions:
        ts = ts[[session.is_open(int(t)) for t in ts]]
    prices = rng.normal(100, 5, (4, len(ts)))
    volume = rng.integers(1, 100, len(ts)).astype(np.float64)  # integral: sums are exact
    bars = BarColumns(ts, *prices, volume)
    parsed = Resolution.parse(resolution)

    result = aggregate(bars, session, parsed)

    assert as_rows(result) == _per_bar(bars, session, parsed)


def _hours(session: SessionSchedule, first: int, count: int) -> BarColumns:
    """One flat bar per hour from `first`, priced 1, 2, 3…"""
    return columns(*(flat(first + 3_600 * i, float(i + 1)) for i in range(count)))


def test_history_when_to_equals_a_bar_time_then_that_bar_is_excluded() -> None:
    bars = _hours(CRYPTO, utc(2026, 3, 8, 0, 0), 10)

    result = history(
        bars,
        None,
        CRYPTO,
        Resolution.parse("60"),
        from_ts=utc(2026, 3, 8, 2),
        to_ts=utc(2026, 3, 8, 5),
    )

    assert result.bars.ts.tolist() == [utc(2026, 3, 8, h) for h in (2, 3, 4)]


def test_history_when_countback_then_newest_bars_before_to_whatever_from_says() -> None:
    bars = _hours(CRYPTO, utc(2026, 3, 8, 0, 0), 10)

    result = history(
        bars,
        None,
        CRYPTO,
        Resolution.parse("60"),
        from_ts=utc(2026, 3, 8, 6),
        to_ts=utc(2026, 3, 8, 7),
        countback=3,
    )

    assert result.bars.ts.tolist() == [utc(2026, 3, 8, h) for h in (4, 5, 6)]


def test_history_when_countback_spans_weekends_then_widens_until_enough_bars() -> None:
    # One bar per trading day over five weeks of CME sessions
    days = [utc(2026, 3, 2) + 86_400 * i for i in range(35)]
    bars = columns(*(flat(d + 15 * 3_600, float(i)) for i, d in enumerate(days) if (i % 7) < 5))

    result = history(
        bars, None, CME, Resolution.parse("240"), from_ts=0, to_ts=utc(2026, 4, 6), countback=12
    )

    assert len(result.bars) == 12
    assert result.bars.close.tolist() == [float(i) for i in range(35) if (i % 7) < 5][-12:]


def test_history_when_range_empty_and_older_bars_exist_then_next_time_is_newest_before() -> None:
    bars = _hours(CRYPTO, utc(2026, 3, 8, 0, 0), 3)

    result = history(
        bars, None, CRYPTO, Resolution.parse("1D"), from_ts=utc(2026, 3, 20), to_ts=utc(2026, 3, 21)
    )

    assert len(result.bars) == 0
    assert result.next_time == utc(2026, 3, 8)


def test_history_when_nothing_older_then_no_next_time() -> None:
    bars = _hours(CRYPTO, utc(2026, 3, 8, 0, 0), 3)

    result = history(
        bars, None, CRYPTO, Resolution.parse("1"), from_ts=utc(2026, 3, 1), to_ts=utc(2026, 3, 2)
    )

    assert len(result.bars) == 0
    assert result.next_time is None


def test_history_when_daily_bar_stamped_before_to_then_it_is_complete() -> None:
    # CME Monday 9 March: its session began Sunday 22:00 UTC, before the stamp, and ends after
    bars = columns(flat(utc(2026, 3, 8, 22, 0), 5.0), flat(utc(2026, 3, 9, 20, 0), 7.0))

    result = history(
        bars, None, CME, Resolution.parse("1D"), from_ts=utc(2026, 3, 9), to_ts=utc(2026, 3, 9, 1)
    )

    assert as_rows(result.bars) == [(utc(2026, 3, 9), 5.0, 7.0, 5.0, 7.0, 2.0)]


def test_history_when_forming_bar_is_newer_than_stored_then_it_is_included() -> None:
    bars = _hours(CRYPTO, utc(2026, 3, 8, 0, 0), 2)
    forming = Bar("BTCUSD", utc(2026, 3, 8, 1, 30), 2.0, 9.0, 2.0, 8.0, 4.0)

    minutes = history(
        bars, forming, CRYPTO, Resolution.parse("1"), from_ts=utc(2026, 3, 8), to_ts=utc(2026, 3, 9)
    )
    hourly = history(
        bars,
        forming,
        CRYPTO,
        Resolution.parse("60"),
        from_ts=utc(2026, 3, 8),
        to_ts=utc(2026, 3, 9),
    )

    assert minutes.bars.ts.tolist()[-1] == forming.ts
    assert as_rows(hourly.bars)[-1] == (utc(2026, 3, 8, 1), 2.0, 9.0, 2.0, 8.0, 5.0)


def test_history_when_forming_bar_is_not_newer_than_stored_then_stored_wins() -> None:
    bars = _hours(CRYPTO, utc(2026, 3, 8, 0, 0), 2)
    stale = Bar("BTCUSD", utc(2026, 3, 8, 1, 0), 50.0, 50.0, 50.0, 50.0, 9.0)

    result = history(
        bars, stale, CRYPTO, Resolution.parse("1"), from_ts=utc(2026, 3, 8), to_ts=utc(2026, 3, 9)
    )

    assert result.bars.close.tolist() == [1.0, 2.0]


def test_latest_trading_day_when_bars_span_days_then_last_day_and_previous_close() -> None:
    bars = columns(
        (utc(2026, 3, 5, 20, 0), 1.0, 1.0, 1.0, 3.0, 1.0),  # Thursday, closes at 3
        (utc(2026, 3, 5, 23, 0), 4.0, 6.0, 3.5, 5.0, 2.0),  # Friday's session
        (utc(2026, 3, 6, 15, 0), 5.0, 5.5, 2.0, 4.0, 3.0),
    )

    day = latest_trading_day(bars, None, CME)

    assert day is not None
    assert (day.stamp, day.open, day.high, day.low, day.close, day.volume) == (
        utc(2026, 3, 6),
        4.0,
        6.0,
        2.0,
        4.0,
        5.0,
    )
    assert day.previous_close == 3.0


def test_close_before_trading_day_when_tick_opens_a_new_session_then_last_close_before_it() -> None:
    bars = columns(flat(utc(2026, 3, 5, 21, 0), 3.0), flat(utc(2026, 3, 6, 21, 0), 4.0))

    close = close_before_trading_day(bars, None, CME, utc(2026, 3, 8, 22, 5))

    assert close == 4.0
