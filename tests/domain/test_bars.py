"""Resolutions and the one-minute bar builder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.domain.bars import Bar, MinuteBarBuilder, Resolution, Tick, Unit

T0 = 1_772_640_000  # a minute boundary (2026-03-04T16:00:00Z)


def tick(ts: float, price: str, size: str = "1", symbol: str = "ES") -> Tick:
    last = Decimal(price)
    return Tick(symbol, ts, last, last, last + Decimal("0.25"), Decimal(size))


@pytest.mark.parametrize(
    ("text", "unit", "count"),
    [
        ("1", Unit.minute, 1),
        ("3", Unit.minute, 3),
        ("240", Unit.minute, 240),
        ("D", Unit.day, 1),
        ("1D", Unit.day, 1),
        (" 1d ", Unit.day, 1),
        ("W", Unit.week, 1),
        ("1W", Unit.week, 1),
        ("M", Unit.month, 1),
        ("1M", Unit.month, 1),
    ],
)
def test_parse_when_supported_then_unit_and_count(text: str, unit: Unit, count: int) -> None:
    resolution = Resolution.parse(text)

    assert (resolution.unit, resolution.count) == (unit, count)


@pytest.mark.parametrize("text", ["", "0", "2", "7", "2D", "1H", "1S", "60S", "abc", "-1"])
def test_parse_when_unsupported_then_value_error_naming_the_supported(text: str) -> None:
    with pytest.raises(ValueError, match="supported: 1, 3, 5"):
        Resolution.parse(text)


@pytest.mark.parametrize("text", Resolution.SUPPORTED)
def test_str_when_parsed_then_round_trips(text: str) -> None:
    assert str(Resolution.parse(text)) == text


def test_seconds_when_intraday_then_bar_length() -> None:
    assert Resolution.parse("15").seconds == 900
    assert Resolution.parse("15").intraday
    assert not Resolution.parse("1D").intraday


def test_merge_when_price_outside_range_then_extends_high_or_low() -> None:
    bar = Bar("ES", T0, 10.0, 11.0, 9.0, 10.5, 3.0)

    merged = bar.merge(12.0, 2.0).merge(8.0, 1.0)

    assert merged == Bar("ES", T0, 10.0, 12.0, 8.0, 8.0, 6.0)


def test_add_when_ticks_in_one_minute_then_one_forming_bar() -> None:
    builder = MinuteBarBuilder("ES")

    closed = [builder.add(t) for t in (tick(T0 + 1, "100"), tick(T0 + 30, "101", "2"))]
    closed.append(builder.add(tick(T0 + 59.9, "99.5")))

    assert closed == [None, None, None]
    assert builder.forming == Bar("ES", T0, 100.0, 101.0, 99.5, 99.5, 4.0)


def test_add_when_minute_rolls_then_previous_bar_closes() -> None:
    builder = MinuteBarBuilder("ES")
    builder.add(tick(T0 + 5, "100"))

    closed = builder.add(tick(T0 + 60, "102"))

    assert closed == Bar("ES", T0, 100.0, 100.0, 100.0, 100.0, 1.0)
    assert builder.forming == Bar("ES", T0 + 60, 102.0, 102.0, 102.0, 102.0, 1.0)


def test_add_when_tick_older_than_forming_minute_then_ignored() -> None:
    builder = MinuteBarBuilder("ES")
    builder.add(tick(T0 + 65, "100"))

    closed = builder.add(tick(T0 + 30, "90"))

    assert closed is None
    assert builder.forming == Bar("ES", T0 + 60, 100.0, 100.0, 100.0, 100.0, 1.0)


def test_roll_when_minute_not_over_then_nothing_closes() -> None:
    builder = MinuteBarBuilder("ES")
    builder.add(tick(T0 + 5, "100"))

    assert builder.roll(T0 + 59.99) is None
    assert builder.forming is not None


def test_roll_when_minute_passed_without_ticks_then_bar_closes() -> None:
    builder = MinuteBarBuilder("ES")
    builder.add(tick(T0 + 5, "100"))

    closed = builder.roll(T0 + 60)

    assert closed == Bar("ES", T0, 100.0, 100.0, 100.0, 100.0, 1.0)
    assert builder.forming is None
    assert builder.roll(T0 + 600) is None


def test_add_when_tick_of_a_rolled_minute_arrives_then_ignored() -> None:
    builder = MinuteBarBuilder("ES")
    builder.add(tick(T0 + 5, "100"))
    builder.roll(T0 + 61)

    closed = builder.add(tick(T0 + 50, "90"))

    assert closed is None
    assert builder.forming is None


prices = st.integers(min_value=1, max_value=40_000).map(lambda n: f"{n / 4:.2f}")


@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=200), prices, st.integers(1, 20)),
        min_size=1,
        max_size=60,
    )
)
def test_add_when_any_ticks_in_time_order_then_one_valid_bar_per_minute(
    steps: list[tuple[float, str, int]],
) -> None:
    builder = MinuteBarBuilder("ES")
    ticks = [tick(T0 + offset, price, str(size)) for offset, price, size in sorted(steps)]

    bars = [bar for t in ticks if (bar := builder.add(t)) is not None]
    assert builder.forming is not None
    bars.append(builder.forming)

    assert [bar.ts for bar in bars] == sorted({int(t.ts) // 60 * 60 for t in ticks})
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)
    assert sum(bar.volume for bar in bars) == sum(float(t.size) for t in ticks)
    assert bars[0].open == float(ticks[0].last)
    assert bars[-1].close == float(ticks[-1].last)
