"""Reads show what the engine committed, and only that: an order whose commit is still open,
or failed, is seen by no REST read and no WebSocket snapshot or update; a committed one is
seen by the very next read of the client that placed it."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from propdesk.bus.base import Topics
from propdesk.domain.bars import Tick
from propdesk.services import Services

from .builders import until
from .test_auth import open_account

if TYPE_CHECKING:
    from conftest import HoldWrites, MakeUser

    from .conftest import Client, Connect

KINDS = ("orders", "positions", "account")


async def _quote(services: Services) -> None:
    price = Decimal("100.00")
    tick = Tick("BTCUSD", time.time(), price, price, price + Decimal("0.01"), Decimal(1))
    await services.bus.publish(Topics.TICKS, tick)
    await until(lambda: services.live.tick("BTCUSD") == tick)


async def _reads(client: httpx.AsyncClient, account: str, headers: dict[str, str]) -> list[Any]:
    base = f"/api/v1/accounts/{account}"
    answers = [
        await client.get(f"{base}/positions", headers=headers),
        await client.get(f"{base}/orders", params={"status": "all"}, headers=headers),
        await client.get(base, headers=headers),
    ]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    return [a.json() for a in answers]


async def _snapshots(ws: Client, account: str) -> dict[str, Any]:
    snapshots = {}
    for kind in KINDS:
        reply = await ws.request({"type": f"{kind}.subscribe", "account_id": account})
        assert reply["type"] == "subscribed", reply
        snapshots[kind] = await ws.receive()
        assert snapshots[kind]["snapshot"], snapshots[kind]
    return snapshots


async def test_reads_when_a_commit_is_held_then_fails_then_nothing_of_it_is_seen(
    ws_connect: Connect,
    services: Services,
    make_user: MakeUser,
    client: httpx.AsyncClient,
    held_writes: HoldWrites,
) -> None:
    # Arrange: an account and a market, and every later commit held
    user = await make_user()
    account = await open_account(client, user.headers)
    await _quote(services)
    before = await _reads(client, account, user.headers)
    writes = held_writes()
    writes.failures = 1
    async with ws_connect(user.access_token) as ws:
        await _snapshots(ws, account)
        # Act: a market buy, applied by the engine (it fills at once) but not committed
        placing = asyncio.create_task(
            client.post(
                f"/api/v1/accounts/{account}/orders",
                json={"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1},
                headers=user.headers,
            )
        )
        await writes.entered.wait()
        assert services.engine.position(account, "BTCUSD") is not None  # in memory: applied
        during = await _reads(client, account, user.headers)
        async with ws_connect(user.access_token) as late:
            held_snapshots = await _snapshots(late, account)
        writes.release.set()
        answer = await placing
        after = await _reads(client, account, user.headers)
        # Assert: the first socket saw no update, before or after the failure
        await ws.silent(0.3)

    assert answer.status_code == 503
    assert answer.json()["code"] == "ENGINE_UNAVAILABLE"
    assert during == before
    assert after == before
    assert before[0] == []
    assert before[1] == []
    assert held_snapshots["positions"]["positions"] == []
    assert held_snapshots["orders"]["orders"] == []
    assert held_snapshots["account"]["account"]["balance"] == before[2]["balance"]


async def test_reads_when_an_order_is_answered_then_the_next_read_shows_what_it_did(
    services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)
    await _quote(services)

    for n in range(5):
        placed = await client.post(
            f"/api/v1/accounts/{account}/orders",
            json={"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1},
            headers=user.headers,
        )
        assert placed.status_code == 201, placed.text
        positions, orders, money = await _reads(client, account, user.headers)

        assert [p["qty"] for p in positions] == [round(0.1 * (n + 1), 1)]
        assert len(orders) == n + 1
        assert money["realized_pnl"] == 0
