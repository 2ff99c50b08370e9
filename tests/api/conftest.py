"""A trading desk for the broker's API tests: a trader, a funded account, quotes on demand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from propdesk.bus.base import Topics
from propdesk.domain.bars import Tick
from propdesk.services import Services

if TYPE_CHECKING:
    from conftest import MakeUser, TestUser

STARTING_BALANCE = 1_000_000
"""Enough margin for 2 BTCUSD (95,000 a unit) and more."""
ROOMY_RULES = {
    "name": "custom",
    "daily_loss_limit": 100_000,
    "max_loss": 500_000,
    "max_contracts": 10_000,
}


@dataclass
class Desk:
    client: httpx.AsyncClient
    services: Services
    user: TestUser
    account_id: str

    @property
    def headers(self) -> dict[str, str]:
        return self.user.headers

    def url(self, path: str = "") -> str:
        return f"/api/v1/accounts/{self.account_id}{path}"

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("headers", self.headers)
        return await self.client.request(method, self.url(path), **kwargs)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.request("GET", path, params=params)

    async def order(self, **body: Any) -> httpx.Response:
        """POST an order: a market buy of 0.1 BTCUSD unless told otherwise."""
        payload = {"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1, **body}
        return await self.request("POST", "/orders", json=payload)

    async def placed(self, **body: Any) -> dict[str, Any]:
        response = await self.order(**body)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    async def orders(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.get("/orders", **params)
        assert response.status_code == 200, response.text
        orders: list[dict[str, Any]] = response.json()
        return orders

    async def account(self) -> dict[str, Any]:
        response = await self.client.get(self.url(), headers=self.headers)
        assert response.status_code == 200, response.text
        account: dict[str, Any] = response.json()
        return account

    async def quote(
        self, symbol: str, bid: str, ask: str, last: str | None = None, ts: float | None = None
    ) -> None:
        """Publish a tick and wait until the engine and the live state have taken it."""
        await quote(self.services, symbol, bid, ask, last, ts)


async def quote(
    services: Services,
    symbol: str,
    bid: str,
    ask: str,
    last: str | None = None,
    ts: float | None = None,
) -> None:
    engine = services.engine
    before = engine.stats.ticks
    tick = Tick(
        symbol,
        time.time() if ts is None else ts,
        Decimal(last or bid),
        Decimal(bid),
        Decimal(ask),
        Decimal(1),
    )
    await services.bus.publish(Topics.TICKS, tick)
    # The engine fills at it; the read model values positions at the live state's quote.
    for _ in range(400):
        if engine.stats.ticks > before and services.live.tick(symbol) == tick:
            # and what the tick did (a fill, a risk breach) shows in the read model
            await services.reads.caught_up(engine.last_commit)
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the engine or the live state did not take the tick")


MakeDesk = Callable[..., Awaitable[Desk]]


@pytest.fixture
def make_desk(client: httpx.AsyncClient, services: Services, make_user: MakeUser) -> MakeDesk:
    """`await make_desk()`: a new trader's account with 1,000,000 and roomy rules."""

    async def make(user: TestUser | None = None, name: str = "desk") -> Desk:
        owner = user or await make_user()
        response = await client.post(
            "/api/v1/accounts",
            json={"name": name, "rule_set": ROOMY_RULES, "starting_balance": STARTING_BALANCE},
            headers=owner.headers,
        )
        assert response.status_code == 201, response.text
        return Desk(client, services, owner, response.json()["id"])

    return make


@pytest.fixture
async def desk(make_desk: MakeDesk) -> Desk:
    return await make_desk()


MONDAY_NOON_CHICAGO = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()
"""The CME is open: the engine's clock stops here for the `combine` desk."""


@pytest.fixture
async def combine(
    client: httpx.AsyncClient, services: Services, make_user: MakeUser, desk: Desk
) -> Desk:
    """A topstep-50k account (daily loss 1,000, max loss 2,000, 5 contracts) at Monday noon
    in Chicago, MNQ quoted 21,000.00 / 21,000.25."""
    user = await make_user()
    services.engine.clock = lambda: MONDAY_NOON_CHICAGO  # opened then: its day is Monday
    response = await client.post(
        "/api/v1/accounts",
        json={"name": "combine", "rule_set": "topstep-50k"},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    combine = Desk(client, services, user, response.json()["id"])
    await combine.quote("MNQ", "21000.00", "21000.25", ts=MONDAY_NOON_CHICAGO)
    return combine
