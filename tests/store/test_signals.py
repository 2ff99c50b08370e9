"""Signals and regime changes in the store: a signal's id is written once, a change is kept
per bar, and reads filter, count and order them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from propdesk.domain.regime import Regime, RegimeReading
from propdesk.domain.strategies import Direction, Signal
from propdesk.store.db import Database, open_database
from propdesk.store.repositories.signals import (
    insert_regime_change,
    insert_signal,
    latest_regime_changes,
    list_signals,
    regime_history,
)

T = 1_773_154_800


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await open_database(database_url)
    yield opened
    await opened.dispose()


def signal(at: int, symbol: str = "MNQ", strategy: str = "ma_cross") -> Signal:
    return Signal(
        id=f"{strategy}:{symbol}:5:{at}",
        symbol=symbol,
        resolution="5",
        strategy=strategy,
        direction=Direction.short,
        entry=Decimal("21000.25"),
        stop=Decimal("21010.5"),
        target=Decimal("20979.75"),
        regime="trend_down",
        confidence=0.625,
        created_at=float(at + 300),
        expires_at=float(at + 1200),
    )


def reading(regime: Regime, ts: int) -> RegimeReading:
    return RegimeReading(regime, 31.5, 12.25, 28.5, 14.75, 0.375, ts, changed=True)


async def test_insert_signal_when_its_id_is_stored_then_false_and_the_first_kept(
    database: Database,
) -> None:
    async with database.connect() as connection:
        first = await insert_signal(connection, signal(T), {"fast_period": 10})
        again = await insert_signal(connection, signal(T), {"fast_period": 99})

    async with database.session() as session:
        (stored,), total = await list_signals(session)

    assert (first, again, total) == (True, False, 1)
    assert stored.signal == signal(T)
    assert stored.params == {"fast_period": 10}


async def test_list_signals_when_filtered_then_matching_newest_first_and_counted(
    database: Database,
) -> None:
    async with database.connect() as connection:
        for at, symbol, strategy in [
            (T, "MNQ", "ma_cross"),
            (T + 300, "ES", "ma_cross"),
            (T + 600, "MNQ", "vwap_pullback"),
            (T + 900, "MNQ", "ma_cross"),
        ]:
            await insert_signal(connection, signal(at, symbol, strategy), {})

    async with database.session() as session:
        every, total = await list_signals(session)
        mnq, mnq_total = await list_signals(session, symbol="MNQ", strategy="ma_cross")
        window, _ = await list_signals(
            session,
            after=datetime.fromtimestamp(T + 600, UTC),
            until=datetime.fromtimestamp(T + 1200, UTC),
        )
        page, page_total = await list_signals(session, limit=1, offset=1)

    assert [s.signal.created_at - 300 for s in every] == [T + 900, T + 600, T + 300, T]
    assert total == 4
    assert ([s.signal.id for s in mnq], mnq_total) == (
        [f"ma_cross:MNQ:5:{T + 900}", f"ma_cross:MNQ:5:{T}"],
        2,
    )
    assert [s.signal.created_at for s in window] == [T + 900, T + 600]
    assert ([s.signal.created_at for s in page], page_total) == ([T + 900], 4)


async def test_regime_changes_when_stored_then_the_latest_per_key_and_history_newest_first(
    database: Database,
) -> None:
    async with database.connect() as connection:
        await insert_regime_change(connection, "MNQ", "5", reading(Regime.RANGE, T))
        await insert_regime_change(connection, "MNQ", "5", reading(Regime.TREND_UP, T + 300))
        await insert_regime_change(connection, "MNQ", "1", reading(Regime.VOLATILE, T + 60))
        # the same bar again (a replay) replaces its row
        await insert_regime_change(connection, "MNQ", "5", reading(Regime.TREND_DOWN, T + 300))
        latest = await latest_regime_changes(connection)

    async with database.session() as session:
        history = await regime_history(session, "MNQ", "5")
        bounded = await regime_history(session, "MNQ", "5", from_ts=T + 1, to_ts=T + 301)

    assert {key: change.reading.regime for key, change in latest.items()} == {
        ("MNQ", "5"): Regime.TREND_DOWN,
        ("MNQ", "1"): Regime.VOLATILE,
    }
    assert [(c.reading.regime, c.reading.ts) for c in history] == [
        (Regime.TREND_DOWN, T + 300),
        (Regime.RANGE, T),
    ]
    assert history[0].reading == reading(Regime.TREND_DOWN, T + 300)
    assert [c.reading.ts for c in bounded] == [T + 300]
