"""The signals topics deliver what the signal runner publishes: a regime reading after each
closed bar once the classifier is warm, and a running strategy's signal as its bar closes."""

from __future__ import annotations

from typing import Any

import pytest

from propdesk.bus.base import Topics
from propdesk.domain.bars import BarEvent
from propdesk.services import Services
from signals.builders import CROSS, FIVE_MINUTES, SETTINGS, T, five_minute_bars, minutes

Connect = Any


@pytest.mark.settings(**SETTINGS)
async def test_signals_when_subscribed_and_bars_close_then_regime_and_signal_updates(
    ws_connect: Connect, services: Services
) -> None:
    async with ws_connect() as ws:
        subscribed = await ws.request({"type": "signals.subscribe", "symbol": "MNQ"})
        await ws.silent()  # no snapshot

        for minute in minutes(five_minute_bars()[: CROSS + 1]):
            services.bus.publish_nowait(Topics.BARS, BarEvent(minute, closed=True))
        regimes = [await ws.expect("regime.update") for _ in range(3, CROSS + 1)]
        signal = await ws.expect("signals.update")

    assert subscribed["topics"] == ["signals.MNQ"]
    assert [m["regime"]["ts"] for m in regimes] == [T + k * FIVE_MINUTES for k in range(3, 12)]
    assert [m["seq"] for m in regimes] == list(range(1, 10))
    first = regimes[0]["regime"]
    assert first["changed"] is True
    assert first["since"] == first["ts"] == T + 3 * FIVE_MINUTES
    assert set(first) >= {"symbol", "resolution", "regime", "adx", "plus_di", "minus_di", "atr"}
    assert signal["seq"] == 10
    assert signal["symbol"] == "MNQ"
    assert signal["signal"] == {
        "id": f"ma_cross:MNQ:5:{T + CROSS * FIVE_MINUTES}",
        "symbol": "MNQ",
        "resolution": "5",
        "strategy": "ma_cross",
        "direction": "long",
        "entry": 106.5,
        "stop": 103.5,
        "target": 112.5,
        "regime": signal["signal"]["regime"],
        "confidence": signal["signal"]["confidence"],
        "created_at": "2026-03-10T16:00:00Z",
        "expires_at": "2026-03-10T16:15:00Z",
    }
    assert signal["signal"]["regime"] == regimes[-1]["regime"]["regime"]


@pytest.mark.settings(**SETTINGS)
async def test_signals_when_subscribed_to_every_symbol_then_other_symbols_too(
    ws_connect: Connect, services: Services
) -> None:
    async with ws_connect() as ws:
        await ws.request({"type": "signals.subscribe"})
        for minute in minutes(five_minute_bars()[:4]):
            services.bus.publish_nowait(Topics.BARS, BarEvent(minute, closed=True))
        update = await ws.expect("regime.update", topic="signals.*")

    assert update["regime"]["ts"] == T + 3 * FIVE_MINUTES
