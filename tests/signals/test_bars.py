"""Bars of a resolution built live from closed minutes are the bars the charts aggregate from
the same minutes; the newest stored ones are read with their unfinished bucket apart."""

from __future__ import annotations

import random

import pytest

from propdesk.domain.bars import Bar, Resolution
from propdesk.marketdata.aggregate import LATEST, BarColumns, aggregate
from propdesk.marketdata.catalogue import Catalogue
from propdesk.signals.bars import BarBuilder, bars_of, recent_bars, session_start

from .builders import T

CATALOGUE = Catalogue.load()
MNQ = CATALOGUE["MNQ"]


def _random_minutes(count: int, *, seed: int, missing: float) -> list[Bar]:
    """MNQ minutes from Tuesday 10:00 Chicago on, across the 16:00–17:00 break, some left out."""
    rng = random.Random(seed)
    out, price, ts = [], 20_000.0, T
    while len(out) < count:
        if MNQ.session.is_open(ts) and rng.random() >= missing:
            high, low = price + rng.random() * 4, price - rng.random() * 4
            close = rng.uniform(low, high)
            out.append(Bar("MNQ", ts, price, high, low, close, float(rng.randint(1, 9))))
            price = close
        ts += 60
    return out


@pytest.mark.parametrize("resolution", ["1", "5", "15", "60", "240"])
@pytest.mark.parametrize("missing", [0.0, 0.3])
def test_builder_when_fed_minutes_one_by_one_then_closes_the_bars_aggregate_makes(
    resolution: str, missing: float
) -> None:
    minutes = _random_minutes(900, seed=3, missing=missing)
    parsed = Resolution.parse(resolution)
    builder = BarBuilder(MNQ, parsed)

    closed = [bar for minute in minutes for bar in builder.add(minute)]

    expected = bars_of(aggregate(BarColumns.from_bars(minutes), MNQ.session, parsed), "MNQ")
    unfinished = [] if builder.forming is None else [builder.forming]
    assert closed + unfinished == expected
    assert builder.last_minute == minutes[-1].ts


def test_builder_when_a_minute_is_its_buckets_last_then_the_bar_closes_with_it() -> None:
    builder = BarBuilder(MNQ, Resolution.parse("5"))
    first = [Bar("MNQ", T + 60 * k, 1, 2, 0, 1, 1) for k in range(4)]

    assert builder.extend(first) == []
    (closed,) = builder.add(Bar("MNQ", T + 240, 1, 3, 0, 2, 1))

    assert (closed.ts, closed.high, closed.close, closed.volume) == (T, 3, 2, 5)
    assert builder.forming is None


def test_builder_when_a_minute_comes_again_or_late_then_ignored() -> None:
    builder = BarBuilder(MNQ, Resolution.parse("5"))
    builder.add(Bar("MNQ", T + 60, 1, 2, 0, 1, 1))

    assert builder.add(Bar("MNQ", T + 60, 9, 9, 9, 9, 9)) == []
    assert builder.add(Bar("MNQ", T, 9, 9, 9, 9, 9)) == []
    assert builder.forming == Bar("MNQ", T, 1, 2, 0, 1, 1)


def test_recent_bars_when_the_newest_bucket_goes_on_then_it_is_apart_as_forming() -> None:
    minutes = _random_minutes(62, seed=5, missing=0.0)  # 12 five-minute bars and 2 minutes
    stored = BarColumns.from_bars(minutes)
    five = Resolution.parse("5")
    every = bars_of(aggregate(stored, MNQ.session, five), "MNQ")

    recent = recent_bars(stored, MNQ, five, 10, LATEST)

    assert recent.bars == every[-11:-1]
    assert recent.forming == every[-1]
    assert recent.last_minute == minutes[-1].ts


def test_recent_bars_when_before_a_minute_then_only_what_precedes_it() -> None:
    minutes = _random_minutes(60, seed=5, missing=0.0)
    stored = BarColumns.from_bars(minutes)
    five = Resolution.parse("5")

    recent = recent_bars(stored, MNQ, five, 100, T + 30 * 60)

    assert [b.ts for b in recent.bars] == [T + 300 * k for k in range(6)]
    assert recent.forming is None
    assert recent.last_minute == T + 29 * 60


def test_recent_bars_when_nothing_is_stored_then_empty() -> None:
    assert recent_bars(BarColumns.empty(), MNQ, Resolution.parse("5"), 10, LATEST).bars == []


def test_session_start_when_asked_then_the_cme_session_of_the_bar_began_at_17_chicago() -> None:
    start = session_start(MNQ.session)

    assert start(T) == T - 17 * 3600  # 10:00 Tuesday ← 17:00 Monday, Chicago
    assert start(T + 7 * 3600) == T + 7 * 3600  # 17:00 Tuesday opens Wednesday's session
