"""Accounts that auto-trade, at Monday noon in Chicago with MNQ quoted 21,000.00 / 21,000.25,
and signals delivered over the app's bus."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from propdesk.autotrade.runtime import Decision
from propdesk.bus.base import Topics
from propdesk.domain.bars import Tick
from propdesk.domain.strategies import Direction, Signal
from propdesk.services import Services

if TYPE_CHECKING:
    from conftest import MakeUser, TestUser

NOON = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()
"""Monday noon in Chicago: the CME is open."""
BAR = int(NOON) - 300
"""The five-minute bar the signals fire on: it closed at noon."""
LONG = Signal(
    id=f"ma_cross:MNQ:5:{BAR}",
    symbol="MNQ",
    resolution="5",
    strategy="ma_cross",
    direction=Direction.long,
    entry=Decimal("21000.25"),
    stop=Decimal("20980.25"),
    target=Decimal("21040.25"),
    regime="trend_up",
    confidence=0.6,
    created_at=NOON,
    expires_at=NOON + 900,
)
"""Risks 20 points: $40 a contract."""


def signal(**changes: Any) -> Signal:
    """LONG, changed; a new `bar` gives it that bar's id."""
    bar = changes.pop("bar", None)
    if bar is not None:
        changes.setdefault("id", f"{changes.get('strategy', 'ma_cross')}:MNQ:5:{bar}")
    return replace(LONG, **changes)


@dataclass
class Trader:
    client: httpx.AsyncClient
    services: Services
    user: TestUser
    account_id: str

    def url(self, path: str = "") -> str:
        return f"/api/v1/accounts/{self.account_id}{path}"

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("headers", self.user.headers)
        return await self.client.request(method, self.url(path), **kwargs)

    async def autotrade(self, **body: Any) -> None:
        settings = {"enabled": True, "strategies": ["ma_cross"], "symbols": ["MNQ"], **body}
        if "risk_per_trade_r" not in settings:
            settings.setdefault("qty", 1)
        response = await self.request("PUT", "/autotrade", json=settings)
        assert response.status_code == 200, response.text

    async def orders(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.request("GET", "/orders", params={"status": "all", **params})
        assert response.status_code == 200, response.text
        orders: list[dict[str, Any]] = response.json()
        return orders

    async def risk_events(self) -> list[dict[str, Any]]:
        response = await self.request("GET", "/risk/events")
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()
        return events


async def quote(services: Services, bid: str, ask: str, ts: float = NOON) -> None:
    """An MNQ tick, once the engine, the live state and the read model have taken it."""
    engine = services.engine
    before = engine.stats.ticks
    tick = Tick("MNQ", ts, Decimal(bid), Decimal(bid), Decimal(ask), Decimal(1))
    await services.bus.publish(Topics.TICKS, tick)
    for _ in range(400):
        if engine.stats.ticks > before and services.live.tick("MNQ") == tick:
            await services.reads.caught_up(engine.last_commit)
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the engine or the live state did not take the tick")


async def deliver(services: Services, *signals: Signal) -> list[Decision]:
    """Publish signals on the bus as the signals runtime does; what the auto-trader decided."""
    autotrader = services.autotrader
    before, seen = autotrader.stats.signals, len(autotrader.decisions)
    for each in signals:
        await services.bus.publish(Topics.SIGNALS, each)
    deadline = time.monotonic() + 10
    while autotrader.stats.signals < before + len(signals):
        assert time.monotonic() < deadline, "the auto-trader did not handle the signals"
        await asyncio.sleep(0.005)
    return list(autotrader.decisions)[seen:]


MakeTrader = Callable[..., Awaitable[Trader]]


@pytest.fixture
async def make_trader(
    client: httpx.AsyncClient, services: Services, make_user: MakeUser
) -> MakeTrader:
    """`await make_trader()`: a new trader's topstep-50k account (R = 500, 50 MNQ at most)."""
    services.engine.clock = lambda: NOON
    quoted = False

    async def make(rule_set: object = "topstep-50k", **account: Any) -> Trader:
        nonlocal quoted
        user = await make_user()
        body = {"name": "auto", "rule_set": rule_set, **account}
        response = await client.post("/api/v1/accounts", json=body, headers=user.headers)
        assert response.status_code == 201, response.text
        if not quoted:
            await quote(services, "21000.00", "21000.25")
            quoted = True
        return Trader(client, services, user, response.json()["id"])

    return make


@pytest.fixture
async def trader(make_trader: MakeTrader) -> Trader:
    return await make_trader()
