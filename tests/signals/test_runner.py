"""The runner on fixed bar series: each closed bar through the classifier and the strategies,
a live bar's signal stored then published (as a domain value and as a payload), and history
replayed from the store setting the state without a signal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from propdesk.bus.base import Topics
from propdesk.bus.memory import MemoryBus
from propdesk.domain.bars import BarEvent
from propdesk.domain.regime import Regime
from propdesk.domain.strategies import Direction, Signal
from propdesk.store.db import Database
from propdesk.store.repositories.signals import list_signals, regime_history
from propdesk.ws.payloads import RegimePayload, SignalPayload

from .builders import CROSS, FIVE_MINUTES, T, five_minute_bars, minutes, rows
from .conftest import MakeRunner

StoreBars = Callable[..., Awaitable[None]]
SIGNAL_ID = f"ma_cross:MNQ:5:{T + CROSS * FIVE_MINUTES}"


def _drain(subscription: Any) -> list[Any]:
    messages = []
    while subscription.pending():
        messages.append(subscription.get_nowait())
    return messages


async def _stored(database: Database) -> list[Any]:
    async with database.session() as session:
        stored, _ = await list_signals(session)
    return stored


async def test_bars_when_published_live_then_the_cross_is_stored_and_published_once(
    make_runner: MakeRunner, bus: MemoryBus, database: Database
) -> None:
    # Arrange: a runner following the bus, nothing stored
    runner = make_runner()
    updates = bus.subscribe(Topics.SIGNAL_UPDATES)
    domain = bus.subscribe(Topics.SIGNALS)
    await runner.start()
    await asyncio.wait_for(runner.warmed.wait(), 5)
    feed = minutes(five_minute_bars()[: CROSS + 2])

    # Act: the feed's closed minutes, each after a forming one as the feed sends them
    for minute in feed:
        await bus.publish(Topics.BARS, BarEvent(minute, closed=False))
        await bus.publish(Topics.BARS, BarEvent(minute, closed=True))
    for _ in range(500):
        if runner.stats.minutes == len(feed):
            break
        await asyncio.sleep(0.01)

    # Assert
    (signal,) = _drain(domain)
    assert isinstance(signal, Signal)
    assert signal.id == SIGNAL_ID
    assert signal.direction is Direction.long
    assert (signal.entry, signal.stop, signal.target) == (
        Decimal("106.50"),
        Decimal("103.50"),
        Decimal("112.50"),
    )
    published = _drain(updates)
    payloads = [m for m in published if isinstance(m, SignalPayload)]
    regimes = [m for m in published if isinstance(m, RegimePayload)]
    assert [p.id for p in payloads] == [SIGNAL_ID]
    assert payloads[0].entry == Decimal("106.5")
    assert payloads[0].created_at.timestamp() == signal.created_at
    # a reading after every bar from the fourth on (the classifier's warm-up), in order
    assert [r.ts for r in regimes] == [T + k * FIVE_MINUTES for k in range(3, CROSS + 2)]
    assert regimes[0].changed
    (stored,) = await _stored(database)
    assert stored.signal == signal
    assert stored.params["fast_period"] == 2
    assert runner.stats.signals == 1


async def test_process_when_the_signals_bar_comes_again_then_not_given_twice(
    make_runner: MakeRunner, bus: MemoryBus, database: Database
) -> None:
    feed = minutes(five_minute_bars()[: CROSS + 1])
    first = make_runner()
    for minute in feed:
        await first.process(minute)
    domain = bus.subscribe(Topics.SIGNALS)
    second = make_runner()  # a restart that sees the same bars live (nothing stored)

    for minute in feed:
        await second.process(minute)

    assert _drain(domain) == []
    assert [s.signal.id for s in await _stored(database)] == [SIGNAL_ID]


async def test_start_when_the_store_holds_history_then_a_regime_at_once_and_its_changes(
    make_runner: MakeRunner, store_bars: StoreBars, database: Database
) -> None:
    await store_bars(rows(minutes(five_minute_bars()[:8])))
    runner = make_runner()

    await runner.start()
    await asyncio.wait_for(runner.warmed.wait(), 5)

    status = runner.regimes.status("MNQ", "5")
    assert status is not None
    assert status.reading is not None
    assert status.reading.ts == T + 7 * FIVE_MINUTES
    assert status.bars_seen == 8
    async with database.session() as session:
        changes = await regime_history(session, "MNQ", "5")
    assert changes, "the replayed readings' changes are kept"
    assert changes[0].reading.regime is status.reading.regime
    assert status.since == changes[0].reading.ts


async def test_start_when_history_holds_the_signals_bar_then_replayed_without_a_signal(
    make_runner: MakeRunner, bus: MemoryBus, store_bars: StoreBars, database: Database
) -> None:
    await store_bars(rows(minutes(five_minute_bars()[: CROSS + 2])))
    domain = bus.subscribe(Topics.SIGNALS)
    runner = make_runner()

    await runner.start()
    await asyncio.wait_for(runner.warmed.wait(), 5)

    assert _drain(domain) == []
    assert await _stored(database) == []
    assert runner.stats.bars == CROSS + 2


async def test_process_when_history_stored_before_the_first_live_bar_then_goes_on_from_it(
    make_runner: MakeRunner, bus: MemoryBus, store_bars: StoreBars
) -> None:
    # Arrange: the backfill stored bars 0–9 after the runner started (a fresh server)
    series = minutes(five_minute_bars()[: CROSS + 1])
    runner = make_runner()
    await runner.start()
    await asyncio.wait_for(runner.warmed.wait(), 5)
    await store_bars(rows(series[: 10 * 5]))
    domain = bus.subscribe(Topics.SIGNALS)

    # Act: the first live minutes, bar 10 on
    for minute in series[10 * 5 :]:
        await runner.process(minute)

    # Assert: the averages were warm from the stored bars, so the cross fires
    (signal,) = _drain(domain)
    assert signal.id == SIGNAL_ID
    assert runner.stats.bars == CROSS + 1


async def test_process_when_minutes_were_missed_then_the_stored_ones_fill_the_gap(
    make_runner: MakeRunner, bus: MemoryBus, store_bars: StoreBars
) -> None:
    series = minutes(five_minute_bars()[: CROSS + 1])
    await store_bars(rows(series))
    runner = make_runner()
    domain = bus.subscribe(Topics.SIGNALS)
    for minute in series[:20]:
        await runner.process(minute)

    # minutes 20… reach the bus only from the cross's last minute on
    await runner.process(series[-1])

    (signal,) = _drain(domain)
    assert signal.id == SIGNAL_ID
    assert runner.stats.bars == CROSS + 1


async def test_process_when_bars_go_back_in_time_then_starts_afresh_there(
    make_runner: MakeRunner, bus: MemoryBus, store_bars: StoreBars
) -> None:
    # A replay that begins before what the store's end gave the warm-up
    series = minutes(five_minute_bars())
    await store_bars(rows(series))
    runner = make_runner()
    await runner.start()
    await asyncio.wait_for(runner.warmed.wait(), 5)
    assert runner.tracks[("MNQ", "5")].builder.last_minute == series[-1].ts
    domain = bus.subscribe(Topics.SIGNALS)

    for minute in series[CROSS * 5 :]:
        await runner.process(minute)

    (signal,) = _drain(domain)
    assert signal.id == SIGNAL_ID


async def test_regimes_when_classified_then_a_reading_per_resolution_and_symbol(
    make_runner: MakeRunner,
) -> None:
    runner = make_runner(regime_resolutions=["1", "5"], regime_symbols=["MNQ", "ES"])

    for minute in minutes(five_minute_bars()[:4]):
        await runner.process(minute)

    one, five = runner.regimes.status("MNQ", "1"), runner.regimes.status("MNQ", "5")
    assert one is not None
    assert one.reading is not None
    assert five is not None
    assert five.reading is not None
    assert five.reading.ts == T + 3 * FIVE_MINUTES
    assert runner.regimes.status("ES", "5") is not None
    assert runner.regimes.status("NQ", "5") is None
    assert five.reading.regime in set(Regime)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"strategies": [{"name": "nope", "symbols": ["MNQ"]}]}, "unknown strategy 'nope'"),
        ({"strategies": [{"name": "ma_cross", "symbols": ["XYZ"]}]}, "unknown symbol 'XYZ'"),
        (
            {"strategies": [{"name": "ma_cross", "symbols": ["MNQ"], "params": {"slow": 1}}]},
            "invalid params: slow",
        ),
        (
            {
                "strategies": [
                    {"name": "opening_range_breakout", "symbols": ["MNQ"], "resolution": "1D"}
                ]
            },
            "needs intraday bars",
        ),
        (
            {"strategies": [{"name": "ma_cross", "symbols": ["MNQ", "mnq"]}]},
            "enabled twice",
        ),
        ({"regime_symbols": ["XYZ"]}, "PROPDESK_REGIME_SYMBOLS: unknown symbol"),
    ],
)
def test_runner_when_a_setting_is_bad_then_refuses_naming_it(
    make_runner: MakeRunner, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_runner(**overrides)
