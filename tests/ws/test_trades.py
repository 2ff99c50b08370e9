"""The `trades` topic: an account's round trips, from the real engine's commits through the
read model: the open ones on subscribing, then each trip a fill opens, changes or closes."""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from propdesk.bus.base import Topics
from propdesk.domain.bars import Tick
from propdesk.domain.events import TripChanged
from propdesk.services import Services

from .builders import FakeReader, order, trip, until
from .test_auth import open_account

if TYPE_CHECKING:
    from conftest import MakeUser

    from .conftest import Client, Connect

TOPSTEP_50K_R = 500
"""1% of the 50,000 starting balance: the account's default risk_per_trade."""


async def _quote(services: Services, bid: str) -> None:
    price = Decimal(bid)
    tick = Tick("BTCUSD", time.time(), price, price, price + Decimal("0.01"), Decimal(1))
    await services.bus.publish(Topics.TICKS, tick)
    await until(lambda: services.live.tick("BTCUSD") == tick)


async def _market(
    client: httpx.AsyncClient, account: str, headers: dict[str, str], side: str, **more: Any
) -> dict[str, Any]:
    placed = await client.post(
        f"/api/v1/accounts/{account}/orders",
        json={"symbol": "BTCUSD", "side": side, "type": "market", "qty": 0.1, **more},
        headers=headers,
    )
    assert placed.status_code == 201, placed.text
    answer: dict[str, Any] = placed.json()
    return answer


async def _subscribe(ws: Client, account: str) -> dict[str, Any]:
    reply = await ws.request({"type": "trades.subscribe", "account_id": account, "id": "t"})
    assert reply == {"type": "subscribed", "id": "t", "topics": [f"trades.{account}"]}, reply
    snapshot = await ws.receive()
    assert (snapshot["type"], snapshot["snapshot"]) == ("trades.update", True), snapshot
    return snapshot


async def test_trades_when_subscribed_with_an_open_trip_then_the_snapshot_holds_it(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    # Arrange: a long of 0.1 BTCUSD, labelled, its trip committed
    user = await make_user()
    account = await open_account(client, user.headers)
    await _quote(services, "100.00")
    bought = await _market(client, account, user.headers, "buy", strategy="orb", tag="drive")

    # Act
    async with ws_connect(user.access_token) as ws:
        snapshot = await _subscribe(ws, account)
        await ws.silent()

    # Assert
    [trade] = snapshot["trades"]
    assert snapshot["account_id"] == account
    assert snapshot["seq"] == 0
    assert trade["id"] == f"{account}:BTCUSD:1"
    assert (trade["status"], trade["side"], trade["qty"]) == ("open", "long", 0.1)
    assert (trade["avg_entry_price"], trade["avg_exit_price"]) == (100.01, None)
    assert (trade["strategy"], trade["setup"]) == ("orb", "drive")
    assert trade["order_ids"] == [bought["id"]]
    # No stop: R is the account's risk_per_trade, which the subscription's check read.
    assert (trade["risk"], trade["risk_source"]) == (TOPSTEP_50K_R, "default")
    assert trade["closed_at"] is None


async def test_trades_when_a_fill_opens_then_one_closes_then_an_update_for_each(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    # Arrange: subscribed while flat
    user = await make_user()
    account = await open_account(client, user.headers)
    await _quote(services, "100.00")
    async with ws_connect(user.access_token) as ws:
        empty = await _subscribe(ws, account)

        # Act: buy at 100.01, then sell at 110.00
        await _market(client, account, user.headers, "buy")
        opened = await ws.receive()
        await _quote(services, "110.00")
        await _market(client, account, user.headers, "sell")
        closed = await ws.receive()
        await ws.silent()
    money = (await client.get(f"/api/v1/accounts/{account}", headers=user.headers)).json()

    # Assert
    assert empty["trades"] == []
    assert [opened["type"], closed["type"]] == ["trades.update"] * 2
    assert [opened["seq"], closed["seq"]] == [1, 2]
    assert [opened["snapshot"], closed["snapshot"]] == [False, False]
    [first], [last] = opened["trades"], closed["trades"]
    assert first["id"] == last["id"] == f"{account}:BTCUSD:1"
    assert (first["status"], first["qty"], first["exit_qty"]) == ("open", 0.1, 0)
    assert (last["status"], last["qty"], last["exit_qty"]) == ("closed", 0, 0.1)
    assert (last["avg_entry_price"], last["avg_exit_price"]) == (100.01, 110.0)
    assert last["gross_pnl"] == 0.999  # (110.00 − 100.01) × 0.1 × $1
    assert last["net_pnl"] == money["realized_pnl"] - money["commissions"]
    assert last["r_multiple"] == round(0.999 / TOPSTEP_50K_R, 4)
    assert last["closed_at"] is not None
    assert last["duration"] >= 0
    assert len(last["fill_ids"]) == 2


async def test_trades_when_a_bracket_opens_it_then_r_comes_from_its_stop(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)
    await _quote(services, "100.00")
    async with ws_connect(user.access_token) as ws:
        await _subscribe(ws, account)

        await _market(
            client,
            account,
            user.headers,
            "buy",
            order_class="bracket",
            take_profit={"limit_price": 120},
            stop_loss={"stop_price": 90.01},
        )
        update = await ws.receive()

    [trade] = update["trades"]
    assert (trade["initial_stop"], trade["risk_source"]) == (90.01, "stop")
    assert trade["risk"] == 1.0  # (100.01 − 90.01) × 0.1 × $1


async def test_trades_when_the_account_sets_its_own_r_then_the_next_subscription_uses_it(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)
    await _quote(services, "100.00")
    await _market(client, account, user.headers, "buy")
    changed = await client.patch(
        f"/api/v1/accounts/{account}", json={"risk_per_trade": 250}, headers=user.headers
    )
    assert changed.status_code == 200, changed.text

    async with ws_connect(user.access_token) as ws:
        snapshot = await _subscribe(ws, account)

    [trade] = snapshot["trades"]
    assert (trade["risk"], trade["risk_source"]) == (250, "default")


async def test_trades_when_a_trip_changed_event_is_committed_then_only_it_is_sent(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    # Arrange: the read model faked, with one open trip
    user = await make_user()
    account = await open_account(client, user.headers)
    held = trip(order(account, 1))
    reader = FakeReader(trips={account: [held]})
    services.hub.sources = replace(services.hub.sources, reader=reader)
    async with ws_connect(user.access_token) as ws:
        snapshot = await _subscribe(ws, account)

        # Act: other events of the account, then the trip's change
        reader.events.publish_nowait(Topics.account(account), "not an event of this topic")
        reader.events.publish_nowait(Topics.account(account), TripChanged(held, held.opened_at))
        update = await ws.receive()
        await ws.silent()

    # Assert
    assert [t["id"] for t in snapshot["trades"]] == [held.id]
    assert update["seq"] == 1
    assert update["trades"] == snapshot["trades"]
    assert update["trades"][0]["strategy"] == "orb"


async def test_trades_when_someone_elses_account_then_not_found_and_nothing_sent(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    owner, other = await make_user(), await make_user()
    account = await open_account(client, owner.headers)
    await _quote(services, "100.00")

    async with ws_connect(other.access_token) as ws:
        refused = await ws.request({"type": "trades.subscribe", "account_id": account, "id": 1})
        await _market(client, account, owner.headers, "buy")
        await ws.silent()

    assert (refused["type"], refused["code"], refused["id"]) == ("error", "NOT_FOUND", 1)
    assert refused["reason"] == f"no account {account}"
    assert f"trades.{account}" not in services.hub.topic_names
